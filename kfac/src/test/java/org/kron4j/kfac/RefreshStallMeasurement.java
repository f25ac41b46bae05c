package org.kron4j.kfac;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.Loss;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.optim.OptimizerSettings;
import org.kron4j.api.optim.StepResult;
import org.kron4j.api.settings.OptimizerConfig;
import org.kron4j.reference.mlp.ReferenceMlp;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How long refreshes hold the training thread, synchronous against asynchronous, on the MNIST
 * autoencoder's layer shapes (784-1000-500-250-30-250-500-1000-784, tanh, squared error) with
 * random inputs: per spec the longest and the median refresh stall
 * ({@link org.kron4j.api.optim.StepDiagnostics#refreshStallMillis()}) and the median step time of
 * refresh and other steps. A measurement, not a test: seconds only mean something on a quiet
 * machine. Run:
 * <pre>
 * ./mvnw -o -q -B -pl kfac -am test -Dkron4j.excludedGroups=none \
 *   -Dtest=RefreshStallMeasurement -Dsurefire.failIfNoSpecifiedTests=false \
 *   -Dsurefire.argLine="-Xmx2g -Dorg.bytedeco.javacpp.maxbytes=3g -Dorg.bytedeco.javacpp.maxphysicalbytes=5g" \
 *   -Dspecs='kfac:tInv=10,asyncRefresh=false;kfac:tInv=10;kfac:tInv=10,dampingMode=eigen,lowRank=64' \
 *   -Dsteps=60 -Dbatch=256
 * </pre>
 * Results are logged under {@code org.kron4j.results.stall}. Without the off-heap caps one run at
 * batch 256 grew to 13.8 GB resident on a 24 GB machine and was killed: ND4J frees off-heap arrays
 * only when the small Java heap is collected.
 */
@Tag("benchmark")
class RefreshStallMeasurement {
    private static final Logger RESULTS = LoggerFactory.getLogger("org.kron4j.results.stall");

    @Test
    void measure() {
        String specs = System.getProperty("specs",
                "kfac:tInv=10,asyncRefresh=false;kfac:tInv=10,asyncRefresh=true");
        int steps = Integer.getInteger("steps", 40);
        int batch = Integer.getInteger("batch", 256);
        int[] sizes = {784, 1000, 500, 250, 30, 250, 500, 1000, 784};
        List<String> rows = new ArrayList<>();
        for (String spec : specs.split(";")) {
            ReferenceMlp net = ReferenceMlp.builder(sizes).hidden(Activation.TANH).loss(Loss.SQUARED_ERROR)
                    .dataType(DataType.FLOAT).seed(1).build();
            KroneckerOptimizer optimizer = KroneckerOptimizer.builder(
                    OptimizerConfig.parse(new KfacApproximation(), spec.trim())).model(net.modelSpec()).build();
            List<Double> stalls = new ArrayList<>();
            List<Double> refreshSteps = new ArrayList<>();
            List<Double> otherSteps = new ArrayList<>();
            for (int t = 0; t < steps; t++) {
                Nd4j.getRandom().setSeed(t);
                INDArray x = Nd4j.rand(DataType.FLOAT, batch, sizes[0]);
                long start = System.nanoTime();
                StepResult result = optimizer.step(net.capture(x, x, optimizer.plan(), null));
                double millis = (System.nanoTime() - start) / 1e6;
                net.addToParameters(result.updates());
                if (t > 0) { // step 0's refresh is always awaited (no decompositions yet)
                    (result.refreshed() ? refreshSteps : otherSteps).add(millis);
                    if (result.refreshed()) {
                        stalls.add(result.diagnostics().refreshStallMillis());
                    }
                }
            }
            rows.add(String.format("%-60s longest stall after step 0 %8.1f ms, median refresh stall %8.1f ms, "
                            + "median step: refresh %8.1f ms, other %8.1f ms, waits %d", spec,
                    stalls.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN), median(stalls),
                    median(refreshSteps), median(otherSteps), optimizer.refreshWaits()));
        }
        RESULTS.info("refresh stalls on the MNIST autoencoder shapes, batch {}, {} steps:\n{}", batch, steps,
                String.join("\n", rows));
    }

    private static double median(List<Double> values) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        List<Double> sorted = new ArrayList<>(values);
        sorted.sort(null);
        return sorted.get(sorted.size() / 2);
    }
}
