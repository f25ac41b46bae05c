package org.kron4j.benchmarks;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.kron4j.api.CurvatureBlock;
import org.kron4j.api.optim.DampingMode;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.optim.OptimizerSettings;
import org.kron4j.api.settings.OptimizerConfig;
import org.kron4j.core.KfacBlock;
import org.kron4j.core.KroneckerAlgebra;
import org.kron4j.reference.mlp.ReferenceMlp;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Achieved GFLOP/s of the preconditioning phase against ND4J's own matrix-product throughput on
 * the same shapes, per layer of the autoencoder (784-1000-500-250-30-250-500-1000-784).
 *
 * <p>For each variant the optimizer first takes {@code --fill} steps of the reference MLP with
 * statistics and a refresh every step, so every block has real factors and decompositions. Then
 * per layer, interleaved over {@code --reps} repetitions: the block's {@code precondition} of a
 * 'c'-ordered gradient (the layout the DL4J adapter hands over); the same products as bare ND4J
 * {@code gemm} calls into preallocated 'f' outputs (the throughput ceiling ND4J offers for these
 * shapes); and, for K-FAC's factored mode, the allocating product chain the block used before
 * (new arrays for every intermediate). Flops: 2mc(m+c) for factored K-FAC (G⁻¹V, then ·A⁻¹,
 * c = n+1), 4mc(m+c) for the eigenbasis forms (K-FAC eigen, EKFAC: Q_GᵀV, ·Q_A, Q_G·, ·Q_Aᵀ); the
 * elementwise division by the eigenvalue grid and the gradient copy are not counted. Medians.
 *
 * <p>Then, with {@code --thread-probe 1,2}, the GEMM throughput at each native thread count
 * (set as the CLI's {@code --threads} sets it) on 1024³ and on the largest layer, with the
 * process CPU time over wall time: about 1 means one thread did the work, whatever was asked.
 *
 * <p>Usage: {@code PreconditionThroughputBenchmark [--variants "kfac;kfac:dampingMode=eigen;ekfac"]
 * [--batch 1000] [--reps 20] [--fill 2] [--threads 1] [--thread-probe 1,2]}. Prints markdown.
 */
public final class PreconditionThroughputBenchmark {
    private PreconditionThroughputBenchmark() {
    }

    public static void main(String[] args) {
        Map<String, String> defaults = new LinkedHashMap<>();
        defaults.put("--variants", "kfac;kfac:dampingMode=eigen;ekfac");
        defaults.put("--batch", "1000");
        defaults.put("--reps", "20");
        defaults.put("--fill", "2");
        defaults.put("--threads", "1");
        defaults.put("--thread-probe", "1,2");
        Map<String, String> options = BenchmarkOptions.parse(defaults, args);
        int batch = Integer.parseInt(options.get("--batch"));
        int reps = Integer.parseInt(options.get("--reps"));
        int fill = Integer.parseInt(options.get("--fill"));
        String threads = NativeThreadCount.set(Integer.parseInt(options.get("--threads")));
        System.out.printf(Locale.ROOT, "kron4j preconditioning throughput: %d cores, OPENBLAS_CORETYPE=%s, "
                        + "native threads: %s; batch %d for the factors, %d repetitions, medians%n%n",
                Runtime.getRuntime().availableProcessors(),
                System.getenv().getOrDefault("OPENBLAS_CORETYPE", "(unset)"), threads, batch, reps);
        System.out.println("| variant | layer | G m | A c | products | kron4j ms | GFLOP/s | ND4J gemm ms | "
                + "gemm GFLOP/s | kron4j / gemm | allocating ms |");
        System.out.println("|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        for (String spec : options.get("--variants").split(";")) {
            if (!spec.isBlank()) {
                variant(OptimizerConfig.parse(spec.trim()), batch, reps, fill);
            }
        }
        System.out.println();
        threadProbe(options.get("--thread-probe"), reps);
    }

    private static void variant(OptimizerConfig base, int batch, int reps, int fill) {
        OptimizerConfig config = base.with(OptimizerSettings.T_COV, 1).with(OptimizerSettings.T_INV, 1);
        ReferenceMlp net = BenchmarkShape.AUTOENCODER.network(1);
        KroneckerOptimizer optimizer = KroneckerOptimizer.builder(config).model(net.modelSpec()).build();
        INDArray[] data = BenchmarkShape.AUTOENCODER.data(1);
        StepTimeBenchmark.Batches batches = new StepTimeBenchmark.Batches(data[0], data[1], batch, fill, 5);
        org.nd4j.linalg.api.rng.Random random = Nd4j.getRandomFactory().getNewRandomInstance(5);
        for (int i = 0; i < fill; i++) {
            INDArray[] b = batches.next();
            optimizer.step(net.capture(b[0], b[1], optimizer.plan(), random));
        }
        boolean eigen = config.variant().name().equals("ekfac") || (config.variant().driverSettings()
                .contains(OptimizerSettings.DAMPING_MODE)
                && config.driverValue(OptimizerSettings.DAMPING_MODE) == DampingMode.EIGEN);
        int products = eigen ? 4 : 2;
        double damping = optimizer.damping();
        double totalFlops = 0;
        double totalOurs = 0;
        double totalGemm = 0;
        for (CurvatureBlock block : optimizer.estimator().blocks()) {
            long[] shape = block.layer().gradientShape();
            if (shape.length != 2) {
                continue;
            }
            int m = (int) shape[0];
            int c = (int) shape[1];
            Nd4j.getRandom().setSeed(m * 31L + c);
            INDArray v = Nd4j.randn(DataType.FLOAT, new long[] {m, c}).dup('c');
            Gemms gemms = new Gemms(m, c, products);
            INDArray[] inverses = block instanceof KfacBlock kfac && !eigen
                    ? new INDArray[] {kfac.factors().output().inverse().orElse(null),
                            kfac.factors().input().inverse().orElse(null)} : null;
            boolean allocating = inverses != null && inverses[0] != null && inverses[1] != null;
            double[] ours = new double[reps];
            double[] gemm = new double[reps];
            double[] old = new double[reps];
            block.precondition(v, damping); // warm-up, and the scratch is allocated
            gemms.run(v);
            for (int r = 0; r < reps; r++) {
                long t0 = System.nanoTime();
                block.precondition(v, damping);
                long t1 = System.nanoTime();
                gemms.run(v);
                long t2 = System.nanoTime();
                if (allocating) {
                    KroneckerAlgebra.applyInverses(inverses[0], v, inverses[1]);
                }
                long t3 = System.nanoTime();
                ours[r] = (t1 - t0) / 1e6;
                gemm[r] = (t2 - t1) / 1e6;
                old[r] = (t3 - t2) / 1e6;
            }
            double flops = products * (double) m * c * (m + c);
            double oursMs = StepTimeBenchmark.median(ours);
            double gemmMs = StepTimeBenchmark.median(gemm);
            totalFlops += flops;
            totalOurs += oursMs;
            totalGemm += gemmMs;
            System.out.printf(Locale.ROOT, "| %s | %s | %d | %d | %d | %.2f | %.1f | %.2f | %.1f | %.0f %% | %s |%n",
                    config.spec(), block.layer().name(), m, c, products, oursMs, flops / oursMs / 1e6, gemmMs,
                    flops / gemmMs / 1e6, 100 * gemmMs / oursMs,
                    allocating ? String.format(Locale.ROOT, "%.2f", StepTimeBenchmark.median(old)) : "-");
        }
        System.out.printf(Locale.ROOT, "| %s | **all layers** | | | | %.2f | %.1f | %.2f | %.1f | %.0f %% | |%n",
                config.spec(), totalOurs, totalFlops / totalOurs / 1e6, totalGemm, totalFlops / totalGemm / 1e6,
                100 * totalGemm / totalOurs);
    }

    /** The variant's products as bare ND4J gemm calls on random operands of the same shapes, into preallocated outputs. */
    private static final class Gemms {
        private final INDArray g;
        private final INDArray a;
        private final INDArray first;
        private final INDArray second;
        private final INDArray third;
        private final INDArray out;
        private final boolean eigen;

        Gemms(int m, int c, int products) {
            eigen = products == 4;
            g = Nd4j.rand(DataType.FLOAT, m, m);
            a = Nd4j.rand(DataType.FLOAT, c, c);
            first = Nd4j.createUninitialized(DataType.FLOAT, new long[] {m, c}, 'f');
            second = Nd4j.createUninitialized(DataType.FLOAT, new long[] {m, c}, 'f');
            third = Nd4j.createUninitialized(DataType.FLOAT, new long[] {m, c}, 'f');
            out = Nd4j.createUninitialized(DataType.FLOAT, new long[] {m, c}, 'f');
        }

        void run(INDArray v) {
            Nd4j.gemm(g, v, first, eigen, false, 1.0, 0.0);
            Nd4j.gemm(first, a, second, false, false, 1.0, 0.0);
            if (eigen) {
                Nd4j.gemm(g, second, third, false, false, 1.0, 0.0);
                Nd4j.gemm(third, a, out, false, true, 1.0, 0.0);
            }
        }
    }

    /** GEMM GFLOP/s and CPU/wall at each native thread count, 1024³ and the autoencoder's widest layer. */
    private static void threadProbe(String counts, int reps) {
        if (counts.isBlank()) {
            return;
        }
        System.out.println("| native threads | ND4J reports | shape | ms | GFLOP/s | process CPU / wall |");
        System.out.println("|--:|---|---|--:|--:|--:|");
        int[][] shapes = {{1024, 1024, 1024}, {1000, 1000, 785}, {1000, 785, 785}};
        for (String count : counts.split(",")) {
            int threads = Integer.parseInt(count.trim());
            String reported = NativeThreadCount.set(threads);
            for (int[] s : shapes) {
                INDArray x = Nd4j.rand(DataType.FLOAT, s[0], s[1]);
                INDArray y = Nd4j.rand(DataType.FLOAT, s[1], s[2]);
                INDArray z = Nd4j.createUninitialized(DataType.FLOAT, new long[] {s[0], s[2]}, 'f');
                Nd4j.gemm(x, y, z, false, false, 1.0, 0.0);
                long cpu = NativeThreadCount.processCpuNanos();
                long start = System.nanoTime();
                for (int r = 0; r < reps; r++) {
                    Nd4j.gemm(x, y, z, false, false, 1.0, 0.0);
                }
                double wall = (System.nanoTime() - start) / 1e6 / reps;
                double cpuRatio = (NativeThreadCount.processCpuNanos() - cpu) / 1e6 / reps / wall;
                System.out.printf(Locale.ROOT, "| %d | %s | gemm %s | %.2f | %.1f | %.2f |%n", threads, reported,
                        Arrays.toString(s), wall, 2.0 * s[0] * s[1] * s[2] / wall / 1e6, cpuRatio);
            }
            // an elementwise op (libnd4j's own threads, bounded by maxMasterThreads): tanh of 4 M floats
            INDArray x = Nd4j.rand(DataType.FLOAT, 4000, 1000);
            INDArray y = Nd4j.createUninitialized(DataType.FLOAT, new long[] {4000, 1000}, 'c');
            Nd4j.getExecutioner().exec(new org.nd4j.linalg.api.ops.impl.transforms.strict.Tanh(x, y));
            long cpu = NativeThreadCount.processCpuNanos();
            long start = System.nanoTime();
            for (int r = 0; r < reps; r++) {
                Nd4j.getExecutioner().exec(new org.nd4j.linalg.api.ops.impl.transforms.strict.Tanh(x, y));
            }
            double wall = (System.nanoTime() - start) / 1e6 / reps;
            double cpuRatio = (NativeThreadCount.processCpuNanos() - cpu) / 1e6 / reps / wall;
            System.out.printf(Locale.ROOT, "| %d | %s | tanh of 4000×1000 | %.2f | - | %.2f |%n", threads, reported,
                    wall, cpuRatio);
        }
    }
}
