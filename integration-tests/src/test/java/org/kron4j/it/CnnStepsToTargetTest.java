package org.kron4j.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.kron4j.api.Kron4j;
import org.kron4j.api.registry.VariantRegistry;
import org.kron4j.cli.ablation.MethodConfig;
import org.kron4j.cli.ablation.Presets;
import org.kron4j.cli.data.DataCatalog;
import org.kron4j.cli.data.TrainingData;
import org.kron4j.cli.engine.Dl4jEngine;
import org.kron4j.cli.engine.ModelShape;
import org.kron4j.cli.engine.TrainingEngine;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issue 13's integration test 4: on a CNN through the CLI's DL4J engine ({@code --model cnn}),
 * K-FAC and EKFAC at the CLI's CNN presets (the adaptive library defaults, nothing tuned) reach a
 * training-loss target in fewer median steps (over seeds) than the best of the SGD and Adam sweeps
 * ({@link #BASELINES}). With fixed damping (damping 0.1, DL4J Nesterov 0.3 / 0.7, the settings of
 * the MLP digits tests) the claim does not hold on the digits CNN: K-FAC needs a median 32 steps
 * and EKFAC 27 against Adam 2e-2's 24 (seeds 1–3).
 *
 * <p>Protocol (the ablation's): for a seed every method starts from the same initial weights and
 * sees the same batches, drawn with replacement from {@code new Random(seed)}; a run has reached
 * the target when the mean of its last {@value #WINDOW} batch losses is at most the target. The
 * baseline is the best of both sweeps <em>per seed</em> (a stronger baseline than the ablation's
 * one rate per method), its median over seeds the number to beat. To keep the test short every run
 * stops at its target and a baseline run also once it can beat neither the seed's best baseline so
 * far nor the slowest variant run (which can only make the baseline look better).
 *
 * <p>Two problems: the bundled 8×8 UCI digits with the default small CNN (always runs where the
 * adaptive K-FAC family can run on CNNs; holds as measured), and Fashion-MNIST with a smaller CNN on
 * the first 10 000 training images (skipped, saying so, when the IDX files are absent — CI has no
 * Fashion-MNIST cache).
 */
class CnnStepsToTargetTest {
    private static final Logger RESULTS = LoggerFactory.getLogger("org.kron4j.results.it");
    /**
     * The CLI's CNN sweeps widened to bracket the digits CNN's best rates (Adam's best there is 2e-2,
     * above the presets' largest): SGD with Nesterov momentum 0.9 and Adam.
     */
    static final String BASELINES = "adam:learningRate=0.0003|0.001|0.003|0.01|0.02|0.03;"
            + "sgd:learningRate=0.01|0.03|0.1|0.3|1";
    private static final int WINDOW = 10;
    private static final List<Long> SEEDS = List.of(1L, 2L, 3L);
    private static final VariantRegistry REGISTRY = Kron4j.variants();

    /**
     * Digits, {@code cnn} = conv 3×3×8 → pool → conv 3×3×16 → pool → dense 64 → softmax (relu),
     * batch 256, target 0.3 within 150 steps (the {@code digits-cnn} study's).
     */
    @Test
    void digitsCnn_kfacAndEkfac_fewerMedianStepsThanBestOfSgdAndAdam() {
        TrainingData data = DataCatalog.load("digits", null, false, 0.2, 0L, 2_000);
        ModelShape shape = ModelShape.resolve("cnn", null, data.features(), data.classes(), "digits");
        compare("digits", shape, data, 256, 0.3, 150, "kfac;ekfac");
    }

    /**
     * Fashion-MNIST, first 10 000 training images, {@code cnn:5x8-5x16-64} (a smaller CNN than the
     * benchmark's, for the test budget), batch 128, target 0.7 within 150 steps. Measured (2026-12-01,
     * seeds 1–3, adaptive defaults with the guard steps, shared 2-core machine, about 6 min): K-FAC
     * 18 / 26 / 24 steps, EKFAC 23 / 20 / 21, every baseline rate not within 26 (the best of the full
     * sweeps, measured before: Adam 1e-2, 2e-2, 1e-2 at 35 / 29 / 31). Before the guard steps the
     * claim failed: λ₀ = 1e-3 let the first model step raise the loss (2.32 → 5.03, then 14.4 with
     * μ = −213) until the statistics overflowed (K-FAC 27 / not within 150 / 33, EKFAC never).
     */
    @Test
    void fashionMnistCnn_kfacAndEkfac_fewerMedianStepsThanBestOfSgdAndAdam() {
        compare("fashion-mnist", fashionShape(), fashion(), 128, 0.7, 150, "kfac;ekfac");
    }

    private static TrainingData fashion() {
        assumeTrue(DataCatalog.locate("fashion-mnist", null).isPresent(),
                "Fashion-MNIST IDX files not found, test skipped: " + DataCatalog.missing("fashion-mnist", null));
        return subset(DataCatalog.load("fashion-mnist", null, false, 0.2, 0L, 2_000), 10_000);
    }

    private static ModelShape fashionShape() {
        return ModelShape.resolve("cnn:5x8-5x16-64", null, 784, 10, "fashion-mnist");
    }

    /** Runs the variants ({@code "kfac;ekfac"}) and the baselines on every seed and asserts the claim for each variant. */
    private static void compare(String name, ModelShape shape, TrainingData data, int batch, double target, int cap,
            String variantList) {
        TrainingEngine engine = new Dl4jEngine(REGISTRY);
        List<MethodConfig> variants = MethodConfig.parseList(variantList, REGISTRY, Presets.Problem.CNN);
        assumeAdaptiveKfacRunsOnCnns(engine, shape, data, variants.get(0));
        List<MethodConfig> baselines = MethodConfig.parseList(BASELINES, REGISTRY, Presets.Problem.CNN);
        int[] baseline = new int[SEEDS.size()];
        int[][] steps = new int[variants.size()][SEEDS.size()];
        int slowest = 0;
        for (int v = 0; v < variants.size(); v++) {
            MethodConfig method = variants.get(v);
            for (int s = 0; s < SEEDS.size(); s++) {
                steps[v][s] = stepsToTarget(engine, shape, data, method, method.learningRates().get(0), SEEDS.get(s),
                        batch, target, cap);
                slowest = Math.max(slowest, Math.min(steps[v][s], cap));
            }
        }
        for (int s = 0; s < SEEDS.size(); s++) {
            long seed = SEEDS.get(s);
            // a baseline run stops once it can beat neither the seed's best baseline so far nor the slowest
            // variant run: counting it as "slowest + 1" can only lower the baseline's median, so the claim
            // checked is, if anything, stronger than with the runs finished
            int best = slowest + 1;
            List<String> tried = new ArrayList<>();
            for (MethodConfig method : baselines) {
                for (double rate : method.learningRates()) {
                    int limit = best - 1;
                    int reached = stepsToTarget(engine, shape, data, method, rate, seed, batch, target, limit);
                    tried.add(method.label() + "@" + rate + "=" + (reached <= limit ? String.valueOf(reached)
                            : "not within " + limit));
                    best = Math.min(best, reached);
                }
            }
            baseline[s] = best;
            List<String> ours = new ArrayList<>();
            for (int v = 0; v < variants.size(); v++) {
                ours.add(variants.get(v).label() + " " + (steps[v][s] <= cap ? String.valueOf(steps[v][s])
                        : "not within " + cap));
            }
            RESULTS.info("{} {} seed {}: {}, best baseline {} ({})", name, shape.text(), seed, String.join(", ", ours),
                    best > slowest ? "not within " + slowest : String.valueOf(best), String.join(", ", tried));
        }
        double baselineMedian = median(baseline);
        for (int v = 0; v < variants.size(); v++) {
            assertThat(median(steps[v])).as("%s: %s median steps to %s (per seed %s; %d = not within %d) vs best of "
                    + "SGD and Adam (per seed %s; %d = not within %d)", name, variants.get(v).label(), target,
                    Arrays.toString(steps[v]), cap + 1, cap, Arrays.toString(baseline), slowest + 1, slowest)
                    .isLessThan(baselineMedian);
        }
    }

    /**
     * The K-FAC family runs at its presets, i.e. the adaptive library defaults, which need kron4j-dl4j's
     * batch oracle through conv and pooling layers. Where the oracle does not go through them yet the
     * attachment skips every adaptive step (the oracle throws, the driver's guard skips the step), so
     * the comparison would be meaningless: the test is skipped, saying why (a guard for builds without
     * the oracle; main has it). Measured with the oracle (2026-12-01, shared 2-core machine): digits,
     * seeds 1–3, K-FAC 19 / 18 / 22 steps, EKFAC 16 / 15 / 16, best baseline 28 / 24 / 24 (Adam 3e-2,
     * 2e-2, 3e-2; SGD's best, 0.1, 49 / 37 / 39); the digits test takes about 20 s.
     */
    private static void assumeAdaptiveKfacRunsOnCnns(TrainingEngine engine, ModelShape shape, TrainingData data,
            MethodConfig kfac) {
        long skipped;
        try (TrainingEngine.Trainer trainer = engine.create(shape, kfac, kfac.learningRates().get(0), 1)) {
            INDArray x = data.trainX().get(NDArrayIndex.interval(0, 16), NDArrayIndex.all()).dup();
            INDArray y = data.trainY().get(NDArrayIndex.interval(0, 16), NDArrayIndex.all()).dup();
            trainer.step(x, y);
            skipped = trainer.skippedSteps();
        }
        assumeTrue(skipped == 0, "adaptive K-FAC (the presets' library defaults) skips its steps on " + shape.text()
                + ": kron4j-dl4j's batch oracle does not go through conv/pooling layers on this build; test skipped");
    }

    /** Steps until the window mean is at most the target; {@code limit + 1} when not within {@code limit}. */
    private static int stepsToTarget(TrainingEngine engine, ModelShape shape, TrainingData data, MethodConfig method,
            double rate, long seed, int batch, double target, int limit) {
        Random batches = new Random(seed);
        double[] window = new double[WINDOW];
        double sum = 0;
        try (TrainingEngine.Trainer trainer = engine.create(shape, method, rate, seed)) {
            for (int step = 0; step < limit; step++) {
                int[] rows = new int[batch];
                for (int i = 0; i < batch; i++) {
                    rows[i] = batches.nextInt(data.trainSize());
                }
                INDArray x = Nd4j.pullRows(data.trainX(), 1, rows);
                INDArray y = Nd4j.pullRows(data.trainY(), 1, rows);
                double loss = trainer.step(x, y);
                if (!Double.isFinite(loss)) {
                    return limit + 1;
                }
                sum += loss - window[step % WINDOW];
                window[step % WINDOW] = loss;
                if (step + 1 >= WINDOW && sum / WINDOW <= target) {
                    return step + 1;
                }
            }
        }
        return limit + 1;
    }

    private static double median(int[] values) {
        int[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0;
    }

    private static TrainingData subset(TrainingData full, int rows) {
        INDArray x = full.trainX().get(NDArrayIndex.interval(0, rows), NDArrayIndex.all()).dup();
        INDArray y = full.trainY().get(NDArrayIndex.interval(0, rows), NDArrayIndex.all()).dup();
        return new TrainingData(full.name(), full.description() + "; first " + rows + " training images", x, y,
                full.testX(), full.testY(), full.evalX(), full.evalY(), full.classes());
    }
}
