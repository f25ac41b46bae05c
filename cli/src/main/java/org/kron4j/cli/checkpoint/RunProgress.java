package org.kron4j.cli.checkpoint;

import java.util.List;
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
 */
public record RunProgress(double[] losses, double[] seconds, int[] batchSizes, List<StepDiagnostics> diagnostics,
        long batchState, long cpuNanos, long skippedSteps) {

    public RunProgress {
        diagnostics = List.copyOf(diagnostics);
        if (seconds.length != losses.length || batchSizes.length != losses.length
                || diagnostics.size() != losses.length) {
            throw new IllegalArgumentException("a run's per-step histories must have one entry per step taken");
        }
    }

    /** Steps taken. */
    public int steps() {
        return losses.length;
    }

    /** Wall seconds the run has taken so far. */
    public double elapsedSeconds() {
        return seconds.length == 0 ? 0 : seconds[seconds.length - 1];
    }
}
