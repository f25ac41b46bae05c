package org.kron4j.kfra;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;
import org.kron4j.api.CurvatureApproximation;
import org.kron4j.api.Statistics;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.capture.StepPlan;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.Loss;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.support.NdArrays;
import org.kron4j.kfac.KfacApproximation;
import org.kron4j.reference.mlp.ReferenceMlp;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How KFRA's statistics cost grows with depth, against K-FAC's MC Fisher on the same net: D dense
 * 256→256 layers (tanh, softmax cross-entropy over 256 classes, float32, batch 256) for
 * D = 4, 8, 16. Off by default (minutes of CPU); run with
 * <pre>
 *   mvn -o -pl kfra test -Dtest=KfraDepthScalingBenchmark -Dkron4j.excludedGroups=none
 * </pre>
 * and read the markdown table in the log (SLF4J, INFO). Per statistics step, median ms over
 * {@value #ROUNDS} rounds of {@value #REPEATS}, the measurements interleaved within each round:
 * <ul>
 *   <li><b>capture</b>: the engine's passes for the variant's statistics plan (K-FAC: forward and
 *       two backward passes, one with sampled targets; KFRA: forward, one backward, f' and the
 *       output Hessian);</li>
 *   <li><b>collect + absorb</b>: the optimizer's statistics work (for KFRA it includes the
 *       recursion), and <b>recursion</b>: KFRA's backward recursion alone;</li>
 *   <li><b>step</b>: capture plus a whole optimizer step with statistics and no refresh
 *       ({@code tCov=1, tInv} huge, after the first refresh), i.e. the marginal cost of a
 *       statistics step; refreshes cost the same for both (the same K-FAC blocks).</li>
 * </ul>
 */
@Tag("benchmark")
class KfraDepthScalingBenchmark {
    private static final Logger LOG = LoggerFactory.getLogger(KfraDepthScalingBenchmark.class);
    private static final int WIDTH = 256;
    private static final int BATCH = 256;
    private static final int ROUNDS = 5;
    private static final int REPEATS = 4;

    private interface Work {
        void run();
    }

    /**
     * Times every work item in rounds, items interleaved within a round (so a busy phase of the shared
     * machine hits all of them), after one untimed warm-up run each.
     *
     * @return per item, the ms per run of each round
     */
    private static double[][] interleaved(List<Work> items) {
        items.forEach(Work::run);
        double[][] ms = new double[items.size()][ROUNDS];
        for (int r = 0; r < ROUNDS; r++) {
            for (int w = 0; w < items.size(); w++) {
                long start = System.nanoTime();
                for (int i = 0; i < REPEATS; i++) {
                    items.get(w).run();
                }
                ms[w][r] = (System.nanoTime() - start) / 1e6 / REPEATS;
            }
        }
        return ms;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static KroneckerOptimizer optimizer(CurvatureApproximation variant, ReferenceMlp net) {
        return KroneckerOptimizer.builder(variant).model(net.modelSpec()).learningRate(1e-6)
                .periods(1, Integer.MAX_VALUE).build();
    }

    @Test
    @SuppressWarnings("try")
    void depthScaling() throws Exception {
        List<String> rows = new ArrayList<>();
        try (Random random = Nd4j.getRandomFactory().getNewRandomInstance(5)) {
            for (int depth : new int[] {4, 8, 16}) {
                int[] sizes = new int[depth + 1];
                Arrays.fill(sizes, WIDTH);
                ReferenceMlp net = ReferenceMlp.builder(sizes).hidden(Activation.TANH)
                        .loss(Loss.SOFTMAX_CROSS_ENTROPY).dataType(DataType.FLOAT).seed(depth).build();
                Nd4j.getRandom().setSeed(depth);
                INDArray x = Nd4j.randn(DataType.FLOAT, BATCH, WIDTH);
                INDArray y = Nd4j.zeros(DataType.FLOAT, BATCH, WIDTH);
                for (int i = 0; i < BATCH; i++) {
                    y.putScalar(i, (i * 37) % WIDTH, 1.0);
                }

                KroneckerOptimizer kfra = optimizer(new KfraApproximation(), net);
                KroneckerOptimizer kfac = optimizer(new KfacApproximation(), net);
                StepPlan kfraPlan = kfra.plan();
                StepPlan kfacPlan = kfac.plan();
                ModelCapture kfraCapture = net.capture(x, y, kfraPlan, random);
                ModelCapture kfacCapture = net.capture(x, y, kfacPlan, random);
                // first steps: statistics and the one refresh, so later steps are statistics-only
                kfra.step(kfraCapture);
                kfac.step(kfacCapture);

                KfraEstimator estimator = (KfraEstimator) kfra.estimator();
                Statistics kfraStatistics = estimator.collect(kfraCapture);
                double[][] ms = interleaved(List.of(
                        () -> net.capture(x, y, kfacPlan, random),
                        () -> net.capture(x, y, kfraPlan, random),
                        () -> NdArrays.detached(() -> kfac.estimator().absorb(kfac.estimator().collect(kfacCapture))),
                        () -> NdArrays.detached(() -> estimator.propagate(kfraStatistics)),
                        () -> NdArrays.detached(() -> estimator.absorb(estimator.collect(kfraCapture))),
                        () -> net.gradients(x, y),
                        () -> kfac.step(net.capture(x, y, kfac.plan(), random)),
                        () -> kfra.step(net.capture(x, y, kfra.plan(), random))));
                double[] ratio = new double[ROUNDS];
                for (int r = 0; r < ROUNDS; r++) {
                    ratio[r] = ms[7][r] / ms[6][r];
                }
                double kfacCaptureMs = median(ms[0]);
                double kfraCaptureMs = median(ms[1]);
                double kfacStatisticsMs = median(ms[2]);
                double recursionMs = median(ms[3]);
                double kfraStatisticsMs = median(ms[4]);
                double sgdStepMs = median(ms[5]);
                double kfacStepMs = median(ms[6]);
                double kfraStepMs = median(ms[7]);
                rows.add(String.format(Locale.ROOT,
                        "| %d | %.1f | %.1f | %.1f | %.2f | %.1f | %.1f | %.1f | %.1f | %.1f | %.2f |", depth,
                        kfacCaptureMs, kfraCaptureMs, kfacStatisticsMs, recursionMs, kfraStatisticsMs, sgdStepMs,
                        kfacStepMs, kfraStepMs, recursionMs / (depth - 1), median(ratio)));
                LOG.info("depth {} done", depth);
            }
        }
        StringBuilder table = new StringBuilder(String.format(Locale.ROOT,
                "KFRA depth scaling: %d-wide dense tanh layers, softmax CE, float32, batch %d, backend %s, %d cores, "
                        + "OPENBLAS_CORETYPE=%s; ms per statistics step, median of %d interleaved rounds of %d%n",
                WIDTH, BATCH, Nd4j.getBackend().getClass().getSimpleName(), Runtime.getRuntime().availableProcessors(),
                System.getenv().getOrDefault("OPENBLAS_CORETYPE", "(unset)"), ROUNDS, REPEATS));
        table.append("| layers | K-FAC capture | KFRA capture | K-FAC collect+absorb | KFRA recursion "
                + "| KFRA collect+absorb | SGD (gradient) | K-FAC step | KFRA step | recursion per layer "
                + "| KFRA/K-FAC step |\n");
        table.append("|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n");
        rows.forEach(row -> table.append(row).append('\n'));
        LOG.info("\n{}", table);
    }
}
