package org.kron4j.api.optim;

/** How the damping λ enters a Kronecker-factored block. */
public enum DampingMode {
    /**
     * Factored Tikhonov damping (Martens and Grosse 2015, §6.3): (A + π√λ I) ⊗ (G + √λ/π I)
     * with π = √((tr A / dim A) / (tr G / dim G)), inverted through two Cholesky inverses. An
     * approximation of A ⊗ G + λI; cheapest to apply (two products).
     */
    FACTORED,
    /**
     * Exact damping in the Kronecker eigenbasis: (A ⊗ G + λI)⁻¹ applied as
     * Q_G [(Q_Gᵀ V Q_A) ⊘ (λ_G λ_Aᵀ + λ)] Q_Aᵀ. Needs eigendecompositions; λ can change between
     * refreshes at no cost.
     */
    EIGEN
}
