package org.kron4j.cli.ablation;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kron4j.api.DampingInUse;
import org.kron4j.api.optim.StepDiagnostics;

/**
 * What one training run (one method at one learning rate, one seed) measured.
 *
 * @param label           the method's label
 * @param seed            the run's seed
 * @param learningRate    the rate this run used
 * @param losses          per step the training batch loss before the step's update (fewer than
 *                        the budget when the run diverged)
 * @param seconds         per step the wall time since the run started, after the step
 * @param stepsToTarget   steps until the mean of the last {@code window} batch losses first was
 *                        at most the target; -1 when it never was
 * @param secondsToTarget wall time at that step; NaN when not reached
 * @param finalTrainLoss  mean loss over the evaluation rows of the training set after the run;
 *                        NaN when diverged
 * @param testAccuracy    held-out accuracy (classifiers); NaN for autoencoders and diverged runs
 * @param testLoss        held-out mean loss; NaN when diverged
 * @param msPerStep       mean wall time of a step (batch drawing included)
 * @param cpuMsPerStep    mean CPU time of the whole process per step: close to the wall time an
 *                        otherwise idle machine would show, whatever else shares this one
 * @param factorBytes     bytes of the method's curvature factors at the end; 0 for baselines
 * @param skippedSteps    steps a kron4j guard refused
 * @param diverged        true when a batch loss was NaN or infinite (the run stopped there)
 * @param batchSizes      per step the examples in its batch (as many as {@code losses})
 * @param diagnostics     per step what the kron4j optimizer reported (λ, ρ, α, μ); NaN fields
 *                        for baselines (as many as {@code losses})
 * @param dampingInUse    per layer the damping its block applied at the end of the run, after
 *                        any raise by the store's fallback chain; empty for baselines
 */
public record RunResult(String label, long seed, double learningRate, double[] losses, double[] seconds, int stepsToTarget,
        double secondsToTarget, double finalTrainLoss, double testAccuracy, double testLoss, double msPerStep,
        double cpuMsPerStep, long factorBytes, long skippedSteps, boolean diverged, int[] batchSizes,
        List<StepDiagnostics> diagnostics, Map<String, DampingInUse> dampingInUse) {

    public RunResult {
        diagnostics = List.copyOf(diagnostics);
        dampingInUse = Collections.unmodifiableMap(new LinkedHashMap<>(dampingInUse));
    }

    /** The damping λ of every step (NaN where unknown). */
    public double[] damping() {
        return diagnostics.stream().mapToDouble(StepDiagnostics::damping).toArray();
    }

    /** True when the store raised some layer's damping above the optimizer's. */
    public boolean dampingRaised() {
        return dampingInUse.values().stream().anyMatch(DampingInUse::raised);
    }

    public boolean reached() {
        return stepsToTarget > 0;
    }

    /** Steps to target as a number for medians: +∞ when not reached. */
    public double stepsOrInfinity() {
        return reached() ? stepsToTarget : Double.POSITIVE_INFINITY;
    }

    public double secondsOrInfinity() {
        return reached() ? secondsToTarget : Double.POSITIVE_INFINITY;
    }

    /** The final training loss with NaN (diverged) ranked last. */
    public double lossOrInfinity() {
        return Double.isNaN(finalTrainLoss) ? Double.POSITIVE_INFINITY : finalTrainLoss;
    }
}
