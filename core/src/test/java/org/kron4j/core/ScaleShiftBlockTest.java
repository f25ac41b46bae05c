package org.kron4j.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.kron4j.api.BlockStatistics;
import org.kron4j.api.CurvatureBlock;
import org.kron4j.api.capture.LayerCapture;
import org.kron4j.api.linalg.LinearAlgebras;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.store.FactorStore;
import org.kron4j.api.store.Precision;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The scale-and-shift kind, its statistics and block against the definition written out with
 * loops in float64: per example (row r, example r mod B) and channel c the gradient pair
 * g = (Σ_t x̂_{r mod B, c, t} δ_{r, c, t}, Σ_t δ_{r, c, t}); F_c = (1/B) Σ_r g gᵀ; the block's
 * preconditioner (F_c + λI)⁻¹ per channel by an explicit 2×2 inverse.
 */
class ScaleShiftBlockTest {
    private static final int B = 4;
    private static final int C = 3;
    private static final int POSITIONS = 6;

    private final Random random = new Random(5);

    private INDArray gaussian(long... shape) {
        INDArray a = Nd4j.zeros(DataType.DOUBLE, shape);
        for (long i = 0; i < a.length(); i++) {
            a.putScalar(i, random.nextGaussian());
        }
        return a;
    }

    private static FactorStore store() {
        return new FactorStore(Precision.DOUBLE, Precision.DOUBLE, 1.0, LinearAlgebras.portable());
    }

    /** g[r][c] = {∂γ_c, ∂β_c} of row r, by loops over the NCHW arrays (x̂: B×C×2×3, δ: R×C×2×3). */
    private static double[][][] explicitPairs(INDArray xHat, INDArray delta) {
        int rows = (int) delta.size(0);
        double[][][] g = new double[rows][C][2];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < C; c++) {
                for (int i = 0; i < 2; i++) {
                    for (int j = 0; j < 3; j++) {
                        double d = delta.getDouble(r, c, i, j);
                        g[r][c][0] += xHat.getDouble(r % B, c, i, j) * d;
                        g[r][c][1] += d;
                    }
                }
            }
        }
        return g;
    }

    @Test
    void kind_channelsByTwo_nothingDecayed() {
        LayerSpec layer = ScaleShift.layer("bn", 5);
        assertThat(layer.gradientShape()).containsExactly(5, 2);
        assertThat(layer.notDecayed()).hasSize(1);
        assertThat(layer.toString()).isEqualTo("bn[scale_shift 5 channels]");
        assertThatThrownBy(() -> LayerSpec.of("x", ScaleShift.KIND, new long[] {2, 3}, true,
                org.kron4j.api.model.Activation.IDENTITY)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("channels");
    }

    @Test
    void statistics_equalSumOfExplicitPerExampleOuterProducts_withReplicas() {
        LayerSpec layer = ScaleShift.layer("bn", C);
        INDArray xHat = gaussian(B, C, 2, 3);
        INDArray delta = gaussian(2 * B, C, 2, 3); // two replicas of the batch (MC targets)
        LayerCapture capture = LayerCapture.builder().gradient(Nd4j.zeros(DataType.DOUBLE, C, 2)).inputs(xHat)
                .outputGradients(delta).build();
        BlockStatistics statistics = new ScaleShiftStatistics(layer, DataType.DOUBLE).collect(capture, B);
        assertThat(statistics.count()).isEqualTo(B);
        double[][][] g = explicitPairs(xHat, delta);
        INDArray sums = statistics.sum(ScaleShiftStatistics.ROLE);
        for (int c = 0; c < C; c++) {
            double aa = 0;
            double ab = 0;
            double bb = 0;
            for (double[][] row : g) {
                aa += row[c][0] * row[c][0];
                ab += row[c][0] * row[c][1];
                bb += row[c][1] * row[c][1];
            }
            // float64 sums of 8·6 products of O(1) values: 1e-12 relative is rounding
            assertThat(sums.getDouble(c, 0)).isCloseTo(aa, org.assertj.core.data.Offset.offset(1e-12 * aa));
            assertThat(sums.getDouble(c, 1)).isCloseTo(ab, org.assertj.core.data.Offset.offset(1e-12 * (aa + bb)));
            assertThat(sums.getDouble(c, 2)).isCloseTo(bb, org.assertj.core.data.Offset.offset(1e-12 * bb));
        }
    }

    @Test
    void block_preconditionsWithTheDampedPerChannelInverse_andMultiplyIsItsInverse() {
        LayerSpec layer = ScaleShift.layer("bn", C);
        FactorStore store = store();
        CurvatureBlock block = ScaleShiftStatistics.FACTORY.ownBlock(layer, store).orElseThrow();
        INDArray gradient = gaussian(C, 2);
        // before any statistics: passed through
        assertThat(block.precondition(gradient, 0.1).equalsWithEps(gradient, 0.0)).isTrue();

        INDArray xHat = gaussian(B, C, 2, 3);
        INDArray delta = gaussian(B, C, 2, 3);
        LayerCapture capture = LayerCapture.builder().gradient(gradient).inputs(xHat).outputGradients(delta).build();
        block.absorb(block.collect(capture, B));
        block.refresh(0.1);
        double[][][] g = explicitPairs(xHat, delta);
        double lambda = 0.1;
        INDArray direction = block.precondition(gradient, lambda);
        INDArray matrix = block.curvatureMatrix().orElseThrow();
        for (int c = 0; c < C; c++) {
            double[][] f = new double[2][2];
            for (double[][] row : g) {
                for (int p = 0; p < 2; p++) {
                    for (int q = 0; q < 2; q++) {
                        f[p][q] += row[c][p] * row[c][q] / B;
                    }
                }
            }
            double a = f[0][0] + lambda;
            double d = f[1][1] + lambda;
            double det = a * d - f[0][1] * f[1][0];
            double[] expected = {(d * gradient.getDouble(c, 0) - f[0][1] * gradient.getDouble(c, 1)) / det,
                (a * gradient.getDouble(c, 1) - f[1][0] * gradient.getDouble(c, 0)) / det};
            for (int p = 0; p < 2; p++) {
                assertThat(direction.getDouble(c, p)).isCloseTo(expected[p],
                        org.assertj.core.data.Offset.offset(1e-12 * (1 + Math.abs(expected[p]))));
                // column-major vec of the C×2 gradient: index c + C·p
                for (int q = 0; q < 2; q++) {
                    assertThat(matrix.getDouble(c + C * p, c + C * q)).isCloseTo(f[p][q],
                            org.assertj.core.data.Offset.offset(1e-12 * (1 + Math.abs(f[p][q]))));
                }
            }
        }
        // zero across channels
        assertThat(matrix.getDouble(0, 1)).isZero();
        INDArray roundTrip = block.precondition(block.multiply(gradient, lambda), lambda);
        assertThat(roundTrip.sub(gradient).norm2Number().doubleValue()).isLessThan(1e-12);
        assertThat(block.dampingInUse().orElseThrow().applied()).isEqualTo(lambda);
    }

    @Test
    void kfacAndEkfacMaps_buildTheScaleShiftBlock() {
        assertThat(ScaleShiftStatistics.FACTORY.ownBlock(ScaleShift.layer("bn", 2), store())).get()
                .isInstanceOf(ScaleShiftBlock.class);
        assertThat(((FactorStatistics.Factory) DenseStatistics::new).ownBlock(
                org.kron4j.api.model.LayerSpec.dense("d", 2, 3, true, org.kron4j.api.model.Activation.TANH), store()))
                .isEmpty();
    }
}
