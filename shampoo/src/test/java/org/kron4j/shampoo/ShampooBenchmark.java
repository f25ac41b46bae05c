package org.kron4j.shampoo;

import static org.bytedeco.openblas.global.openblas.LAPACKE_dsyevd;
import static org.bytedeco.openblas.global.openblas.LAPACK_ROW_MAJOR;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.bytedeco.javacpp.DoublePointer;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.kron4j.api.CurvatureBlock;
import org.kron4j.api.linalg.LinearAlgebras;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.Loss;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.support.NdArrays;
import org.kron4j.reference.data.Datasets;
import org.kron4j.reference.mlp.ReferenceMlp;
import org.kron4j.reference.train.StepFunction;
import org.kron4j.reference.train.TrainingRun;
import org.kron4j.testkit.baseline.Adam;
import org.kron4j.testkit.baseline.SgdMomentum;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shampoo's cost, measured side by side in one JVM (not a timed test; excluded from the default
 * build by its tag). Run it with
 * <pre>
 *   mvn -o -pl shampoo test -Dtest=ShampooBenchmark -Dkron4j.excludedGroups=none
 * </pre>
 * <ul>
 *   <li><b>Amortised training step</b> (batch sampling, forward, backward with the capture the
 *       method needs, update) of Shampoo at its defaults (tCov 1, tInv 20, AdaGrad grafting,
 *       float32 storage, float64 eigen roots; preconditioning from step 0 so every refresh runs)
 *       over SGD with momentum and over Adam, on the digits MLP (64-128-128-10, batch 256) and
 *       the autoencoder shape (784-1000-500-250-30-250-500-1000-784, sigmoid, batch 256, random
 *       inputs as targets); also Shampoo with statistics every 10 steps (tCov 10, tInv 20). Methods are interleaved in rounds of tInv steps, so every Shampoo
 *       round contains exactly one refresh; the per-step time is the median over rounds.</li>
 *   <li><b>One refresh</b> (every root of the model: float64 copy, LAPACK eigendecomposition with
 *       its a-posteriori check, clipping, Q (λ+ε)^{-e} Qᵀ, cast, finiteness check) over raw
 *       {@code LAPACKE_dsyevd} on float64 copies of the same statistics; medians of 3.</li>
 * </ul>
 * The results go to the SLF4J logger {@code org.kron4j.results.shampoo}.
 */
@Tag("benchmark")
class ShampooBenchmark {
    private static final Logger LOG = LoggerFactory.getLogger("org.kron4j.results.shampoo");
    private static final int BATCH = 256;

    @Test
    void stepTimeAndRefreshCost() {
        LOG.info("kron4j Shampoo benchmark, linear algebra '{}', {} cores, OMP_NUM_THREADS={}, load average {}",
                LinearAlgebras.forCurrentBackend().name(), Runtime.getRuntime().availableProcessors(),
                System.getenv("OMP_NUM_THREADS"),
                java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        List<String> rows = new ArrayList<>();
        ReferenceMlp digitsNet = ReferenceMlp.builder(64, 128, 128, 10).hidden(Activation.TANH)
                .loss(Loss.SOFTMAX_CROSS_ENTROPY).seed(1).build();
        var digits = Datasets.digits().standardize();
        rows.addAll(measure("digits 64-128-128-10", digitsNet, digits.features(), digits.oneHot(), 5));

        Nd4j.getRandom().setSeed(5);
        INDArray images = Nd4j.rand(DataType.FLOAT, 1024, 784);
        ReferenceMlp autoencoder = ReferenceMlp.builder(784, 1000, 500, 250, 30, 250, 500, 1000, 784)
                .hidden(Activation.SIGMOID, Activation.SIGMOID, Activation.SIGMOID, Activation.IDENTITY,
                        Activation.SIGMOID, Activation.SIGMOID, Activation.SIGMOID)
                .loss(Loss.SIGMOID_CROSS_ENTROPY).seed(2).build();
        rows.addAll(measure("autoencoder 784-1000-500-250-30 (mirrored)", autoencoder, images, images, 3));
        LOG.info("results (load average now {}):\n{}",
                java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
                String.join("\n", rows));
    }

    private List<String> measure(String name, ReferenceMlp net, INDArray x, INDArray y, int rounds) {
        ReferenceMlp sgdNet = net.copy();
        ReferenceMlp adamNet = net.copy();
        ReferenceMlp shampooNet = net.copy();
        StepFunction sgd = new SgdMomentum(0.01, 0.9);
        StepFunction adam = new Adam(1e-4);
        KroneckerOptimizer optimizer = KroneckerOptimizer.builder(new ShampooApproximation())
                .model(net.modelSpec())
                .learningRate(0.001)
                .set(ShampooApproximation.START_PRECONDITIONING_STEP, 0)
                .build();
        StepFunction shampoo = StepFunction.of(optimizer);
        ReferenceMlp sparseNet = net.copy();
        KroneckerOptimizer sparse = KroneckerOptimizer.builder(new ShampooApproximation())
                .model(net.modelSpec())
                .learningRate(0.001)
                .periods(10, 20)
                .set(ShampooApproximation.START_PRECONDITIONING_STEP, 0)
                .build();
        StepFunction shampooSparse = StepFunction.of(sparse);
        // A round of tInv steps holds exactly one refresh wherever it starts.
        int roundSteps = optimizer.settings().get(org.kron4j.api.optim.OptimizerSettings.T_INV);
        // Warm-up: JIT, ND4J workspaces, the first refresh.
        run(x, y, 2, 100).run(sgdNet, sgd);
        run(x, y, 2, 101).run(adamNet, adam);
        run(x, y, 2, 102).run(shampooNet, shampoo);
        run(x, y, 2, 103).run(sparseNet, shampooSparse);

        double[] sgdMs = new double[rounds];
        double[] adamMs = new double[rounds];
        double[] shampooMs = new double[rounds];
        double[] sparseMs = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            sgdMs[r] = run(x, y, roundSteps, 200 + r).run(sgdNet, sgd).wallMillis() / roundSteps;
            adamMs[r] = run(x, y, roundSteps, 300 + r).run(adamNet, adam).wallMillis() / roundSteps;
            shampooMs[r] = run(x, y, roundSteps, 400 + r).run(shampooNet, shampoo).wallMillis() / roundSteps;
            sparseMs[r] = run(x, y, roundSteps, 500 + r).run(sparseNet, shampooSparse).wallMillis() / roundSteps;
            LOG.info("{} round {}: sgd {} ms, adam {} ms, shampoo {} ms, shampoo(tCov=10) {} ms per step", name, r,
                    fmt(sgdMs[r]), fmt(adamMs[r]), fmt(shampooMs[r]), fmt(sparseMs[r]));
        }
        double sgdStep = median(sgdMs);
        double adamStep = median(adamMs);
        double shampooStep = median(shampooMs);
        double sparseStep = median(sparseMs);

        List<INDArray> statistics = new ArrayList<>();
        for (CurvatureBlock block : optimizer.estimator().blocks()) {
            ShampooBlock shampooBlock = (ShampooBlock) block;
            for (int b = 0; b < shampooBlock.layout().blocks().size(); b++) {
                for (int i = 0; i < shampooBlock.layout().order(); i++) {
                    statistics.add(NdArrays.copyAs(shampooBlock.statistic(b, i).average(), DataType.DOUBLE));
                }
            }
        }
        int[] sizes = statistics.stream().mapToInt(s -> s.rows()).toArray();
        double[] refreshMs = new double[3];
        double[] rawMs = new double[3];
        double[] checkedMs = new double[3];
        for (int r = 0; r < 3; r++) {
            long start = System.nanoTime();
            optimizer.estimator().refresh(optimizer.damping());
            refreshMs[r] = (System.nanoTime() - start) / 1e6;
            rawMs[r] = rawSyevd(statistics);
            start = System.nanoTime();
            for (INDArray statistic : statistics) {
                optimizer.store().linearAlgebra().eigh(statistic);
            }
            checkedMs[r] = (System.nanoTime() - start) / 1e6;
        }
        long failures = optimizer.store().counters().failures();
        List<String> rows = new ArrayList<>();
        rows.add(String.format(Locale.ROOT, "%s: step ms sgd %s | adam %s | shampoo %s  =>  shampoo/sgd %.2f, "
                + "shampoo/adam %.2f (defaults: tCov 1, tInv %d)", name, fmt(sgdStep), fmt(adamStep),
                fmt(shampooStep), shampooStep / sgdStep, shampooStep / adamStep, roundSteps));
        rows.add(String.format(Locale.ROOT, "%s: shampoo with tCov 10, tInv 20: %s ms  =>  /sgd %.2f, /adam %.2f",
                name, fmt(sparseStep), sparseStep / sgdStep, sparseStep / adamStep));
        rows.add(String.format(Locale.ROOT, "%s: one refresh %s ms vs raw LAPACKE_dsyevd %s ms on sizes %s  =>  %.2f "
                + "(the api's checked eigh alone: %s ms; store bytes %d, refresh failures %d)", name,
                fmt(median(refreshMs)), fmt(median(rawMs)), Arrays.toString(sizes), median(refreshMs) / median(rawMs),
                fmt(median(checkedMs)), optimizer.store().bytes(), failures));
        return rows;
    }

    /** Σ over the statistics of one raw LAPACKE_dsyevd (row-major, upper, with vectors), fresh copies untimed. */
    private static double rawSyevd(List<INDArray> statistics) {
        long total = 0;
        for (INDArray statistic : statistics) {
            int n = statistic.rows();
            INDArray a = statistic.dup('c');
            INDArray w = Nd4j.create(DataType.DOUBLE, n);
            long start = System.nanoTime();
            int info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, (byte) 'V', (byte) 'U', n,
                    new DoublePointer(a.data().addressPointer()), n, new DoublePointer(w.data().addressPointer()));
            total += System.nanoTime() - start;
            if (info != 0) {
                throw new IllegalStateException("dsyevd info=" + info + " at n=" + n);
            }
        }
        return total / 1e6;
    }

    private static TrainingRun run(INDArray x, INDArray y, int steps, long seed) {
        return TrainingRun.on(x, y).batchSize(BATCH).maxSteps(steps).seed(seed).build();
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static String fmt(double ms) {
        return String.format(Locale.ROOT, "%.2f", ms);
    }
}
