package org.kron4j.benchmarks;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.kron4j.api.optim.StepResult;
import org.kron4j.api.settings.OptimizerConfig;
import org.kron4j.dl4j.Kron4jAttachment;
import org.kron4j.dl4j.Kron4jDl4j;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.impl.LossBinaryXENT;

/**
 * The step-time table of the speed issue: the MNIST autoencoder (784-1000-500-250-30-250-500-1000-784,
 * tanh units, linear code, sigmoid + binary cross-entropy, float32, as {@code kron4j ablate --model
 * autoencoder} builds it) trained by DL4J's own {@code fit}, with DL4J's SGD, DL4J's Adam, and each
 * kron4j variant attached ({@link Kron4jDl4j}; the K-FAC family adaptive by default, so with
 * DL4J's pass-through updater installed, as the CLI does).
 *
 * <p><b>Protocol.</b> Every method has its own network (same seed) and sees the same pre-drawn
 * batches of synthetic MNIST-shaped data (binary 784-pixel images; step time does not depend on
 * the pixel values). After {@code --warmup} steps each, {@code --rounds} rounds run
 * {@code --steps} consecutive steps of every method back to back (interleaved, so a slow phase of
 * the machine hits all of them); a round of 100 steps holds exactly one refresh of tInv=100 and
 * ten statistics steps of tCov=10: the amortised step. Ratios are taken within a round, medians
 * over rounds are printed.
 *
 * <p><b>Stall.</b> Every step is timed alone. A "normal" step is one on which kron4j neither
 * collected statistics nor refreshed ({@link StepResult}); the stall of a refresh is the time of
 * the step that refreshed minus the median statistics step (a refresh step also collects
 * statistics when tInv is a multiple of tCov; the median normal step otherwise), and the table
 * gives the longest, next to the longest wait for a background refresh the driver reported
 * ({@link org.kron4j.api.optim.StepDiagnostics#refreshStallMillis()}). It
 * also gives the longest excess of any step over the normal one, which stays meaningful when an
 * asynchronous refresh reports its swap on another step than the one it started on.
 *
 * <p><b>Settings.</b> {@code --kron4j-settings key=value,...} is appended to every variant's spec
 * (e.g. the asynchronous-refresh or low-rank settings, whatever their names); a variant that
 * refuses one of them is reported and run without them. {@code --threads} sets ND4J's native
 * threads as the CLI's {@code --threads} does (default 1, the CLI's default).
 *
 * <p>Usage (scripts/run-main benchmarks org.kron4j.benchmarks.Dl4jStepTimeBenchmark ...):
 * {@code [--batches 1000,256] [--variants "kfac:tCov=10,tInv=100;ekfac:...;kfra:...;shampoo:..."]
 * [--kron4j-settings k=v,...] [--steps 100] [--rounds 3] [--warmup 20] [--threads 1]
 * [--csv dl4j-step-times.csv]}. Prints a markdown table and writes the CSV.
 */
public final class Dl4jStepTimeBenchmark {
    private static final int[] WIDTHS = {784, 1000, 500, 250, 30, 250, 500, 1000, 784};

    private Dl4jStepTimeBenchmark() {
    }

    public static void main(String[] args) {
        Map<String, String> defaults = new LinkedHashMap<>();
        defaults.put("--batches", "1000,256");
        defaults.put("--variants", "kfac:tCov=10,tInv=100;ekfac:tCov=10,tInv=100;kfra:tCov=10,tInv=100;"
                + "shampoo:tCov=10,tInv=100");
        defaults.put("--kron4j-settings", "");
        defaults.put("--steps", "100");
        defaults.put("--rounds", "3");
        defaults.put("--warmup", "20");
        defaults.put("--threads", "1");
        defaults.put("--csv", "dl4j-step-times.csv");
        defaults.put("--sgd-lr", "0.01");
        defaults.put("--adam-lr", "0.001");
        Map<String, String> options = BenchmarkOptions.parse(defaults, args);
        int steps = Integer.parseInt(options.get("--steps"));
        int rounds = Integer.parseInt(options.get("--rounds"));
        int warmup = Integer.parseInt(options.get("--warmup"));
        String threads = NativeThreadCount.set(Integer.parseInt(options.get("--threads")));
        String extra = options.get("--kron4j-settings").trim();
        List<String> specs = BenchmarkOptions.specs(options.get("--variants"));
        String loadBefore = loadAverage();
        System.out.printf(Locale.ROOT, "kron4j DL4J step-time benchmark: %d cores, load average %s, "
                        + "OPENBLAS_CORETYPE=%s, native threads: %s; %d rounds of %d steps after %d warm-up steps%n%n",
                Runtime.getRuntime().availableProcessors(), loadBefore,
                System.getenv().getOrDefault("OPENBLAS_CORETYPE", "(unset)"), threads, rounds, steps, warmup);
        List<String> csv = new ArrayList<>();
        csv.add("batch,method,spec,ms_per_step,over_sgd,over_adam,kron4j_ms_per_step,normal_step_ms,"
                + "statistics_step_ms,refreshes,longest_refresh_stall_ms,longest_install_wait_ms,longest_step_excess_ms,"
                + "store_mb");
        List<String> table = new ArrayList<>();
        for (String b : options.get("--batches").split(",")) {
            int batch = Integer.parseInt(b.trim());
            List<Method> methods = new ArrayList<>();
            methods.add(Method.plain("sgd (DL4J)", autoencoder(new Sgd(Double.parseDouble(options.get("--sgd-lr"))))));
            methods.add(Method.plain("adam (DL4J)", autoencoder(new Adam(Double.parseDouble(options.get("--adam-lr"))))));
            for (String spec : specs) {
                methods.add(Method.attached(spec, extra));
            }
            List<DataSet> data = batches(batch, 8);
            int[] cursor = {0};
            for (Method method : methods) {
                method.run(data, cursor, warmup, false);
            }
            double[][] ms = new double[methods.size()][rounds];
            for (int r = 0; r < rounds; r++) {
                for (int m = 0; m < methods.size(); m++) {
                    ms[m][r] = methods.get(m).run(data, cursor, steps, true);
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
                double normal = method.normalStepMs();
                double stall = method.longestRefreshExcess(normal);
                double excess = method.longestExcess(normal);
                double kron4j = method.kron4jMsPerStep();
                double mb = method.attachment == null ? 0 : method.attachment.optimizer().store().bytes() / 1e6;
                double statistics = method.statisticsStepMs();
                table.add(String.format(Locale.ROOT,
                        "| %d | %s | %.1f | %.2f | %.2f | %s | %.1f | %s | %d | %s | %.1f | %.1f | %.1f |",
                        batch, method.label, StepTimeBenchmark.median(ms[m]), StepTimeBenchmark.median(overSgd),
                        StepTimeBenchmark.median(overAdam), Double.isNaN(kron4j) ? "-" : String.format(Locale.ROOT,
                                "%.1f", kron4j), normal, Double.isNaN(statistics) ? "-"
                                : String.format(Locale.ROOT, "%.1f", statistics), method.refreshes,
                        Double.isNaN(stall) ? "-" : String.format(Locale.ROOT, "%.1f", stall), method.longestWait,
                        excess, mb));
                csv.add(String.format(Locale.ROOT, "%d,%s,%s,%.3f,%.4f,%.4f,%.3f,%.3f,%.3f,%d,%.3f,%.3f,%.3f,%.2f",
                        batch, csvField(method.label), csvField(method.spec), StepTimeBenchmark.median(ms[m]),
                        StepTimeBenchmark.median(overSgd), StepTimeBenchmark.median(overAdam), kron4j, normal,
                        statistics, method.refreshes, stall, method.longestWait, excess, mb));
            }
            methods.forEach(Method::close);
        }
        System.out.println("| batch | method | ms/step (amortised) | / SGD | / Adam | kron4j ms/step | normal step ms "
                + "| statistics step ms | refreshes | longest refresh stall ms | longest install wait ms "
                + "| longest step excess ms | store MB |");
        System.out.println("|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
        table.forEach(System.out::println);
        System.out.printf("%nload average before %s, after %s%n", loadBefore, loadAverage());
        Path out = Path.of(options.get("--csv"));
        try {
            Files.write(out, csv);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + out, e);
        }
        System.out.println("CSV: " + out.toAbsolutePath());
    }

    /** One contender: a network, and the kron4j attachment for a variant. */
    private static final class Method {
        final String label;
        final String spec;
        final MultiLayerNetwork network;
        final Kron4jAttachment attachment;
        final List<Double> normalSteps = new ArrayList<>();
        final List<Double> refreshSteps = new ArrayList<>();
        final List<Double> statisticsSteps = new ArrayList<>();
        double longestWait;
        double longestStep;
        int refreshes;
        long kron4jNanosStart = -1;
        long iterationsStart;

        private Method(String label, String spec, MultiLayerNetwork network, Kron4jAttachment attachment) {
            this.label = label;
            this.spec = spec;
            this.network = network;
            this.attachment = attachment;
        }

        static Method plain(String label, MultiLayerNetwork network) {
            return new Method(label, "", network, null);
        }

        static Method attached(String spec, String extra) {
            OptimizerConfig config = OptimizerConfig.parse(spec);
            if (!extra.isEmpty()) {
                String joined = spec + (spec.contains(":") ? "," : ":") + extra;
                try {
                    config = OptimizerConfig.parse(joined);
                } catch (IllegalArgumentException e) {
                    System.out.println("note: '" + extra + "' not applied to " + spec + ": " + e.getMessage());
                }
            }
            MultiLayerNetwork network = autoencoder(new Sgd(1e-3));
            Kron4jAttachment attachment = Kron4jDl4j.builder(network).config(config).installPassThroughUpdater()
                    .attach();
            return new Method(config.spec(), config.spec(), network, attachment);
        }

        /** Runs {@code steps} fits; returns ms per step, recording each step when {@code record}. */
        double run(List<DataSet> data, int[] cursor, int steps, boolean record) {
            if (record && kron4jNanosStart < 0 && attachment != null) {
                kron4jNanosStart = attachment.diagnostics().statisticsNanos() + attachment.diagnostics().optimizerNanos();
                iterationsStart = attachment.diagnostics().iterations();
            }
            long start = System.nanoTime();
            for (int i = 0; i < steps; i++) {
                long t0 = System.nanoTime();
                network.fit(data.get(cursor[0]++ % data.size()));
                double ms = (System.nanoTime() - t0) / 1e6;
                if (!record) {
                    continue;
                }
                longestStep = Math.max(longestStep, ms);
                StepResult result = attachment == null ? null : attachment.lastStep().orElse(null);
                if (result != null) {
                    longestWait = Math.max(longestWait, result.diagnostics().refreshStallMillis());
                }
                if (result != null && result.refreshed()) {
                    refreshSteps.add(ms);
                    refreshes++;
                } else if (result != null && result.collectedStatistics()) {
                    statisticsSteps.add(ms);
                } else if (result == null || !result.collectedStatistics()) {
                    normalSteps.add(ms);
                }
            }
            return (System.nanoTime() - start) / 1e6 / steps;
        }

        double normalStepMs() {
            return normalSteps.isEmpty() ? Double.NaN
                    : StepTimeBenchmark.median(normalSteps.stream().mapToDouble(Double::doubleValue).toArray());
        }

        /**
         * The longest refresh step over the step it would have been without the refresh: the median
         * statistics step when the refresh steps also collect statistics (tInv a multiple of tCov),
         * else the median normal step.
         */
        double longestRefreshExcess(double normal) {
            double base = statisticsSteps.isEmpty() ? normal
                    : StepTimeBenchmark.median(statisticsSteps.stream().mapToDouble(Double::doubleValue).toArray());
            return refreshSteps.stream().mapToDouble(ms -> ms - base).max().orElse(Double.NaN);
        }

        double statisticsStepMs() {
            return statisticsSteps.isEmpty() ? Double.NaN
                    : StepTimeBenchmark.median(statisticsSteps.stream().mapToDouble(Double::doubleValue).toArray());
        }

        double longestExcess(double normal) {
            return longestStep - normal;
        }

        double kron4jMsPerStep() {
            if (attachment == null) {
                return Double.NaN;
            }
            long nanos = attachment.diagnostics().statisticsNanos() + attachment.diagnostics().optimizerNanos();
            long iterations = attachment.diagnostics().iterations() - iterationsStart;
            return (nanos - kron4jNanosStart) / 1e6 / Math.max(iterations, 1);
        }

        void close() {
            if (attachment != null) {
                attachment.close();
            }
        }
    }

    /** The autoencoder of {@code kron4j ablate --model autoencoder} on DL4J (tanh units, linear code). */
    static MultiLayerNetwork autoencoder(IUpdater updater) {
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().seed(1).updater(updater)
                .weightInit(WeightInit.XAVIER_UNIFORM).dataType(DataType.FLOAT).list();
        for (int l = 0; l < WIDTHS.length - 2; l++) {
            Activation f = WIDTHS[l + 1] == 30 ? Activation.IDENTITY : Activation.TANH;
            list.layer(new DenseLayer.Builder().nIn(WIDTHS[l]).nOut(WIDTHS[l + 1]).activation(f).build());
        }
        list.layer(new OutputLayer.Builder(new LossBinaryXENT()).nIn(WIDTHS[WIDTHS.length - 2])
                .nOut(WIDTHS[WIDTHS.length - 1]).activation(Activation.SIGMOID).build());
        MultiLayerNetwork network = new MultiLayerNetwork(list.build());
        network.init();
        return network;
    }

    /** {@code count} batches of binary MNIST-shaped images (inputs = targets), fixed seed. */
    private static List<DataSet> batches(int batch, int count) {
        Nd4j.getRandom().setSeed(9);
        List<DataSet> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            INDArray x = Nd4j.rand(DataType.FLOAT, batch, WIDTHS[0]).gt(0.5).castTo(DataType.FLOAT);
            out.add(new DataSet(x, x));
        }
        return out;
    }

    private static String loadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (IOException | RuntimeException e) {
            return "(unknown)";
        }
    }

    private static String csvField(String text) {
        return "\"" + text.replace("\"", "\"\"") + "\"";
    }
}
