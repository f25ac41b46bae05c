package org.kron4j.api.optim.adaptive;

/**
 * The Levenberg-Marquardt rule for the damping λ (Martens and Grosse 2015, §6.5; Moré 1978): every
 * {@code interval} steps the reduction ratio
 * <pre>
 *   ρ = (h(θ + δ) − h(θ)) / (M(δ) − M(0))
 * </pre>
 * compares the change of the batch loss with the change the quadratic model predicted. When the
 * model predicted well (ρ &gt; 3/4) it can be trusted further and λ shrinks: λ ← ω λ; when it predicted
 * badly (ρ &lt; 1/4) λ grows: λ ← λ / ω; otherwise λ stays. ω = decay^interval, so that the rule
 * changes λ at the same average speed whatever the interval (decay 19/20 with interval 5 gives
 * ω ≈ 0.774, the paper's choice). λ is kept within [min, max].
 *
 * <p>A ratio that is not a number (the new loss is NaN, or the model predicted no change) counts as
 * a bad prediction. Immutable: {@link #next} returns the new damping.
 *
 * @param decay    per-step decay in (0, 1)
 * @param interval steps between adaptations, ≥ 1
 * @param lower    ρ below this grows λ (3/4 &gt; lower ≥ 0 in the paper: 1/4)
 * @param upper    ρ above this shrinks λ (paper: 3/4)
 * @param min      the smallest λ, ≥ 0
 * @param max      the largest λ, ≥ min
 */
public record LevenbergMarquardt(double decay, int interval, double lower, double upper, double min, double max) {

    public LevenbergMarquardt {
        if (!(decay > 0 && decay < 1)) {
            throw new IllegalArgumentException("dampingDecay must be in (0, 1), got " + decay);
        }
        if (interval < 1) {
            throw new IllegalArgumentException("dampingInterval must be >= 1, got " + interval);
        }
        if (!(lower < upper)) {
            throw new IllegalArgumentException("the lower ratio threshold " + lower + " must be below the upper "
                    + upper);
        }
        if (!(min >= 0) || !(max >= min)) {
            throw new IllegalArgumentException("damping bounds must satisfy 0 <= min <= max, got [" + min + ", "
                    + max + "]");
        }
    }

    /** The paper's rule: decay 19/20, thresholds 1/4 and 3/4, with the given interval and bounds. */
    public static LevenbergMarquardt standard(int interval, double min, double max) {
        return new LevenbergMarquardt(19.0 / 20.0, interval, 0.25, 0.75, min, max);
    }

    /** ω = decay^interval, the factor applied to λ at one adaptation. */
    public double factor() {
        return Math.pow(decay, interval);
    }

    /** Whether the step with this 0-based index adapts the damping (every {@code interval}-th step). */
    public boolean adaptsAt(long step) {
        return (step + 1) % interval == 0;
    }

    /** ρ = (newLoss − oldLoss) / modelChange; NaN when it is undefined. */
    public static double reductionRatio(double oldLoss, double newLoss, double modelChange) {
        return (newLoss - oldLoss) / modelChange;
    }

    /** The damping after observing the reduction ratio ρ. */
    public double next(double damping, double rho) {
        double value = damping;
        if (Double.isNaN(rho) || rho < lower) {
            value = damping / factor();
        } else if (rho > upper) {
            value = damping * factor();
        }
        return Math.min(max, Math.max(min, value));
    }
}
