package org.kron4j.reference.exact;

import java.util.Random;
import org.kron4j.api.model.Loss;

/**
 * Random targets a loss accepts, for curvature checks on tiny nets where the targets only have to
 * be valid (the Fisher and the Gauss-Newton matrix do not depend on them; the empirical Fisher
 * does): one-hot rows for softmax cross-entropy, independent 0/1 entries for sigmoid
 * cross-entropy, standard Gaussian values for squared error.
 */
public final class RandomTargets {
    private RandomTargets() {
    }

    /** A rows×k matrix of targets for {@code loss}, drawn from {@code random}. */
    public static double[][] of(Random random, Loss loss, int rows, int k) {
        double[][] y = new double[rows][k];
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
                        row[j] = random.nextGaussian();
                    }
                }
                default -> throw new IllegalArgumentException("no random targets for loss " + loss);
            }
        }
        return y;
    }
}
