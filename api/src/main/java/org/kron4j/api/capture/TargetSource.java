package org.kron4j.api.capture;

/** Which targets the statistics pass back-propagates to produce {@link CaptureField#OUTPUT_GRADIENTS}. */
public enum TargetSource {
    /**
     * One target per example sampled from the model's own predictive distribution: an unbiased
     * Fisher estimate at the cost of one extra backward pass (the default).
     */
    MC_FISHER,
    /** The true targets: the empirical Fisher, cheapest (no extra backward pass) but biased. */
    EMPIRICAL,
    /**
     * The exact expectation over the predictive distribution: for an output of size k the engine
     * back-propagates the k columns of a square root of the output Hessian
     * ({@link org.kron4j.api.model.Loss#hessianSquareRoot}) for every example, so that
     * Σ_rows g gᵀ / B is the exact Fisher factor. k backward passes: for small outputs and for
     * verification (kfac-jax's "fisher_exact").
     */
    EXACT
}
