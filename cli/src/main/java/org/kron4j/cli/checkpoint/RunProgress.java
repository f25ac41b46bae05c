package org.kron4j.cli.checkpoint;

import java.util.List;
import java.util.Map;
import org.kron4j.api.DampingInUse;
import org.kron4j.api.optim.StepDiagnostics;

/**
 * What a run has done so far, saved with the trainer's state in a run checkpoint: the per-step
 * history the results are computed from, where the batch generator stands, and the time spent.
 *
 * @param losses         batch loss of each step taken (as many as steps taken)
 * @param seconds        wall seconds since the run began, after each step (timings: not reproduced)
 * @param batchSizes     examples in each step's batch
 * @param diagnostics    what the optimizer reported for each step
 * @param batchState     the position of the batch generator ({@link ResumableRandom#state()})
 * @param cpuNanos       process CPU time the run has used so far
 * @param skippedSteps   steps a kron4j guard refused so far
 * @param dampingInUse   the trainer's {@code dampingInUse()} at the checkpoint: the damping the last
 *                       refresh requested is a block's working value, not part of the optimizer's
 *                       saved state, so a resumed run that has not refreshed since reports it from here
 */
public record RunProgress(double[] losses, double[] seconds, int[] batchSizes, List<StepDiagnostics> diagnostics,
        long batchState, long cpuNanos, long skippedSteps, Map<String, DampingInUse> dampingInUse) {

    public RunProgress {
        diagnostics = List.copyOf(diagnostics);
        dampingInUse = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(dampingInUse));
        if (seconds.length != losses.length || batchSizes.length != losses.length
                || diagnostics.size() != losses.length) {
            throw new IllegalArgumentException("a run's per-step histories must have one entry per step taken");
        }
    }

    /** Steps taken. */
    public int steps() {
        return losses.length;
    }

    /**
     * The damping in use a resumed run reports at its end: the trainer's, with what the checkpoint
     * knew where the trainer has not learnt it again since the restore (no refresh, no preconditioning).
     */
    public Map<String, DampingInUse> dampingAfterResume(Map<String, DampingInUse> now) {
        Map<String, DampingInUse> merged = new java.util.LinkedHashMap<>(dampingInUse);
        now.forEach((layer, current) -> {
            DampingInUse saved = dampingInUse.get(layer);
            merged.put(layer, saved != null && Double.isNaN(current.requested())
                    ? new DampingInUse(saved.requested(), current.applied(), current.factors()) : current);
        });
        return merged;
    }

    /** Wall seconds the run has taken so far. */
    public double elapsedSeconds() {
        return seconds.length == 0 ? 0 : seconds[seconds.length - 1];
    }
}
