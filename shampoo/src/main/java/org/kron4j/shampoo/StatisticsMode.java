package org.kron4j.shampoo;

/**
 * How Shampoo's per-mode statistics L_i accumulate G_(i)G_(i)ᵀ over steps.
 *
 * <p>Both read the factor store's moving average M_t of the per-step statistics, whose t-th update
 * is M ← (1 − w)M + w·S_t with w = max(1 − β, 1/t) and β the driver's {@code statisticsDecay}.
 */
public enum StatisticsMode {
    /**
     * L = M_t: a bias-free exponential moving average with β₂ = {@code statisticsDecay} (the first
     * 1/(1−β₂) steps are averaged uniformly, later ones decay by β₂ per step), as in Anil et al. 2020.
     */
    EMA,
    /**
     * L = t · M_t with {@code statisticsDecay} = 1, which is exactly Σ_{s≤t} S_s, the plain sum of
     * the original paper (Gupta, Koren and Singer 2018). Requires {@code statisticsDecay = 1}: the
     * optimizer refuses to build otherwise.
     */
    SUM
}
