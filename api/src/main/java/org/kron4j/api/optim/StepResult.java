package org.kron4j.api.optim;

import java.util.List;
import java.util.Optional;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What one call of {@link KroneckerOptimizer#step} did.
 *
 * @param step                the index of the step (the value of {@code steps()} before the call)
 * @param applied             false when the step was skipped by a guard: nothing changed
 * @param skipReason          why it was skipped; null when applied
 * @param directions          per layer: the preconditioned, KL-clipped direction d (descent is
 *                            −d), in the gradient's shape; for engines that apply their own
 *                            learning rate and momentum. Empty when skipped
 * @param updates             per layer: the parameter change Δθ = −η v (momentum included) to add
 *                            to the parameters. Empty when skipped
 * @param klScale             the norm-constraint factor ν ∈ (0, 1] applied to the directions
 * @param collectedStatistics whether statistics were folded in this step
 * @param refreshed           whether this was a refresh step: decompositions refreshed (synchronous), or
 *                            snapshotted and handed to the background thread ({@code asyncRefresh})
 * @param diagnostics         loss, damping, reduction ratio, learning rate and momentum of the step
 *                            (NaN where unknown); never null
 */
public record StepResult(long step, boolean applied, String skipReason, List<INDArray> directions,
        List<INDArray> updates, double klScale, boolean collectedStatistics, boolean refreshed,
        StepDiagnostics diagnostics) {

    public StepResult {
        directions = List.copyOf(directions);
        updates = List.copyOf(updates);
        java.util.Objects.requireNonNull(diagnostics, "diagnostics");
    }

    static StepResult skipped(long step, String reason, double damping) {
        return skipped(step, reason, StepDiagnostics.unknown(damping));
    }

    /** A skipped step with what is known about it (a step rejected on the reduction ratio: loss, λ, ρ). */
    static StepResult skipped(long step, String reason, StepDiagnostics diagnostics) {
        return new StepResult(step, false, reason, List.of(), List.of(), Double.NaN, false, false, diagnostics);
    }

    public Optional<String> skipped() {
        return Optional.ofNullable(skipReason);
    }
}
