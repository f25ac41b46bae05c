package org.kron4j.dl4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.kron4j.api.Kron4j;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Test 3 of the DL4J issue. Protocol: scikit-learn's digits (z-scored), a DL4J MLP 64-128-128-10
 * with tanh hidden layers and a softmax + MCXENT output, Glorot-uniform weights, float32; batches
 * of 256 drawn with replacement; seeds 1, 2, 3 (the same seed for the weights and the batches of
 * every method); measured: the DL4J steps until the mean of the last 10 training batch losses
 * ({@code network.score()}, before each update) is at most 0.05, within 300 steps.
 *
 * <p>Baseline: DL4J's own Adam at the best of the learning rates {1e-3, 3e-3, 1e-2} (best = the
 * lowest median over the seeds). Claim, per variant and per seed: the variant reaches the target
 * in fewer steps than that Adam does on the same seed. Variants not on the class path are skipped
 * with a message. Every variant trains through {@link Kron4jDl4j#attach} with DL4J's
 * {@code Nesterovs} updater supplying learning rate and momentum; the settings (statistics every
 * step, no KL clip) are those of the variants' own digits tests on the testkit MLP, transferred
 * to DL4J's momentum.
 */
class DigitsEndToEndTest {
    private static final Logger RESULTS = LoggerFactory.getLogger("org.kron4j.results.dl4j");
    private static final long[] SEEDS = {1, 2, 3};
    private static final double[] ADAM_RATES = {1e-2, 3e-3, 1e-3};
    private static final int MAX_STEPS = 300;
    private static final double TARGET = 0.05;
    private static final int WINDOW = 10;
    private static final INDArray X = Dl4jFixtures.DIGITS.features();
    private static final INDArray Y = Dl4jFixtures.DIGITS.oneHot();

    private static int[] adamBest;
    private static String adamSummary;

    static Stream<Arguments> variants() {
        return Stream.of(
                Arguments.of("kfac:damping=0.1,tCov=1,tInv=3,klClip=0,adaptiveStep=false,adaptiveDamping=false", new Nesterovs(0.5, 0.5)),
                Arguments.of("ekfac:damping=0.15,tCov=1,tInv=5,klClip=0,adaptiveStep=false,adaptiveDamping=false", new Nesterovs(0.2, 0.7)),
                Arguments.of("kfra:damping=0.1,tCov=1,tInv=5,klClip=0,adaptiveStep=false,adaptiveDamping=false", new Nesterovs(0.5, 0.5)),
                Arguments.of("shampoo:tInv=5,startPreconditioningStep=0", new Nesterovs(0.01, 0.9)));
    }

    private static int steps(Dl4jFixtures.Run run) {
        return run.reached() ? run.stepsToTarget() : Integer.MAX_VALUE;
    }

    private static int median(int[] values) {
        int[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    /** Steps per seed, "&gt;cap" where the target was not reached within the cap. */
    private static String show(int[] steps, int cap) {
        return Arrays.toString(Arrays.stream(steps).mapToObj(s -> s == Integer.MAX_VALUE ? ">" + cap : String.valueOf(s))
                .toArray());
    }

    /**
     * Adam's steps per seed at its best rate, computed once. A rate runs only up to the best
     * median so far (it cannot become best past it), which keeps the baseline short without
     * changing which rate is best or its steps.
     */
    private static synchronized int[] adamBaseline() {
        if (adamBest != null) {
            return adamBest;
        }
        Map<Double, int[]> all = new LinkedHashMap<>();
        Map<Double, Integer> caps = new LinkedHashMap<>();
        int bestMedian = Integer.MAX_VALUE;
        for (double rate : ADAM_RATES) {
            int cap = Math.min(MAX_STEPS, bestMedian == Integer.MAX_VALUE ? MAX_STEPS : bestMedian);
            int[] steps = new int[SEEDS.length];
            for (int s = 0; s < SEEDS.length; s++) {
                MultiLayerNetwork network = Dl4jFixtures.digitsMlp(SEEDS[s], new Adam(rate));
                steps[s] = steps(Dl4jFixtures.train(network, X, Y, 256, cap, SEEDS[s], TARGET, WINDOW));
            }
            all.put(rate, steps);
            caps.put(rate, cap);
            if (median(steps) < bestMedian) {
                bestMedian = median(steps);
                adamBest = steps;
            }
        }
        StringBuilder text = new StringBuilder();
        all.forEach((rate, steps) -> text.append(" adam(").append(rate).append(")=")
                .append(show(steps, caps.get(rate))));
        adamSummary = text.toString().trim();
        RESULTS.info("digits/DL4J baseline, steps to 10-step mean loss {} per seed {}: {}", TARGET,
                Arrays.toString(SEEDS), adamSummary);
        return adamBest;
    }

    @ParameterizedTest(name = "{0} with DL4J {1}")
    @MethodSource("variants")
    void digits_variantReachesTargetInFewerStepsThanBestAdam(String spec, IUpdater updater) {
        String variant = spec.substring(0, spec.indexOf(':'));
        assumeTrue(Kron4j.variants().find(variant).isPresent(),
                () -> "variant '" + variant + "' is not on the class path yet; available: " + Kron4j.variants().names());
        int[] adam = adamBaseline();

        int[] steps = new int[SEEDS.length];
        double[] seconds = new double[SEEDS.length];
        long skipped = 0;
        for (int s = 0; s < SEEDS.length; s++) {
            MultiLayerNetwork network = Dl4jFixtures.digitsMlp(SEEDS[s], updater.clone());
            Kron4jAttachment attachment = Kron4jDl4j.attach(network, spec);
            Dl4jFixtures.Run run = Dl4jFixtures.train(network, X, Y, 256, MAX_STEPS, SEEDS[s], TARGET, WINDOW);
            steps[s] = steps(run);
            seconds[s] = run.seconds();
            skipped += attachment.diagnostics().skippedSteps();
        }
        RESULTS.info("digits/DL4J {} + {}: steps {} ({} s) vs {}", spec, updater, show(steps, MAX_STEPS),
                Arrays.toString(Arrays.stream(seconds).map(v -> Math.round(v * 100) / 100.0).toArray()), adamSummary);

        assertThat(skipped).as("steps skipped by the guards").isZero();
        for (int s = 0; s < SEEDS.length; s++) {
            assertThat(steps[s]).as("%s, seed %d: steps (Adam at its best rate: %s)", variant, SEEDS[s],
                    show(adam, MAX_STEPS))
                    .isLessThan(adam[s]);
        }
    }
}
