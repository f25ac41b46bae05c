package org.kron4j.it;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.kron4j.api.Kron4j;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.Loss;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.optim.StepResult;
import org.kron4j.reference.mlp.ReferenceMlp;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Not a test: measures the checkpoint of a K-FAC optimizer for the MNIST autoencoder shape
 * (784-1000-500-250-30-250-500-1000-784, float32 engine, default storage): its size, the time of
 * {@code save(Path)} (atomic, fsync'd), of {@code stateBytes()} and of the in-memory snapshot
 * the driver keeps during statistics and refresh steps. Run with {@code -Dkron4j.measure=true -Dtest=AutoencoderCheckpointMeasurement}.
 */
@EnabledIfSystemProperty(named = "kron4j.measure", matches = "true")
class AutoencoderCheckpointMeasurement {
    private static final Logger RESULTS = LoggerFactory.getLogger("org.kron4j.results.checkpoint");

    @Test
    void measure(@TempDir Path dir) throws Exception {
        ReferenceMlp mlp = ReferenceMlp.builder(784, 1000, 500, 250, 30, 250, 500, 1000, 784)
                .hidden(Activation.TANH).loss(Loss.SQUARED_ERROR).dataType(DataType.FLOAT).seed(1).build();
        KroneckerOptimizer optimizer = Kron4j.optimizer("kfac:momentum=0.9").model(mlp.modelSpec()).build();
        INDArray x = Nd4j.rand(DataType.FLOAT, 100, 784);
        long[] stepNanos = new long[12];
        for (int t = 0; t < stepNanos.length; t++) {
            long start = System.nanoTime();
            try (org.nd4j.linalg.api.rng.Random random = Nd4j.getRandomFactory().getNewRandomInstance(t)) {
                StepResult result = optimizer.step(mlp.capture(x, x, optimizer.plan(), random));
                mlp.addToParameters(result.updates());
            }
            stepNanos[t] = System.nanoTime() - start;
        }
        Path file = dir.resolve("autoencoder.k4js");
        optimizer.save(file); // warm-up
        int repeats = 5;
        long saveNanos = 0;
        long copyNanos = 0;
        long encodeNanos = 0;
        for (int i = 0; i < repeats; i++) {
            long start = System.nanoTime();
            optimizer.save(file);
            saveNanos += System.nanoTime() - start;
            start = System.nanoTime();
            optimizer.stateBytes();
            encodeNanos += System.nanoTime() - start;
            start = System.nanoTime();
            org.kron4j.api.checkpoint.StateWriter memory = org.kron4j.api.checkpoint.StateWriter.inMemory();
            optimizer.store().write(memory, "store/"); // what the driver's rollback snapshot copies
            memory.close();
            copyNanos += System.nanoTime() - start;
        }
        long restoreStart = System.nanoTime();
        optimizer.restore(file);
        long restoreNanos = System.nanoTime() - restoreStart;
        RESULTS.info("autoencoder K-FAC checkpoint: {} bytes ({} store bytes), save(Path) {} ms, stateBytes() {} ms, "
                + "in-memory snapshot {} ms, restore(Path) {} ms; step times (ms, batch 100) {}", Files.size(file),
                optimizer.store().bytes(), saveNanos / repeats / 1e6, encodeNanos / repeats / 1e6,
                copyNanos / repeats / 1e6, restoreNanos / 1e6,
                java.util.Arrays.stream(stepNanos).mapToObj(n -> String.format("%.0f", n / 1e6)).toList());
    }
}
