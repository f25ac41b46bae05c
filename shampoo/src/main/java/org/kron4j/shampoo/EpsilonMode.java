package org.kron4j.shampoo;

/** How Shampoo's regulariser ε is scaled before it is added to a statistic: (L + ε_eff I)^{-e}. */
public enum EpsilonMode {
    /** ε_eff = ε. */
    ABSOLUTE,
    /**
     * ε_eff = ε · λ_max(L), the statistic's largest eigenvalue (Anil et al. 2020), which makes ε a
     * bound on the condition number of L + ε_eff I and the direction invariant to the gradient's
     * scale. When L is zero, ε_eff = ε.
     */
    RELATIVE
}
