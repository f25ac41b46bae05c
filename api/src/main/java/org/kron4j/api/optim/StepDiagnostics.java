package org.kron4j.api.optim;

/**
 * The scalars that describe one optimizer step, for reports and logs.
 *
 * @param loss               the batch loss h(θ) the engine reported with the capture; NaN when it
 *                           reported none
 * @param damping            the damping λ used by this step
 * @param reductionRatio     ρ = (h(θ+δ) − h(θ)) / (M(δ) − M(0)) when this step adapted the damping;
 *                           NaN otherwise
 * @param learningRate       the effective step size α of this step's update (with fixed settings:
 *                           η times the norm-constraint factor)
 * @param momentum           the momentum μ of this step (with fixed settings: the setting)
 * @param decompositionAge   steps since the step whose averages the decompositions this step used
 *                           were computed from (0: this step's own refresh); at most tInv − 1 with
 *                           synchronous refresh, at most 2·tInv − 1 with {@code asyncRefresh} (one
 *                           refresh behind); −1 when unknown or none exist yet
 * @param refreshStallMillis time the training thread spent on refreshes in this step: the whole
 *                           refresh when synchronous; snapshot, submission, any wait for the
 *                           previous background refresh and the install when asynchronous
 */
public record StepDiagnostics(double loss, double damping, double reductionRatio, double learningRate,
        double momentum, long decompositionAge, double refreshStallMillis) {

    /** Diagnostics without refresh information (age unknown, no stall). */
    public StepDiagnostics(double loss, double damping, double reductionRatio, double learningRate, double momentum) {
        this(loss, damping, reductionRatio, learningRate, momentum, -1, 0.0);
    }

    /** Diagnostics where nothing is known (a skipped step). */
    public static StepDiagnostics unknown(double damping) {
        return new StepDiagnostics(Double.NaN, damping, Double.NaN, Double.NaN, Double.NaN);
    }
}
