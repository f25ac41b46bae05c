package org.kron4j.testkit.protocol;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.Function;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.Loss;
import org.kron4j.reference.data.Dataset;
import org.kron4j.reference.data.Datasets;
import org.kron4j.reference.mlp.ReferenceMlp;
import org.kron4j.reference.train.StepFunction;
import org.kron4j.reference.train.TrainingResult;
import org.kron4j.reference.train.TrainingRun;
import org.kron4j.testkit.baseline.SgdMomentum;

/**
 * The foundation's end-to-end protocol, shared by every variant's test so that all of them are
 * judged the same way: the 64-128-128-10 tanh MLP of the test kit with softmax cross-entropy on
 * z-scored digits, batch 256 drawn with replacement, seeds 1, 2 and 3 (one seed for the weights
 * and the batches of every method). Measure: the steps needed to bring the mean of the last 10
 * training batch losses to 0.05. Compare: medians over the seeds, against SGD with momentum 0.9 at
 * its best learning rate of {0.03, 0.1, 0.3}.
 */
public final class DigitsProtocol {
    public static final double TARGET = 0.05;
    public static final int WINDOW = 10;
    public static final int BATCH = 256;
    public static final long[] SEEDS = {1, 2, 3};
    public static final double[] SGD_RATES = {0.3, 0.1, 0.03};
    public static final double SGD_MOMENTUM = 0.9;
    /** Steps after which a run counts as not reaching the target. */
    public static final int MAX_STEPS = 400;
    /** Stands for "not reached within the cap" in step arrays. */
    public static final int NOT_REACHED = Integer.MAX_VALUE;

    private static final Dataset DIGITS = Datasets.digits().standardize();

    private DigitsProtocol() {
    }

    /** The protocol's network for a seed. */
    public static ReferenceMlp network(long seed) {
        return ReferenceMlp.builder(64, 128, 128, 10).hidden(Activation.TANH).loss(Loss.SOFTMAX_CROSS_ENTROPY)
                .seed(seed).build();
    }

    /** The protocol's training run for a seed, stopping at the target or after {@code maxSteps}. */
    public static TrainingRun run(long seed, int maxSteps) {
        return TrainingRun.on(DIGITS).batchSize(BATCH).maxSteps(maxSteps).seed(seed).targetLoss(TARGET)
                .window(WINDOW).stopAtTarget(true).build();
    }

    /**
     * Steps to target for each seed of a method; {@link #NOT_REACHED} where it did not get there.
     *
     * @param method builds the step function for a freshly initialised network (called once per seed)
     */
    public static int[] stepsToTarget(Function<ReferenceMlp, StepFunction> method) {
        return stepsToTarget(method, MAX_STEPS);
    }

    private static int[] stepsToTarget(Function<ReferenceMlp, StepFunction> method, int cap) {
        int[] steps = new int[SEEDS.length];
        for (int s = 0; s < SEEDS.length; s++) {
            ReferenceMlp net = network(SEEDS[s]);
            TrainingResult result = run(SEEDS[s], cap).run(net, method.apply(net));
            OptionalInt reached = result.stepsToTarget();
            steps[s] = reached.isPresent() ? reached.getAsInt() : NOT_REACHED;
        }
        return steps;
    }

    public static int median(int[] values) {
        int[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    /** Per-seed steps with "&gt;cap" for runs that did not reach the target. */
    public static String show(int[] steps, int cap) {
        return Arrays.toString(Arrays.stream(steps)
                .mapToObj(s -> s == NOT_REACHED ? ">" + cap : String.valueOf(s)).toArray());
    }

    /**
     * SGD with momentum at each rate of {@link #SGD_RATES}. A rate is only run while it could still
     * beat the best median so far (a median below M needs two seeds below M), which keeps the
     * baseline short without changing which rate is best or its median.
     */
    public static Baseline bestSgdMomentum() {
        Map<Double, int[]> all = new LinkedHashMap<>();
        Map<Double, Integer> caps = new LinkedHashMap<>();
        int bestMedian = NOT_REACHED;
        double bestRate = Double.NaN;
        for (double rate : SGD_RATES) {
            int cap = bestMedian == NOT_REACHED ? MAX_STEPS : Math.min(MAX_STEPS, bestMedian);
            int[] steps = stepsToTarget(net -> new SgdMomentum(rate, SGD_MOMENTUM), cap);
            all.put(rate, steps);
            caps.put(rate, cap);
            if (median(steps) < bestMedian) {
                bestMedian = median(steps);
                bestRate = rate;
            }
        }
        StringBuilder text = new StringBuilder();
        all.forEach((rate, steps) -> text.append("sgd(lr=").append(rate).append(", μ=").append(SGD_MOMENTUM)
                .append(") ").append(show(steps, caps.get(rate))).append(" median ")
                .append(median(steps) == NOT_REACHED ? ">" + caps.get(rate) : median(steps)).append("; "));
        text.append("best sgd lr=").append(bestRate).append(" median ").append(bestMedian);
        return new Baseline(bestRate, bestMedian, text.toString());
    }

    /**
     * The best SGD-momentum baseline.
     *
     * @param rate   the learning rate with the lowest median
     * @param median its median steps to target
     * @param report every rate's per-seed steps, for test messages and logs
     */
    public record Baseline(double rate, int median, String report) {
    }

    /** A one-line report of a method's steps next to the baseline. */
    public static String report(String method, int[] steps, Baseline baseline) {
        return "digits steps to 10-step mean loss <= " + TARGET + " (seeds " + Arrays.toString(SEEDS) + "): "
                + method + " " + show(steps, MAX_STEPS) + " median "
                + (median(steps) == NOT_REACHED ? ">" + MAX_STEPS : median(steps)) + "; " + baseline.report();
    }
}
