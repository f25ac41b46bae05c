package org.kron4j.api.capture;

/** Which targets the statistics pass back-propagates to produce {@link CaptureField#OUTPUT_GRADIENTS}. */
public enum TargetSource {
    /** Targets sampled from the model's own predictive distribution: an unbiased Fisher estimate (the default). */
    MC_FISHER,
    /** The true targets: the empirical Fisher, cheaper (no second backward pass) but biased. */
    EMPIRICAL
}
