package org.kron4j.api;

import java.util.List;
import java.util.Map;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.optim.OptimizerSettings;
import org.kron4j.api.settings.Setting;
import org.kron4j.api.support.BlockwiseEstimator;

/**
 * The service-provider interface of kron4j: one implementation per variant (K-FAC, EKFAC, KFRA,
 * Shampoo), listed in {@code META-INF/services/org.kron4j.api.CurvatureApproximation} and found by
 * {@link org.kron4j.api.registry.VariantRegistry} through {@link java.util.ServiceLoader}.
 *
 * <p>A provider is a stateless factory: it describes the variant (name, settings) and creates
 * the curvature blocks of a model; all mutable state lives in the blocks and the factor store.
 * It must have a public no-argument constructor, must be thread-safe (it may be shared between
 * optimizers), and must not print or touch global ND4J state.
 *
 * <p>Implementers must provide {@link #name()} and {@link #createBlock}; everything else has a
 * default. The optimizer driver handles learning rate, momentum, damping, update periods,
 * KL-clipping, weight decay and the numerical guards for every variant alike.
 */
public interface CurvatureApproximation {

    /**
     * The variant's unique name: lower case, e.g. {@code "kfac"}. Used as the key of the
     * registry, the Guice map binding, spec strings and reports.
     */
    String name();

    /** One sentence for {@code kron4j list}, with the paper it implements. */
    default String description() {
        return name();
    }

    /**
     * The driver settings ({@link OptimizerSettings#ALL}) that mean something for this variant;
     * default: all but the adaptive ones ({@link OptimizerSettings#FIXED}; the K-FAC family adds
     * {@link OptimizerSettings#ADAPTIVE}). Those left out are neither listed nor accepted for the variant (a spec
     * giving one fails naming the setting and the variant); the driver uses the library default
     * for them, which the variant must ignore. For example Shampoo leaves out {@code damping},
     * {@code dampingMode} and {@code targets}. Must return settings of {@link OptimizerSettings#ALL}.
     */
    default List<Setting<?>> driverSettings() {
        return OptimizerSettings.FIXED;
    }

    /** The settings this variant adds to the driver's (see {@link OptimizerSettings}). */
    default List<Setting<?>> settings() {
        return List.of();
    }

    /**
     * Defaults this variant prefers for driver settings, by setting name (e.g. Shampoo collects
     * statistics every step: {@code tCov → 1}). Values are validated against the driver's ranges;
     * only settings of {@link #driverSettings()} may be given.
     */
    default Map<String, Object> driverDefaults() {
        return Map.of();
    }

    /**
     * Whether this variant can precondition the layer. Default: every layer, whatever its
     * {@link org.kron4j.api.model.LayerKind}; a variant that handles only some kinds must override
     * this (the Kronecker-factored variants answer from their layer-kind map).
     */
    default boolean supports(LayerSpec layer) {
        return true;
    }

    /**
     * Creates the block for one layer this variant {@link #supports}. Called once per layer when
     * an optimizer is built; all state must be registered in {@code context.store()}.
     *
     * @throws UnsupportedModelException when the layer, its activation or the model's loss
     *     cannot be handled, with a message naming them
     */
    CurvatureBlock createBlock(BlockContext context);

    /**
     * Creates the model-level estimator. The default treats layers independently and, for
     * layers this variant does not support, applies the driver's {@code unsupportedLayers}
     * policy (fail, or pass the gradient through). Variants whose statistics flow between
     * layers override this.
     */
    default CurvatureEstimator createEstimator(EstimatorContext context) {
        return BlockwiseEstimator.create(this, context);
    }
}
