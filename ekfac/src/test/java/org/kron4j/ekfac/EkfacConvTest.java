package org.kron4j.ekfac;

import static org.assertj.core.api.Assertions.assertThat;
import static org.kron4j.ekfac.EkfacTesting.basis;
import static org.kron4j.ekfac.EkfacTesting.diagonalInBasis;
import static org.kron4j.ekfac.EkfacTesting.inputVectors;
import static org.kron4j.ekfac.EkfacTesting.outputVectors;
import static org.kron4j.ekfac.EkfacTesting.relativeMaxError;
import static org.kron4j.testkit.oracle.DenseMatrices.toDoubleArray;

import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.kron4j.api.capture.TargetSource;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.model.Loss;
import org.kron4j.api.model.ModelSpec;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.optim.OptimizerSettings;
import org.kron4j.core.Conv2d;
import org.kron4j.reference.exact.TinyCnn;

/**
 * EKFAC on a conv2d layer (George et al. 2018 on KFC's eigenbasis) against {@link TinyCnn}'s exact
 * Fisher: with {@code targets=exact}, after one step (A, G and their eigenbasis) and a second on
 * the same batch (the scalings, the first batch S absorbs and so taken whole), S must be
 * diag(Qᵀ F Q) for the exact conv Fisher block F — the per-example gradients Σ_t g_t ā_tᵀ are
 * summed over positions before they are projected and squared. Squaring per position instead
 * would be off by the cross-position terms, O(1).
 */
class EkfacConvTest {

    @ParameterizedTest(name = "stride={0} padding={1} dilation={2} B={3}")
    @CsvSource({"1, 0, 1, 3", "2, 1, 1, 4", "1, 1, 2, 2"})
    void scalings_exactTargets_equalFisherDiagonalInKfcEigenbasis(int stride, int padding, int dilation, int batch) {
        Random random = new Random(29 + stride + 10L * padding + 100L * dilation);
        int c = 2;
        int h = 5;
        int o = 3;
        int classes = 3;
        TinyCnn cnn = new TinyCnn(EkfacTesting.gaussian(random, o, c * 4 + 1), c, 2, 2, stride, padding, dilation, h, h,
                Activation.TANH, EkfacTesting.gaussian(random, classes, o * positions(h, stride, padding, dilation) + 1),
                Loss.SOFTMAX_CROSS_ENTROPY);
        double[][][][] x = new double[batch][c][h][h];
        for (double[][][] e : x) {
            for (double[][] ch : e) {
                for (double[] row : ch) {
                    for (int j = 0; j < h; j++) {
                        row[j] = random.nextGaussian();
                    }
                }
            }
        }
        double[][] y = EkfacTesting.targets(random, Loss.SOFTMAX_CROSS_ENTROPY, batch, classes);
        LayerSpec conv = Conv2d.layer("conv", c, o, 2, 2, true, Activation.TANH);
        LayerSpec fc = LayerSpec.dense("fc", o * cnn.positions(), classes, true, Activation.IDENTITY);
        KroneckerOptimizer optimizer = EkfacTesting.float64(new EkfacApproximation(),
                ModelSpec.sequential(Loss.SOFTMAX_CROSS_ENTROPY, conv, fc))
                .set(OptimizerSettings.TARGETS, TargetSource.EXACT).periods(1, 1000).build();
        for (int step = 0; step < 2; step++) {
            assertThat(optimizer.step(cnn.exactCapture(x, y)).applied()).isTrue();
        }
        EkfacBlock block = EkfacTesting.block(optimizer, 0);
        double[][] q = basis(inputVectors(block), outputVectors(block));
        double[][] scalings = toDoubleArray(block.scalings());
        double[][] expected = diagonalInBasis(cnn.convFisher(x), q, scalings.length, scalings[0].length);
        // float64 throughout; S sums B·k squared projections of O(1) values, the oracle conjugates a
        // 27×27 Fisher: both accurate to ~1e-14, while a wrong formula is O(1) off
        assertThat(relativeMaxError(scalings, expected)).isLessThan(1e-10);
        assertThat(block.scalingBatches()).isEqualTo(1);
    }

    private static int positions(int h, int stride, int padding, int dilation) {
        int out = (h + 2 * padding - dilation - 1) / stride + 1;
        return out * out;
    }
}
