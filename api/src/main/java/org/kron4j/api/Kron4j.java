package org.kron4j.api;

import java.util.List;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.registry.VariantRegistry;
import org.kron4j.api.settings.Setting;
import org.kron4j.api.settings.OptimizerConfig;

/**
 * The plain-Java entry point (no Guice needed): list the variants on the class path and create an
 * optimizer by name or spec string.
 *
 * <pre>{@code
 * KroneckerOptimizer optimizer = Kron4j.optimizer("kfac:damping=1e-3,tInv=50")
 *         .model(ModelSpec.sequential(Loss.SOFTMAX_CROSS_ENTROPY, layers))
 *         .learningRate(0.1)
 *         .build();
 * }</pre>
 */
public final class Kron4j {
    private static volatile VariantRegistry defaultRegistry;

    private Kron4j() {
    }

    /** The variants found on the class path (discovered once, then cached). */
    public static VariantRegistry variants() {
        VariantRegistry registry = defaultRegistry;
        if (registry == null) {
            synchronized (Kron4j.class) {
                registry = defaultRegistry;
                if (registry == null) {
                    registry = VariantRegistry.load();
                    defaultRegistry = registry;
                }
            }
        }
        return registry;
    }

    /** Every setting of a variant with its default and range (what {@code kron4j list} prints). */
    public static List<Setting<?>> settingsOf(String variant) {
        return OptimizerConfig.schema(variants().get(variant));
    }

    /**
     * A builder for the variant named by a spec string, its settings applied.
     *
     * @throws IllegalArgumentException for a malformed spec, an unknown variant or a bad setting,
     *     naming it
     */
    public static KroneckerOptimizer.Builder optimizer(String spec) {
        return optimizer(variants(), spec);
    }

    /** A builder for a configuration parsed or built before (see {@link OptimizerConfig}). */
    public static KroneckerOptimizer.Builder optimizer(OptimizerConfig config) {
        return KroneckerOptimizer.builder(config);
    }

    /** {@link #optimizer(String)} against a given registry. */
    public static KroneckerOptimizer.Builder optimizer(VariantRegistry registry, String spec) {
        return KroneckerOptimizer.builder(OptimizerConfig.parse(registry, spec));
    }
}
