package org.kron4j.testkit;

import java.util.SplittableRandom;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.Loss;
import org.kron4j.reference.mlp.ReferenceMlp;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Shared fixtures for the test kit's own tests: tiny nets, random inputs and matching targets. */
public final class TestNets {
    private TestNets() {
    }

    /** Inputs B×n with entries uniform in [−1.5, 1.5). */
    public static double[][] inputs(int batch, int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[][] x = new double[batch][n];
        for (double[] row : x) {
            for (int j = 0; j < n; j++) {
                row[j] = 3.0 * random.nextDouble() - 1.5;
            }
        }
        return x;
    }

    /** Targets that suit the loss: one-hot rows (softmax), 0/1 entries (sigmoid), Gaussian values (squared error). */
    public static double[][] targets(Loss loss, int batch, int k, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[][] y = new double[batch][k];
        for (double[] row : y) {
            switch (loss) {
                case SOFTMAX_CROSS_ENTROPY -> row[random.nextInt(k)] = 1.0;
                case SIGMOID_CROSS_ENTROPY -> {
                    for (int j = 0; j < k; j++) {
                        row[j] = random.nextBoolean() ? 1.0 : 0.0;
                    }
                }
                case SQUARED_ERROR -> {
                    for (int j = 0; j < k; j++) {
                        row[j] = 2.0 * random.nextDouble() - 1.0;
                    }
                }
                default -> throw new IllegalArgumentException(loss.name());
            }
        }
        return y;
    }

    public static INDArray nd(double[][] values, DataType type) {
        return Nd4j.create(values).castTo(type);
    }

    /**
     * A DOUBLE network 3 → 4 → 3 → k with the given hidden activation whose biases are made
     * non-zero (the Glorot init leaves them at 0, which would hide bias bugs).
     */
    public static ReferenceMlp tiny(Activation hidden, Loss loss, int k, boolean bias, long seed) {
        ReferenceMlp mlp = new ReferenceMlp(new int[] {3, 4, 3, k}, new Activation[] {hidden, hidden}, loss,
                DataType.DOUBLE, seed, bias);
        SplittableRandom random = new SplittableRandom(seed + 1);
        for (INDArray w : mlp.parameters()) {
            double[] noise = new double[(int) w.length()];
            for (int i = 0; i < noise.length; i++) {
                noise[i] = 0.4 * (random.nextDouble() - 0.5);
            }
            w.addi(Nd4j.create(noise, w.shape(), 'c'));
        }
        return mlp;
    }
}
