package org.kron4j.benchmarks;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.kron4j.api.CurvatureBlock;
import org.kron4j.api.linalg.LinearAlgebras;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.optim.OptimizerSettings;
import org.kron4j.api.settings.VariantSpec;
import org.kron4j.api.settings.OptimizerConfig;
import org.kron4j.core.KfacBlock;
import org.kron4j.core.KroneckerFactors;
import org.kron4j.api.store.SymmetricFactor;
import org.kron4j.core.KfacBlock;
import org.kron4j.core.KroneckerFactors;
import org.kron4j.reference.mlp.ReferenceMlp;
import org.kron4j.reference.train.StepFunction;
import org.kron4j.reference.train.FirstOrderRule;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Amortised step time of kron4j variants against SGD (and Adam) on the same network, measured
 * side by side in one run, plus each variant's factor-store bytes; for K-FAC blocks also the
 * refresh time against raw LAPACK on the same factor sizes.
 *
 * <p>A step is the whole training step of the test kit's reference MLP: plan, forward and
 * backward passes (with the extra statistics pass on statistics steps), the optimizer's step and
 * the parameter update. Each method first runs {@code --warmup} untimed steps; then
 * {@code --rounds} rounds each time {@code --steps} consecutive steps of every method, back to
 * back. Ratios are taken within a round (so a slow phase of a shared machine hits both sides) and
 * the median over rounds is printed. With tInv = 100 and 200 steps per round a variant's time
 * includes exactly two refreshes and twenty statistics steps: the amortised cost.
 *
 * <p>Usage: {@code StepTimeBenchmark [--shapes digits,autoencoder] [--variants
 * kfac:tCov=10,tInv=100;ekfac;...] [--batch 256] [--steps 200] [--warmup 100] [--rounds 3]}. Variant specs
 * are separated by ';'. Prints markdown tables to stdout.
 */
public final class StepTimeBenchmark {
    private StepTimeBenchmark() {
    }

    public static void main(String[] args) {
        Map<String, String> defaults = new LinkedHashMap<>();
        defaults.put("--shapes", "digits,autoencoder");
        defaults.put("--variants", "kfac:tCov=10,tInv=100;kfac:tCov=10,tInv=100,dampingMode=eigen");
        defaults.put("--batch", "256");
        defaults.put("--steps", "200");
        defaults.put("--warmup", "100");
        defaults.put("--rounds", "3");
        Map<String, String> options = BenchmarkOptions.parse(defaults, args);
        int batch = Integer.parseInt(options.get("--batch"));
        int steps = Integer.parseInt(options.get("--steps"));
        int warmup = Integer.parseInt(options.get("--warmup"));
        // each spec parsed once, before any timing
        List<OptimizerConfig> variants = BenchmarkOptions.specs(options.get("--variants")).stream()
                .map(OptimizerConfig::parse).toList();

        System.out.printf("kron4j step-time benchmark: backend %s, %d cores, OPENBLAS_CORETYPE=%s, "
                        + "linear algebra %s, batch %d, %d timed steps after %d warm-up%n%n",
                Nd4j.getBackend().getClass().getSimpleName(), Runtime.getRuntime().availableProcessors(),
                System.getenv().getOrDefault("OPENBLAS_CORETYPE", "(unset)"),
                LinearAlgebras.forCurrentBackend().name(), batch, steps, warmup);
        int rounds = Integer.parseInt(options.get("--rounds"));
        List<String> stepRows = new ArrayList<>();
        List<String> refreshRows = new ArrayList<>();
        for (String shapeName : options.get("--shapes").split(",")) {
            BenchmarkShape shape = BenchmarkShape.parse(shapeName);
            INDArray[] data = shape.data(1);
            Batches batches = new Batches(data[0], data[1], batch, 16, 7);
            List<Method> methods = new ArrayList<>();
            methods.add(new Method("sgd (μ=0.9)", shape.network(1), FirstOrderRule.heavyBall(0.01, 0.9), null));
            methods.add(new Method("adam", shape.network(1), FirstOrderRule.adam(1e-3), null));
            for (OptimizerConfig config : variants) {
                ReferenceMlp net = shape.network(1);
                KroneckerOptimizer optimizer = KroneckerOptimizer.builder(config.with(OptimizerSettings.LEARNING_RATE,
                        1e-4)).model(net.modelSpec()).build();
                methods.add(new Method(config.spec(), net, StepFunction.of(optimizer), optimizer));
            }
            for (Method method : methods) {
                time(method, batches, warmup);
            }
            // rounds of back-to-back blocks: ratios are taken within a round, then the median over rounds
            double[][] ms = new double[methods.size()][rounds];
            for (int r = 0; r < rounds; r++) {
                for (int m = 0; m < methods.size(); m++) {
                    ms[m][r] = time(methods.get(m), batches, steps);
                }
            }
            for (int m = 0; m < methods.size(); m++) {
                Method method = methods.get(m);
                double[] overSgd = new double[rounds];
                double[] overAdam = new double[rounds];
                for (int r = 0; r < rounds; r++) {
                    overSgd[r] = ms[m][r] / ms[0][r];
                    overAdam[r] = ms[m][r] / ms[1][r];
                }
                stepRows.add(String.format(Locale.ROOT, "| %s | %s | %.2f | %.2f | %.2f | %.1f |", shape.label(),
                        method.name, median(ms[m]), median(overSgd), median(overAdam),
                        method.optimizer == null ? 0.0 : method.optimizer.store().bytes() / 1e6));
                if (method.optimizer != null) {
                    refreshRows.addAll(refreshRows(shape, method.name, method.optimizer));
                }
            }
        }
        System.out.println("| shape | method | ms/step (amortised) | / SGD | / Adam | store MB |");
        System.out.println("|---|---|--:|--:|--:|--:|");
        stepRows.forEach(System.out::println);
        if (!refreshRows.isEmpty()) {
            System.out.println();
            System.out.println("| shape | variant | factor sizes | kron4j refresh ms | raw LAPACK ms | ratio |");
            System.out.println("|---|---|---|--:|--:|--:|");
            refreshRows.forEach(System.out::println);
        }
    }

    /** One method under test: its own network and step function, kept across rounds. */
    private record Method(String name, ReferenceMlp net, StepFunction step, KroneckerOptimizer optimizer) {
    }

    /** Mean ms per step over {@code steps} consecutive steps of a method. */
    static double time(Method method, Batches batches, int steps) {
        long start = System.nanoTime();
        for (int i = 0; i < steps; i++) {
            step(method.net(), method.step(), batches.next(), RANDOM);
        }
        return (System.nanoTime() - start) / 1e6 / Math.max(steps, 1);
    }

    private static final org.nd4j.linalg.api.rng.Random RANDOM = Nd4j.getRandomFactory().getNewRandomInstance(3);

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static void step(ReferenceMlp net, StepFunction method, INDArray[] batch,
            org.nd4j.linalg.api.rng.Random random) {
        List<INDArray> updates = method.step(net.capture(batch[0], batch[1], method.plan(), random));
        if (!updates.isEmpty()) {
            net.addToParameters(updates);
        }
    }

    /** For K-FAC blocks: the optimizer's refresh against raw LAPACK on the same factors. */
    private static List<String> refreshRows(BenchmarkShape shape, String spec, KroneckerOptimizer optimizer) {
        List<SymmetricFactor> factors = new ArrayList<>();
        for (CurvatureBlock block : optimizer.estimator().blocks()) {
            if (block instanceof KfacBlock kfac) {
                KroneckerFactors f = kfac.factors();
                factors.add(f.input());
                factors.add(f.output());
            }
        }
        if (factors.isEmpty()) {
            return List.of();
        }
        boolean eigen = optimizer.config().driverValue(OptimizerSettings.DAMPING_MODE)
                == org.kron4j.api.optim.DampingMode.EIGEN;
        double damping = optimizer.damping();
        double ours = medianMillis(3, () -> optimizer.estimator().refresh(damping));
        double raw = medianMillis(3, () -> factors.forEach(f -> RawLapack.decompose(f.average(), eigen, damping)));
        String sizes = Arrays.toString(factors.stream().mapToInt(SymmetricFactor::dim).toArray());
        return List.of(String.format(Locale.ROOT, "| %s | %s | %s | %.1f | %.1f | %.2f |", shape.label(), spec, sizes,
                ours, raw, ours / raw));
    }

    static double medianMillis(int repetitions, Runnable work) {
        work.run();
        double[] times = new double[repetitions];
        for (int i = 0; i < repetitions; i++) {
            long start = System.nanoTime();
            work.run();
            times[i] = (System.nanoTime() - start) / 1e6;
        }
        Arrays.sort(times);
        return times[repetitions / 2];
    }

    /** Pre-drawn mini-batches (with replacement), cycled, so every method sees the same ones. */
    static final class Batches {
        private final INDArray[][] batches;
        private int next;

        Batches(INDArray x, INDArray y, int size, int count, long seed) {
            Random random = new Random(seed);
            batches = new INDArray[count][];
            for (int b = 0; b < count; b++) {
                long[] rows = new long[size];
                for (int i = 0; i < size; i++) {
                    rows[i] = random.nextInt((int) x.rows());
                }
                batches[b] = new INDArray[] {x.getRows(Arrays.stream(rows).mapToInt(r -> (int) r).toArray()).dup(),
                        y.getRows(Arrays.stream(rows).mapToInt(r -> (int) r).toArray()).dup()};
            }
        }

        INDArray[] next() {
            INDArray[] batch = batches[next];
            next = (next + 1) % batches.length;
            return batch;
        }
    }
}
