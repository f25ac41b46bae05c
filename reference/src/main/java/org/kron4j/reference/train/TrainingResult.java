package org.kron4j.reference.train;

import java.util.OptionalInt;

/**
 * What a {@link TrainingRun} measured: the batch loss of every step taken, steps to the target,
 * skipped steps, divergence and wall time. Immutable.
 */
public final class TrainingResult {
    private final String name;
    private final double[] losses;
    private final int skippedSteps;
    private final boolean diverged;
    private final long wallNanos;
    private final double targetLoss;
    private final int window;

    TrainingResult(String name, double[] losses, int skippedSteps, boolean diverged, long wallNanos,
            double targetLoss, int window) {
        this.name = name;
        this.losses = losses.clone();
        this.skippedSteps = skippedSteps;
        this.diverged = diverged;
        this.wallNanos = wallNanos;
        this.targetLoss = targetLoss;
        this.window = window;
    }

    /** The step function's name. */
    public String name() {
        return name;
    }

    /** Number of steps taken (including skipped ones). */
    public int steps() {
        return losses.length;
    }

    /** Per step the training batch loss, measured on the step's batch before its update; a copy. */
    public double[] losses() {
        return losses.clone();
    }

    /** The batch loss of step {@code index} (0-based). */
    public double loss(int index) {
        return losses[index];
    }

    /** Steps whose step function returned no update (e.g. a kron4j guard skipped them). */
    public int skippedSteps() {
        return skippedSteps;
    }

    /** True when the run stopped because a batch loss was NaN or infinite. */
    public boolean diverged() {
        return diverged;
    }

    public long wallNanos() {
        return wallNanos;
    }

    public double wallMillis() {
        return wallNanos / 1e6;
    }

    /** The run's target loss (NaN when none was set). */
    public double targetLoss() {
        return targetLoss;
    }

    /** The moving-mean window the target is judged with. */
    public int window() {
        return window;
    }

    /** {@link #stepsToReach(double[], double, int)} for the run's own target and window. */
    public OptionalInt stepsToTarget() {
        return Double.isNaN(targetLoss) ? OptionalInt.empty() : stepsToReach(losses, targetLoss, window);
    }

    /** Steps to reach another target with the run's window. */
    public OptionalInt stepsToReach(double target) {
        return stepsToReach(losses, target, window);
    }

    /** The mean of the last {@code window} batch losses (fewer when fewer were taken); NaN for none. */
    public double finalMovingMean() {
        if (losses.length == 0) {
            return Double.NaN;
        }
        int from = Math.max(0, losses.length - window);
        double sum = 0.0;
        for (int i = from; i < losses.length; i++) {
            sum += losses[i];
        }
        return sum / (losses.length - from);
    }

    /**
     * The number of steps after which the mean of the last {@code window} batch losses is first
     * ≤ {@code target}: the smallest t ≥ window with mean(losses[t−window … t−1]) ≤ target, or
     * empty when no window qualifies (a NaN loss never qualifies).
     */
    public static OptionalInt stepsToReach(double[] losses, double target, int window) {
        if (window < 1) {
            throw new IllegalArgumentException("window must be >= 1, got " + window);
        }
        for (int t = window; t <= losses.length; t++) {
            double sum = 0.0;
            for (int i = t - window; i < t; i++) {
                sum += losses[i];
            }
            if (sum / window <= target) {
                return OptionalInt.of(t);
            }
        }
        return OptionalInt.empty();
    }

    @Override
    public String toString() {
        return name + ": " + steps() + " steps, final mean loss " + finalMovingMean() + ", to target " + stepsToTarget()
                + ", skipped " + skippedSteps + (diverged ? ", DIVERGED" : "") + ", " + String.format("%.1f ms", wallMillis())
                + (losses.length > 0 ? ", first loss " + losses[0] : "");
    }
}
