package org.kron4j.api.store;

/** What a factor's refresh produced, in the order the store's fallback chain tries them. */
public enum RefreshOutcome {
    /** Decomposed in the configured precision. */
    FRESH,
    /** The configured precision failed; the float64 retry succeeded. */
    RETRIED_IN_DOUBLE,
    /** Decompositions are configured in float64, which failed; the float32 retry succeeded. */
    RETRIED_IN_FLOAT,
    /** Both failed at the requested damping; a larger damping succeeded (inverses only). */
    RAISED_DAMPING,
    /** Every attempt failed; the previous decomposition is still in use. */
    KEPT_LAST_GOOD,
    /** Every attempt failed and there was no previous decomposition: the block passes gradients through. */
    NONE_AVAILABLE;

    /** True when the decomposition in use after the refresh is not the one just asked for. */
    public boolean isFailure() {
        return this == KEPT_LAST_GOOD || this == NONE_AVAILABLE;
    }

    /** True when the fallback chain had to go past the first attempt. */
    public boolean isFallback() {
        return this != FRESH;
    }
}
