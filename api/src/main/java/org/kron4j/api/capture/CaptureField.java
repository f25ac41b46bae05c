package org.kron4j.api.capture;

/**
 * The pieces of a training step an engine can hand the optimizer. The gradient is always
 * required; the rest only on the steps and for the variants that ask for them (see
 * {@link StepPlan}), so a variant that does not need, say, the output Hessian never makes the
 * engine compute it.
 */
public enum CaptureField {
    /** Per layer: the gradient of the batch-mean loss with true targets, in the layer's gradient shape. */
    GRADIENT,
    /** Per layer: the current parameters, in the gradient's shape (weight decay, KFRA's recursion). */
    PARAMETERS,
    /**
     * Per dense layer: its inputs a, B×n, without the homogeneous column. Per conv2d layer
     * ({@code org.kron4j.core.Conv2d}): the im2col patches of its NCHW input, B×|T|×(C·kH·kW),
     * without the homogeneous coordinate.
     */
    LAYER_INPUTS,
    /**
     * Per dense layer: output gradients g = ∂ℓ/∂s of single examples (not divided by B), R×m,
     * back-propagated from targets chosen by the plan's {@link TargetSource}, such that
     * Σ_rows g gᵀ / B estimates E[g gᵀ]. Row r belongs to example r mod B: R = B for
     * {@link TargetSource#MC_FISHER} and {@link TargetSource#EMPIRICAL}; for
     * {@link TargetSource#EXACT}, R = k·B with block c (rows cB … cB+B−1) holding every example's
     * gradient from the c-th column of the output Hessian's square root. Per conv2d layer: the same
     * rows, each the per-position gradient ∂ℓ/∂s of its example's output map, R×O×outH×outW (NCHW).
     */
    OUTPUT_GRADIENTS,
    /** Per dense layer: f'(s) of the layer's activation at its pre-activations, B×m. */
    ACTIVATION_DERIVATIVES,
    /** Model: the batch mean of ∂²ℓ/∂s_L² at the output, k×k. */
    OUTPUT_HESSIAN,
    /**
     * Model: the batch-mean loss with the true targets at the parameters the GRADIENT was taken
     * at ({@link ModelCapture#batchLoss()}), the h(θ) whose gradient GRADIENT is.
     */
    BATCH_LOSS,
    /**
     * Model: a {@link BatchOracle} for this step's batch ({@link ModelCapture#oracle()}): the loss at
     * candidate parameters and exact Gauss-Newton × vector products.
     */
    BATCH_ORACLE;

    /** Whether the field belongs to the whole model rather than to one layer's capture. */
    public boolean isModelField() {
        return this == OUTPUT_HESSIAN || this == BATCH_LOSS || this == BATCH_ORACLE;
    }
}
