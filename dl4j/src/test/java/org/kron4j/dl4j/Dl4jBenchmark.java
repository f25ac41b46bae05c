package org.kron4j.dl4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.kron4j.api.Kron4j;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.impl.LossBinaryXENT;

/**
 * The DL4J benchmark of the issue (a main class, not a test):
 *
 * <ol>
 *   <li>Step time: per variant, DL4J's {@code fit(DataSet)} wall time per step with the variant
 *       attached, amortised over whole refresh periods (K-FAC family: tCov=10, tInv=100;
 *       Shampoo: its own defaults tCov=1, tInv=20), divided by DL4J Adam's in the same JVM.
 *       After {@code bench.warmup} steps (default 20), each measurement is 100 consecutive steps
 *       (so exactly one K-FAC-family refresh and ten statistics steps); measurements are
 *       interleaved (Adam, then each variant, repeated {@code bench.reps} times) so that machine
 *       load hits all alike; the table gives the median over the repetitions. Shapes: the digits MLP
 *       64-128-128-10 (tanh, softmax, B=256, digits batches) and the deep autoencoder
 *       784-1000-500-250-30-250-500-1000-784 (sigmoid, linear code, sigmoid + binary
 *       cross-entropy output, B=256, random binary data).</li>
 *   <li>Convergence: steps and seconds to the 10-step mean training loss 0.05 on digits, with the
 *       settings and protocol of {@code DigitsEndToEndTest}, and DL4J Adam at 1e-2 (its best).</li>
 * </ol>
 *
 * <p>Run from the repository root (OpenBLAS 0.3.19 needs the Haswell kernels on AVX-512 CPUs;
 * {@code exec:java} runs inside Maven's JVM, so cap ND4J's off-heap memory there: without the cap
 * the autoencoder shape reached 17 GB resident, as ND4J memory is freed only when the GC runs):
 * <pre>
 * export OPENBLAS_CORETYPE=Haswell
 * export MAVEN_OPTS="-Dorg.bytedeco.javacpp.maxbytes=6g -Dorg.bytedeco.javacpp.maxphysicalbytes=10g"
 * ./mvnw -q -o install -pl api,testkit,kfac,ekfac,kfra,shampoo -DskipTests
 * ./mvnw -q -o -pl dl4j test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=org.kron4j.dl4j.Dl4jBenchmark [-Dbench.reps=3] [-Dbench.shapes=digits,autoencoder] \\
 *     [-Dbench.warmup=20] [-Dbench.convergence=true]
 * </pre>
 */
public final class Dl4jBenchmark {
    private static final Map<String, String> STEP_TIME_SPECS = new LinkedHashMap<>();
    private static final Map<String, IUpdater> CONVERGENCE = new LinkedHashMap<>();

    static {
        STEP_TIME_SPECS.put("kfac", "kfac:tCov=10,tInv=100,damping=0.1");
        STEP_TIME_SPECS.put("ekfac", "ekfac:tCov=10,tInv=100,damping=0.1");
        STEP_TIME_SPECS.put("kfra", "kfra:tCov=10,tInv=100,damping=0.1");
        STEP_TIME_SPECS.put("shampoo", "shampoo");
        CONVERGENCE.put("kfac:damping=0.1,tCov=1,tInv=3,klClip=0", new Nesterovs(0.5, 0.5));
        CONVERGENCE.put("ekfac:damping=0.15,tCov=1,tInv=5,klClip=0", new Nesterovs(0.2, 0.7));
        CONVERGENCE.put("kfra:damping=0.1,tCov=1,tInv=5,klClip=0", new Nesterovs(0.5, 0.5));
        CONVERGENCE.put("shampoo:tInv=5,startPreconditioningStep=0", new Nesterovs(0.01, 0.9));
    }

    private Dl4jBenchmark() {
    }

    public static void main(String[] args) {
        int reps = Integer.getInteger("bench.reps", 3);
        List<String> shapes = List.of(System.getProperty("bench.shapes", "digits,autoencoder").split(","));
        StringBuilder report = new StringBuilder();
        report.append("| shape | variant | settings | ms/step | Adam ms/step | ratio | kron4j ms/step (stats + step) |\n");
        report.append("|---|---|---|---|---|---|---|\n");
        for (String shape : shapes) {
            report.append(stepTimes(shape, reps));
        }
        if (Boolean.parseBoolean(System.getProperty("bench.convergence", "true"))) {
            report.append("\n| variant | DL4J updater | steps to 0.05 (seeds 1,2,3) | seconds |\n|---|---|---|---|\n");
            report.append(convergence());
        }
        System.out.println(report);
    }

    private static MultiLayerNetwork autoencoder(long seed, IUpdater updater) {
        int[] sizes = {784, 1000, 500, 250, 30, 250, 500, 1000, 784};
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().seed(seed).updater(updater)
                .weightInit(WeightInit.XAVIER_UNIFORM).dataType(DataType.FLOAT).list();
        for (int l = 0; l < sizes.length - 2; l++) {
            Activation f = sizes[l + 1] == 30 ? Activation.IDENTITY : Activation.SIGMOID;
            list.layer(new DenseLayer.Builder().nIn(sizes[l]).nOut(sizes[l + 1]).activation(f).build());
        }
        list.layer(new OutputLayer.Builder(new LossBinaryXENT()).nIn(1000).nOut(784).activation(Activation.SIGMOID)
                .build());
        MultiLayerNetwork network = new MultiLayerNetwork(list.build());
        network.init();
        return network;
    }

    private static MultiLayerNetwork network(String shape, IUpdater updater) {
        return shape.equals("digits") ? Dl4jFixtures.digitsMlp(1, updater) : autoencoder(1, updater);
    }

    private static List<DataSet> batches(String shape, int count) {
        List<DataSet> out = new ArrayList<>(count);
        Random random = new Random(9);
        if (shape.equals("digits")) {
            INDArray x = Dl4jFixtures.DIGITS.features();
            INDArray y = Dl4jFixtures.DIGITS.oneHot();
            for (int i = 0; i < count; i++) {
                int[] rows = random.ints(256, 0, (int) x.size(0)).toArray();
                out.add(new DataSet(Nd4j.pullRows(x, 1, rows), Nd4j.pullRows(y, 1, rows)));
            }
        } else {
            Nd4j.getRandom().setSeed(9);
            for (int i = 0; i < Math.min(count, 8); i++) {
                INDArray x = Nd4j.rand(DataType.FLOAT, 256, 784).gt(0.5).castTo(DataType.FLOAT);
                out.add(new DataSet(x, x));
            }
        }
        return out;
    }

    /** Runs {@code steps} fits and returns ms per step. */
    private static double time(MultiLayerNetwork network, List<DataSet> data, int steps, int[] cursor) {
        long start = System.nanoTime();
        for (int i = 0; i < steps; i++) {
            network.fit(data.get(cursor[0]++ % data.size()));
        }
        return (System.nanoTime() - start) / 1e6 / steps;
    }

    private static double median(List<Double> values) {
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return sorted[sorted.length / 2];
    }

    private static String stepTimes(String shape, int reps) {
        int period = 100; // one tInv period (and 5 Shampoo periods) per measurement
        int warmup = Integer.getInteger("bench.warmup", 20);
        List<DataSet> data = batches(shape, 64);
        Map<String, MultiLayerNetwork> networks = new LinkedHashMap<>();
        Map<String, Kron4jAttachment> attachments = new LinkedHashMap<>();
        networks.put("adam", network(shape, new Adam(1e-3)));
        for (Map.Entry<String, String> e : STEP_TIME_SPECS.entrySet()) {
            if (Kron4j.variants().find(e.getKey()).isEmpty()) {
                System.err.println("skipping " + e.getKey() + ": not on the class path");
                continue;
            }
            MultiLayerNetwork net = network(shape, new Nesterovs(1e-3, 0.9));
            attachments.put(e.getKey(), Kron4jDl4j.attach(net, e.getValue()));
            networks.put(e.getKey(), net);
        }
        Map<String, List<Double>> times = new LinkedHashMap<>();
        int[] cursor = {0};
        for (Map.Entry<String, MultiLayerNetwork> e : networks.entrySet()) { // warm-up, then whole periods
            time(e.getValue(), data, warmup, cursor);
            times.put(e.getKey(), new ArrayList<>());
        }
        Map<String, long[]> overheadStart = new LinkedHashMap<>();
        attachments.forEach((k, a) -> overheadStart.put(k, new long[] {a.diagnostics().statisticsNanos()
                + a.diagnostics().optimizerNanos(), a.diagnostics().iterations()}));
        for (int r = 0; r < reps; r++) {
            for (Map.Entry<String, MultiLayerNetwork> e : networks.entrySet()) {
                double ms = time(e.getValue(), data, period, cursor);
                times.get(e.getKey()).add(ms);
                System.err.printf("%s %s rep %d: %.2f ms/step%n", shape, e.getKey(), r, ms);
            }
        }
        double adam = median(times.get("adam"));
        StringBuilder rows = new StringBuilder();
        rows.append(String.format("| %s | adam (DL4J, 1e-3) | | %.2f | %.2f | 1.00 | |%n", shape, adam, adam));
        for (Map.Entry<String, Kron4jAttachment> e : attachments.entrySet()) {
            double ms = median(times.get(e.getKey()));
            Dl4jDiagnostics d = e.getValue().diagnostics();
            long[] start = overheadStart.get(e.getKey());
            double overhead = (d.statisticsNanos() + d.optimizerNanos() - start[0]) / 1e6 / (d.iterations() - start[1]);
            rows.append(String.format("| %s | %s | %s | %.2f | %.2f | %.2f | %.2f |%n", shape, e.getKey(),
                    STEP_TIME_SPECS.get(e.getKey()), ms, adam, ms / adam, overhead));
        }
        return rows.toString();
    }

    private static String convergence() {
        StringBuilder rows = new StringBuilder();
        Map<String, IUpdater> runs = new LinkedHashMap<>();
        runs.put("adam", new Adam(1e-2));
        runs.putAll(CONVERGENCE);
        for (Map.Entry<String, IUpdater> e : runs.entrySet()) {
            String spec = e.getKey();
            if (!spec.equals("adam") && Kron4j.variants().find(spec.substring(0, spec.indexOf(':'))).isEmpty()) {
                continue;
            }
            int[] steps = new int[3];
            double[] seconds = new double[3];
            for (int s = 0; s < 3; s++) {
                MultiLayerNetwork network = Dl4jFixtures.digitsMlp(s + 1, e.getValue().clone());
                if (!spec.equals("adam")) {
                    Kron4jDl4j.attach(network, spec);
                }
                Dl4jFixtures.Run run = Dl4jFixtures.train(network, Dl4jFixtures.DIGITS.features(),
                        Dl4jFixtures.DIGITS.oneHot(), 256, 300, s + 1, 0.05, 10);
                steps[s] = run.reached() ? run.stepsToTarget() : -1;
                seconds[s] = Math.round(run.seconds() * 100) / 100.0;
            }
            rows.append(String.format("| %s | %s | %s | %s |%n", spec, e.getValue().getClass().getSimpleName()
                    + "(" + e.getValue().getLearningRate(0, 0) + ")", Arrays.toString(steps),
                    Arrays.toString(seconds)));
        }
        return rows.toString();
    }
}
