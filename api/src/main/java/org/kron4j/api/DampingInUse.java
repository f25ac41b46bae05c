package org.kron4j.api;

import java.util.Map;

/**
 * The damping one block actually applied, for diagnostics: the factor store's fallback chain may
 * raise a factor's damping (×10, up to three times) when a decomposition fails, and this is where
 * that becomes visible (see {@link CurvatureBlock#dampingInUse()}).
 *
 * @param requested the optimizer's damping λ the block was last refreshed or preconditioned with
 * @param applied   the damping the block's current preconditioner corresponds to, on the same scale
 *                  as λ (for K-FAC's factored damping the product of the two factors' dampings,
 *                  which is λ when nothing was raised); ≥ requested
 * @param factors   per stored factor role (e.g. "A", "G"), the damping added to that factor; empty
 *                  when damping is applied exactly rather than per factor
 */
public record DampingInUse(double requested, double applied, Map<String, Double> factors) {

    public DampingInUse {
        factors = Map.copyOf(factors);
    }

    /** Damping applied exactly as requested (no per-factor split, nothing raised). */
    public static DampingInUse exact(double damping) {
        return new DampingInUse(damping, damping, Map.of());
    }

    /**
     * True when the store raised the damping above the request (beyond relative rounding of 1e-9,
     * which covers the product π√λ · √λ/π = λ evaluated in floating point).
     */
    public boolean raised() {
        return applied > requested * (1 + 1e-9);
    }
}
