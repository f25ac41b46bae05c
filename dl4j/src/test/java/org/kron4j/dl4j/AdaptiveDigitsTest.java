package org.kron4j.dl4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.NoOp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 17, test 4: the K-FAC family with its adaptive defaults — the spec is the variant's name
 * alone, nothing tuned (λ₀ = 1e-3, tCov = 10, tInv = 100, Levenberg-Marquardt every 5 steps, α and
 * μ from the exact quadratic model) — against tuned first-order methods, on the protocol of
 * {@link DigitsEndToEndTest}: digits, the DL4J 64-128-128-10 tanh MLP, batch 256 with replacement,
 * seeds 1–3, steps until the mean of the last 10 batch losses is at most 0.05, cap 300.
 *
 * <p>Baseline: the best median over the seeds of DL4J's Adam at {3e-2, 1e-2, 3e-3, 1e-3} and DL4J's
 * Nesterov SGD (momentum 0.9) at {1, 0.3, 0.1, 0.03} (the sweeps of {@link DigitsEndToEndTest} and of
 * the testkit protocol, each widened by one larger rate because their best sat at the edge). Claim:
 * each variant's median is below that best median. Measured (2 cores): Adam 3e-2 [27, 25, 28] and
 * Nesterov 1.0 [27, 26, 32], best median 27; kfac [20, 24, 23], ekfac [23, 27, 26], kfra [22, 23, 23].
 */
class AdaptiveDigitsTest {
    private static final Logger RESULTS = LoggerFactory.getLogger("org.kron4j.results.dl4j");
    private static final long[] SEEDS = {1, 2, 3};
    private static final int MAX_STEPS = 300;
    private static final double TARGET = 0.05;
    private static final int WINDOW = 10;
    private static final INDArray X = Dl4jFixtures.DIGITS.features();
    private static final INDArray Y = Dl4jFixtures.DIGITS.oneHot();

    private static int bestBaseline = -1;
    private static String baselineSummary;

    private static int[] run(IUpdater updater, String spec) {
        int[] steps = new int[SEEDS.length];
        for (int s = 0; s < SEEDS.length; s++) {
            MultiLayerNetwork network = Dl4jFixtures.digitsMlp(SEEDS[s], updater.clone());
            if (spec != null) {
                Kron4jDl4j.attach(network, spec);
            }
            Dl4jFixtures.Run run = Dl4jFixtures.train(network, X, Y, 256, MAX_STEPS, SEEDS[s], TARGET, WINDOW);
            steps[s] = run.reached() ? run.stepsToTarget() : Integer.MAX_VALUE;
        }
        return steps;
    }

    private static int median(int[] values) {
        int[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static synchronized int baseline() {
        if (bestBaseline > 0) {
            return bestBaseline;
        }
        Map<String, int[]> all = new LinkedHashMap<>();
        for (double rate : new double[] {3e-2, 1e-2, 3e-3, 1e-3}) {
            all.put("adam(" + rate + ")", run(new Adam(rate), null));
        }
        for (double rate : new double[] {1.0, 0.3, 0.1, 0.03}) {
            all.put("nesterov(" + rate + ", 0.9)", run(new Nesterovs(rate, 0.9), null));
        }
        bestBaseline = all.values().stream().mapToInt(AdaptiveDigitsTest::median).min().orElseThrow();
        StringBuilder text = new StringBuilder();
        all.forEach((name, steps) -> text.append(' ').append(name).append('=').append(Arrays.toString(steps)));
        baselineSummary = text.toString().trim();
        RESULTS.info("digits/DL4J tuned first-order baselines, steps to {}: {}; best median {}", TARGET,
                baselineSummary, bestBaseline);
        return bestBaseline;
    }

    @ParameterizedTest
    @ValueSource(strings = {"kfac", "ekfac", "kfra"})
    void adaptiveDefaults_reachTheTargetInFewerMedianStepsThanTheBestTunedBaseline(String spec) {
        int best = baseline();
        int[] steps = run(new NoOp(), spec);
        RESULTS.info("digits/DL4J adaptive {} (defaults, NoOp updater): steps {} median {} vs best tuned median {} ({})",
                spec, Arrays.toString(steps), median(steps), best, baselineSummary);
        assertThat(median(steps)).as("%s median steps (baselines: %s)", spec, baselineSummary).isLessThan(best);
    }
}
