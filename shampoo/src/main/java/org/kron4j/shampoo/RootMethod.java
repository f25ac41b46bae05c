package org.kron4j.shampoo;

/** How the inverse p-th roots (L + ε_eff I)^{-1/p} are computed at each refresh. */
public enum RootMethod {
    /**
     * Eigendecomposition L = QΛQᵀ through the factor store (decomposition precision, float64 by
     * default, with the store's fallback chain), then Q (Λ + ε_eff)^{-1/p} Qᵀ in float64. Works for
     * any exponent.
     */
    EIGEN,
    /**
     * The coupled Newton iteration of Guo and Higham (2006) as used by Anil et al. (2020), in
     * float64 matrix products only (no LAPACK): accelerator-friendly, needs an integer p, and is
     * accepted only when its residual ‖M − I‖_max falls below {@code newtonTolerance}.
     */
    COUPLED_NEWTON
}
