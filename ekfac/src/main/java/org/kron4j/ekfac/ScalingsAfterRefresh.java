package org.kron4j.ekfac;

/**
 * What EKFAC's scalings S become when a refresh moves the Kronecker eigenbasis. S is a moving
 * average of second moments measured in the old basis; it has to be restated in the new one
 * before the next direction is computed. Either choice keeps S in the basis the block uses, and
 * neither touches S when every eigendecomposition of the refresh failed (the old basis stays).
 */
public enum ScalingsAfterRefresh {
    /**
     * Carry the moving average over: S ← (R_G∘R_G) S (R_A∘R_A)ᵀ with R_G = Q_G,newᵀ Q_G,old and
     * R_A = Q_A,newᵀ Q_A,old, which is diag(Q_newᵀ F_old Q_new) for the old approximation
     * F_old = Q_old diag(vec S) Q_oldᵀ: the best diagonal in the new basis of what the block held.
     * It preserves tr S, reduces to a permutation when the basis only reorders or flips its
     * vectors, and costs two small products, O(m²(n+1) + m(n+1)²). The default: with frequent
     * refreshes the eigenvalue correction survives them instead of starting over.
     */
    ROTATE,
    /**
     * Restart from K-FAC: S ← λ_G λ_Aᵀ, the exact diagonal of A ⊗ G in the new basis (what the
     * reference implementation of George et al. does). Later batches blend in at the statistics
     * decay β, so right after each refresh EKFAC is K-FAC with exact damping.
     */
    KFAC
}
