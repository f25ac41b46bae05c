package org.kron4j.api.optim;

/** Which curvature the adaptive step's quadratic model uses. */
public enum QuadraticModelKind {
    /**
     * The exact Gauss-Newton matrix of the batch, through the engine's
     * {@link org.kron4j.api.capture.BatchOracle} (one forward-mode pass per direction).
     */
    EXACT,
    /**
     * The blocks' own curvature ({@link org.kron4j.api.CurvatureEstimator#multiply}), as kfac-jax's
     * approximate model; for engines or layers without an oracle. The loss at the candidate (for
     * the Levenberg-Marquardt ratio) still comes from the oracle when adaptiveDamping is on.
     */
    APPROXIMATE
}
