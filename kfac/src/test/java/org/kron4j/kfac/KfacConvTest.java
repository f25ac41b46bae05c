package org.kron4j.kfac;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.kron4j.api.CurvatureBlock;
import org.kron4j.api.capture.TargetSource;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.model.Loss;
import org.kron4j.api.model.ModelSpec;
import org.kron4j.api.optim.DampingMode;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.optim.OptimizerSettings;
import org.kron4j.api.store.Precision;
import org.kron4j.core.Conv2d;
import org.kron4j.core.KfacBlock;
import org.kron4j.testkit.oracle.DenseMatrices;
import org.kron4j.reference.exact.TinyCnn;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * K-FAC's conv2d block (KFC, Grosse and Martens 2016) against the exact Fisher of a tiny
 * conv → dense network ({@link TinyCnn}, plain float64, per-example Jacobians). With
 * {@code targets=exact} and one example, KFC's independence of activations and derivatives holds
 * exactly; its remaining assumptions (spatial homogeneity, spatially uncorrelated derivatives)
 * hold trivially with one output position and by construction in the shared-weights test. Where
 * they hold the block must equal the exact Fisher to float64 rounding (1e-12 relative: sums of a
 * few hundred products of O(1) numbers).
 */
class KfacConvTest {
    private static final double EXACT = 1e-12;

    private final Random random = new Random(17);

    private double[][] gaussian(int rows, int cols, double scale) {
        double[][] a = new double[rows][cols];
        for (double[] row : a) {
            for (int j = 0; j < cols; j++) {
                row[j] = scale * random.nextGaussian();
            }
        }
        return a;
    }

    private double[][][][] images(int b, int c, int h, int w) {
        double[][][][] x = new double[b][c][h][w];
        for (double[][][] e : x) {
            for (double[][] ch : e) {
                for (double[] row : ch) {
                    for (int j = 0; j < w; j++) {
                        row[j] = random.nextGaussian();
                    }
                }
            }
        }
        return x;
    }

    private static double[][] oneHot(int b, int k) {
        double[][] y = new double[b][k];
        for (int i = 0; i < b; i++) {
            y[i][i % k] = 1.0;
        }
        return y;
    }

    private static KroneckerOptimizer optimizer(ModelSpec model, DampingMode mode) {
        return KroneckerOptimizer.builder(new KfacApproximation()).adaptive(false).model(model)
                .set(OptimizerSettings.STORAGE_PRECISION, Precision.DOUBLE)
                .set(OptimizerSettings.TARGETS, TargetSource.EXACT)
                .set(OptimizerSettings.DAMPING_MODE, mode)
                .build();
    }

    private static double[][] block(KroneckerOptimizer optimizer, int layer) {
        return DenseMatrices.toDoubleArray(optimizer.estimator().blocks().get(layer).curvatureMatrix().orElseThrow());
    }

    private static double relative(double[][] actual, double[][] expected) {
        double scale = DenseMatrices.maxAbs(expected);
        assertThat(scale).isPositive();
        return DenseMatrices.maxAbsDifference(actual, expected) / scale;
    }

    @Test
    void defaultLayerKinds_includeConv2d() {
        assertThat(new KfacApproximation().supports(Conv2d.layer("c", 1, 2, 3, 3, true, Activation.RELU))).isTrue();
    }

    /** Kernel = input size: one output position, so the conv layer is a dense layer on its patch. */
    @Test
    void onePosition_oneExample_blockEqualsExactFisher() {
        TinyCnn cnn = new TinyCnn(gaussian(3, 2 * 9 + 1, 0.5), 2, 3, 3, 1, 0, 1, 3, 3, Activation.TANH,
                gaussian(4, 3 + 1, 0.7), Loss.SOFTMAX_CROSS_ENTROPY);
        assertThat(cnn.positions()).isEqualTo(1);
        double[][][][] x = images(1, 2, 3, 3);
        KroneckerOptimizer optimizer = optimizer(model(cnn, 2, 3, 3, Activation.TANH, Loss.SOFTMAX_CROSS_ENTROPY),
                DampingMode.FACTORED);
        optimizer.step(cnn.exactCapture(x, oneHot(1, 4)));
        assertThat(relative(block(optimizer, 0), cnn.convFisher(x))).isLessThan(EXACT);
    }

    /**
     * Weight sharing over |T| = 4 positions with KFC's assumptions made exact: a constant image
     * (every patch the same, so spatial homogeneity), a linear conv, squared error (H = I) and a
     * dense layer in which logit t reads only position t (so the derivatives of different
     * positions are uncorrelated). The exact block is then āāᵀ ⊗ Σ_t E[g_t g_tᵀ], which is A ⊗ G
     * only with G summed — not averaged — over positions: this pins the |T| scaling.
     */
    @Test
    void sharedWeights_assumptionsHold_blockEqualsExactFisher() {
        int positions = 4;
        double[][] dense = new double[positions][positions + 1];
        for (int t = 0; t < positions; t++) {
            dense[t][t] = 0.5 + t;
            dense[t][positions] = 0.1 * t;
        }
        TinyCnn cnn = new TinyCnn(gaussian(1, 2 * 4 + 1, 0.5), 2, 2, 2, 1, 0, 1, 3, 3, Activation.IDENTITY, dense,
                Loss.SQUARED_ERROR);
        assertThat(cnn.positions()).isEqualTo(positions);
        double[][][][] x = new double[1][2][3][3];
        for (int c = 0; c < 2; c++) {
            for (double[] row : x[0][c]) {
                java.util.Arrays.fill(row, c == 0 ? 0.8 : -1.3);
            }
        }
        KroneckerOptimizer optimizer = optimizer(model(cnn, 2, 2, 2, Activation.IDENTITY, Loss.SQUARED_ERROR),
                DampingMode.FACTORED);
        optimizer.step(cnn.exactCapture(x, gaussian(1, positions, 1.0)));
        assertThat(relative(block(optimizer, 0), cnn.convFisher(x))).isLessThan(EXACT);
    }

    /** Control: with several examples, spatial variation and softmax the factorisation is an approximation. */
    @Test
    void generalNet_blockDiffersFromExactFisher() {
        TinyCnn cnn = new TinyCnn(gaussian(2, 2 * 4 + 1, 0.5), 2, 2, 2, 1, 1, 1, 3, 3, Activation.TANH,
                gaussian(3, 2 * 16 + 1, 0.5), Loss.SOFTMAX_CROSS_ENTROPY);
        double[][][][] x = images(4, 2, 3, 3);
        KroneckerOptimizer optimizer = optimizer(model(cnn, 2, 2, 2, Activation.TANH, Loss.SOFTMAX_CROSS_ENTROPY),
                DampingMode.FACTORED);
        optimizer.step(cnn.exactCapture(x, oneHot(4, 3)));
        assertThat(relative(block(optimizer, 0), cnn.convFisher(x))).isGreaterThan(1e-3);
    }

    /**
     * Stride 2, padding 1, dilation 2, several examples: in eigen mode the direction is
     * (A ⊗ G + λI)⁻¹ vec(V) for the block's A ⊗ G, solved densely in float64 (1e-10 relative:
     * a 13×13 and a 3×3 eigendecomposition against a 39×39 dense inverse, condition ≲ 1e4).
     */
    @Test
    void eigenMode_directionEqualsDenseSolve() {
        TinyCnn cnn = new TinyCnn(gaussian(3, 1 * 9 + 1, 0.5), 1, 3, 3, 2, 1, 2, 6, 6, Activation.TANH,
                gaussian(3, 3 * cnn0Positions() + 1, 0.5), Loss.SOFTMAX_CROSS_ENTROPY);
        double[][][][] x = images(5, 1, 6, 6);
        KroneckerOptimizer optimizer = optimizer(model(cnn, 1, 3, 3, Activation.TANH, Loss.SOFTMAX_CROSS_ENTROPY),
                DampingMode.EIGEN);
        optimizer.step(cnn.exactCapture(x, oneHot(5, 3)));
        CurvatureBlock block = optimizer.estimator().blocks().get(0);
        assertThat(block).isInstanceOf(KfacBlock.class);
        double lambda = 1e-2;
        double[][] v = gaussian(3, 10, 1.0);
        INDArray direction = block.precondition(DenseMatrices.toINDArray(v, DataType.DOUBLE), lambda);
        double[][] damped = DenseMatrices.addToDiagonal(block(optimizer, 0), lambda);
        double[] expected = DenseMatrices.solve(damped, DenseMatrices.vec(v));
        double[] actual = DenseMatrices.vec(DenseMatrices.toDoubleArray(direction));
        assertThat(DenseMatrices.relativeError(actual, expected)).isLessThan(1e-10);
    }

    /** 6×6 input, 3×3 kernel, stride 2, padding 1, dilation 2: (6 + 2 − 5)/2 + 1 = 2 per axis. */
    private static int cnn0Positions() {
        return 4;
    }

    static ModelSpec model(TinyCnn cnn, int channels, int kH, int kW, Activation activation, Loss loss) {
        LayerSpec conv = Conv2d.layer("conv", channels, cnn.outChannels(), kH, kW, true, activation);
        LayerSpec fc = LayerSpec.dense("fc", cnn.outChannels() * cnn.positions(), cnn.classes(), true,
                Activation.IDENTITY);
        return ModelSpec.sequential(loss, conv, fc);
    }
}
