package org.kron4j.kfra;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.kron4j.api.BlockContext;
import org.kron4j.api.CurvatureApproximation;
import org.kron4j.api.CurvatureBlock;
import org.kron4j.api.CurvatureEstimator;
import org.kron4j.api.EstimatorContext;
import org.kron4j.api.UnsupportedModelException;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.LayerKind;
import org.kron4j.core.Conv2d;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.model.Loss;
import org.kron4j.api.model.ModelSpec;
import org.kron4j.api.optim.OptimizerSettings;
import org.kron4j.core.DenseStatistics;
import org.kron4j.core.KfacBlock;
import org.kron4j.api.settings.Setting;
import org.kron4j.core.KroneckerFactors;

/**
 * KFRA, the Kronecker-factored recursive approximation of the Gauss-Newton matrix (Botev, Ritter
 * and Barber, "Practical Gauss-Newton Optimisation for Deep Learning", ICML 2017), for sequential
 * stacks of dense layers.
 *
 * <p>Each layer's block of the Gauss-Newton matrix is approximated by A_l ⊗ H̄_l. A_l = E[ā ā ᵀ]
 * is K-FAC's input factor (ā = [a; 1], the bias as a homogeneous input). H̄_l, the expected
 * Gauss-Newton matrix of the loss with respect to the layer's pre-activations s_l, replaces
 * K-FAC's sampled G = E[g gᵀ] and comes from a deterministic backward recursion, without
 * sampling and without a second backward pass:
 * <pre>
 *   H̄_{L−1} = E[∂²ℓ/∂s_{L−1}²]                          (softmax CE: diag(p) − p pᵀ; sigmoid CE: diag(p(1−p)); squared error: I)
 *   H̄_l     = (W̃_{l+1}ᵀ H̄_{l+1} W̃_{l+1}) ∘ E[f_l'(s_l) f_l'(s_l)ᵀ]
 * </pre>
 * with W̃_{l+1} the weights of layer l+1 without their bias column and f_l the activation of
 * layer l; expectations are batch means. Preconditioning, damping and decompositions are
 * K-FAC's (the core's {@link KfacBlock} over its {@link org.kron4j.core.KroneckerFactors}); only the statistics differ.
 *
 * <p><b>What the engine must capture</b> on statistics steps, and nothing else:
 * {@code LAYER_INPUTS} (for A), {@code PARAMETERS} (W̃ of every layer but the first),
 * {@code ACTIVATION_DERIVATIVES} (f' of every layer but the last) and the model-level
 * {@code OUTPUT_HESSIAN}. Variants that do not ask for these never make an engine compute them.
 * KFRA samples nothing, so the driver's {@code targets} setting does not apply to it.
 *
 * <p><b>Models it accepts</b>, checked when the optimizer is built ({@link #createEstimator}): a
 * {@linkplain ModelSpec#sequential() sequential} model whose every layer is
 * {@linkplain LayerKind#DENSE dense} with a known activation (IDENTITY, TANH, SIGMOID, RELU,
 * SOFTPLUS), under one of the losses of {@link Loss}. Anything else is refused with an
 * {@link UnsupportedModelException} naming the layer, activation or loss. The
 * {@code unsupportedLayers=pass_through} policy does not apply: the recursion passes through
 * every layer, so one it cannot differentiate breaks the curvature of all layers below it. The
 * last layer's activation does not enter the recursion (the loss reads its pre-activation), but
 * must still be known.
 *
 * <p><b>Statistics are additive</b> in the sense that makes them all-reducible: a batch
 * contributes, per layer, Σ ā āᵀ, Σ f' f'ᵀ and B·W̃ with count B, and the last layer also
 * B·H̄_{L−1} = Σ_i ∂²ℓ_i/∂s². The recursion runs when statistics are absorbed, on the pooled
 * sums, so the statistics of several batches or workers added together give exactly the H̄ of
 * the pooled batch. (Running the recursion per worker and adding the results would instead give
 * the count-weighted mean of per-worker H̄, a different estimator: H̄ is a product of batch means,
 * not a batch mean.) The moving average is then taken over the per-step H̄, as K-FAC averages its
 * per-step G.
 *
 * <p><b>Cost.</b> Memory per dense layer with n inputs and m outputs: 2((n+1)² + m²) values, as
 * K-FAC (averages plus one decomposition each); a statistics step additionally holds, transiently,
 * m² + mn values per layer. Statistics per layer: O(B(n+1)² + Bm²) for Σ ā āᵀ and Σ f' f'ᵀ plus
 * O(m_{l+1}² m_l + m_{l+1} m_l²) for the recursion; no extra backward pass, unlike K-FAC's MC
 * Fisher.
 *
 * <p>Found by ServiceLoader as {@code "kfra"}; stateless and thread-safe.
 */
public final class KfraApproximation implements CurvatureApproximation {

    /** The name this variant is registered under. */
    public static final String NAME = "kfra";

    /** The losses whose output Hessian KFRA's recursion starts from. */
    private static final Set<Loss> KNOWN_LOSSES = EnumSet.of(Loss.SOFTMAX_CROSS_ENTROPY,
            Loss.SIGMOID_CROSS_ENTROPY, Loss.SQUARED_ERROR);

    /** Activations with a known element-wise derivative. */
    private static final Set<Activation> KNOWN_ACTIVATIONS = EnumSet.of(Activation.IDENTITY, Activation.TANH,
            Activation.SIGMOID, Activation.RELU, Activation.SOFTPLUS);

    @Override
    public String name() {
        return NAME;
    }

    private static final List<Setting<?>> DRIVER_SETTINGS = OptimizerSettings.ALL.stream()
            .filter(s -> s != OptimizerSettings.TARGETS).toList();

    /** Every driver setting but {@code targets}: KFRA samples nothing. */
    @Override
    public List<Setting<?>> driverSettings() {
        return DRIVER_SETTINGS;
    }

    /** Adaptive damping and step on ({@link OptimizerSettings#ADAPTIVE_DEFAULTS}). */
    @Override
    public java.util.Map<String, Object> driverDefaults() {
        return OptimizerSettings.ADAPTIVE_DEFAULTS;
    }

    @Override
    public String description() {
        return "KFRA: K-FAC's A ⊗ a recursively propagated expected Gauss-Newton H̄ per dense layer, no sampling "
                + "(Botev, Ritter & Barber 2017)";
    }

    /** Dense layers with a known activation. Whether the model as a whole fits is checked when it is built. */
    @Override
    public boolean supports(LayerSpec layer) {
        return layer.kind().equals(LayerKind.DENSE) && KNOWN_ACTIVATIONS.contains(layer.activation());
    }

    /**
     * The block of one layer: K-FAC's A ⊗ G in the store, G fed by the recursion. Meant to be
     * called by {@link #createEstimator}; the block's G can only be filled by that estimator.
     *
     * @throws UnsupportedModelException when the model is not one KFRA handles
     */
    @Override
    public CurvatureBlock createBlock(BlockContext context) {
        validate(context.model());
        KfacBlock kfac = KfacBlock.create(context.layer(), context.store(), DenseStatistics::new,
                context.settings().get(OptimizerSettings.DAMPING_MODE));
        int last = context.model().size() - 1;
        return new KfraBlock(kfac, context.index() < last, context.index() > 0,
                context.store().storagePrecision().dataType());
    }

    /**
     * The model-level estimator that runs the recursion across the layers.
     *
     * @throws UnsupportedModelException when the model is not a sequential stack of dense layers
     *     with known activations and a known loss
     */
    @Override
    public CurvatureEstimator createEstimator(EstimatorContext context) {
        validate(context.model());
        return KfraEstimator.create(this, context);
    }

    /**
     * Checks that KFRA can handle the model.
     *
     * @throws UnsupportedModelException naming the first problem and what would be accepted
     */
    static void validate(ModelSpec model) {
        if (!model.sequential()) {
            throw new UnsupportedModelException("variant '" + NAME + "' needs a sequential model (layer l's output "
                    + "is layer l+1's input) to propagate curvature backwards; got a non-sequential model with layers "
                    + names(model));
        }
        if (!KNOWN_LOSSES.contains(model.loss())) {
            throw new UnsupportedModelException("variant '" + NAME + "' has no output Hessian for loss "
                    + model.loss() + "; supported: " + KNOWN_LOSSES);
        }
        for (int l = 0; l < model.size(); l++) {
            LayerSpec layer = model.layer(l);
            if (layer.kind().equals(Conv2d.KIND)) {
                throw new UnsupportedModelException("variant '" + NAME + "' cannot handle convolution layer '"
                        + layer.name() + "' (" + layer + "): KFRA's recursion is published for dense layers only and "
                        + "there is no KFRA for convolutions; use kfac or ekfac (KFC blocks) for convolutional networks");
            }
            if (!layer.kind().equals(LayerKind.DENSE)) {
                throw new UnsupportedModelException("variant '" + NAME + "' cannot handle layer '" + layer.name()
                        + "' (" + layer + "): its recursion runs through every layer and needs each to be DENSE; "
                        + "unsupportedLayers=pass_through does not apply to KFRA");
            }
            if (!KNOWN_ACTIVATIONS.contains(layer.activation())) {
                throw new UnsupportedModelException("variant '" + NAME + "' needs the derivative of every layer's "
                        + "activation, but layer '" + layer.name() + "' has activation " + layer.activation()
                        + "; supported: " + KNOWN_ACTIVATIONS);
            }
        }
    }

    private static List<String> names(ModelSpec model) {
        List<String> names = new ArrayList<>(model.size());
        model.layers().forEach(layer -> names.add(layer.name()));
        return names;
    }

    @Override
    public String toString() {
        return "KfraApproximation{name=" + NAME + "}";
    }
}
