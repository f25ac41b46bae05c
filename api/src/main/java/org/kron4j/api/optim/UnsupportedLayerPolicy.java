package org.kron4j.api.optim;

/** What the optimizer does with a layer the chosen variant cannot precondition. */
public enum UnsupportedLayerPolicy {
    /** Refuse to build, naming the layer and the variant (the default). */
    FAIL,
    /** Use the plain gradient for that layer, and log it once when the optimizer is built. */
    PASS_THROUGH
}
