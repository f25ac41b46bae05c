package org.kron4j.api.optim;

/**
 * The scalars that describe one optimizer step, for reports and logs.
 *
 * @param loss           the batch loss h(θ) the engine reported with the capture; NaN when it
 *                       reported none
 * @param damping        the damping λ used by this step
 * @param reductionRatio ρ = (h(θ+δ) − h(θ)) / (M(δ) − M(0)) when this step adapted the damping;
 *                       NaN otherwise
 * @param learningRate   the effective step size α of this step's update (with fixed settings:
 *                       η times the norm-constraint factor)
 * @param momentum       the momentum μ of this step (with fixed settings: the setting)
 */
public record StepDiagnostics(double loss, double damping, double reductionRatio, double learningRate,
        double momentum) {

    /** Diagnostics where nothing is known (a skipped step). */
    public static StepDiagnostics unknown(double damping) {
        return new StepDiagnostics(Double.NaN, damping, Double.NaN, Double.NaN, Double.NaN);
    }
}
