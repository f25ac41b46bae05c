package org.kron4j.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class ConvGeometryTest {

    /** The definition, one element at a time: patch t=(y,x), index c·kH·kW + i·kW + j. */
    private static double expected(double[][][][] x, ConvGeometry g, int n, int y, int xo, int c, int i, int j) {
        int row = y * g.strideHeight() + i * g.dilationHeight() - g.padTop();
        int col = xo * g.strideWidth() + j * g.dilationWidth() - g.padLeft();
        int h = x[0][0].length;
        int w = x[0][0][0].length;
        return row >= 0 && row < h && col >= 0 && col < w ? x[n][c][row][col] : 0.0;
    }

    private static void checkAgainstDefinition(ConvGeometry g, int b, int c, int h, int w) {
        Random random = new Random(7);
        double[][][][] x = new double[b][c][h][w];
        for (double[][][] e : x) {
            for (double[][] ch : e) {
                for (double[] row : ch) {
                    for (int k = 0; k < row.length; k++) {
                        row[k] = random.nextGaussian();
                    }
                }
            }
        }
        INDArray patches = g.patches(Nd4j.create(x));
        int oh = g.outputHeight(h);
        int ow = g.outputWidth(w);
        int kk = g.kernelHeight() * g.kernelWidth();
        assertThat(patches.shape()).containsExactly(b, (long) oh * ow, (long) c * kk);
        for (int n = 0; n < b; n++) {
            for (int y = 0; y < oh; y++) {
                for (int xo = 0; xo < ow; xo++) {
                    for (int ch = 0; ch < c; ch++) {
                        for (int i = 0; i < g.kernelHeight(); i++) {
                            for (int j = 0; j < g.kernelWidth(); j++) {
                                assertThat(patches.getDouble(n, (long) y * ow + xo, (long) ch * kk + i * g.kernelWidth() + j))
                                        .isEqualTo(expected(x, g, n, y, xo, ch, i, j));
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void patches_strideOnePaddingZero_matchDefinition() {
        checkAgainstDefinition(ConvGeometry.of(3, 2, 1, 1, 0, 0, 1, 1), 2, 3, 5, 4);
    }

    @Test
    void patches_strideTwoPaddingDilation_matchDefinition() {
        checkAgainstDefinition(ConvGeometry.of(3, 3, 2, 1, 1, 2, 2, 1), 2, 2, 7, 6);
    }

    @Test
    void same_outputIsCeilOfInputOverStride_paddingSplitTopLeftSmaller() {
        ConvGeometry g = ConvGeometry.same(4, 3, 2, 1, 1, 2, 7, 5);
        assertThat(g.outputHeight(7)).isEqualTo(4);
        assertThat(g.outputWidth(5)).isEqualTo(5);
        // height: (4−1)·2 + 4 − 7 = 3 → 1 before, 2 after; width: 4·1 + (3−1)·2 + 1 − 5 = 4 → 2 and 2
        assertThat(g.padTop()).isEqualTo(1);
        assertThat(g.padBottom()).isEqualTo(2);
        assertThat(g.padLeft()).isEqualTo(2);
        assertThat(g.padRight()).isEqualTo(2);
        checkAgainstDefinition(g, 1, 2, 7, 5);
    }

    @Test
    void patches_float_sameEntriesAsDouble() {
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, 5, 4);
        ConvGeometry g = ConvGeometry.of(3, 2, 2, 1, 1, 1, 1, 2);
        INDArray single = g.patches(x);
        assertThat(single.dataType()).isEqualTo(DataType.FLOAT);
        // a copy of the same float values: exactly equal
        assertThat(single).isEqualTo(g.patches(x.castTo(DataType.DOUBLE)).castTo(DataType.FLOAT));
    }

    @Test
    void constructor_negativePadding_isRejected() {
        assertThatThrownBy(() -> ConvGeometry.of(3, 3, 1, 1, -1, 0, 1, 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("padding");
    }

    /** ⟨patches(x), Y⟩ = ⟨x, accumulatePatches(Y)⟩ for random x and Y: col2im is im2col's adjoint. */
    @Test
    void accumulatePatches_isAdjointOfPatches() {
        ConvGeometry g = ConvGeometry.same(3, 2, 2, 1, 2, 1, 7, 6);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 2, 3, 7, 6);
        INDArray p = g.patches(x);
        INDArray y = Nd4j.randn(DataType.DOUBLE, p.shape());
        double left = p.mul(y).sumNumber().doubleValue();
        double right = x.mul(g.accumulatePatches(y, 3, 7, 6)).sumNumber().doubleValue();
        // two float64 sums of ~500 O(1) products
        assertThat(right).isCloseTo(left, org.assertj.core.data.Offset.offset(1e-10 * Math.max(1, Math.abs(left))));
    }
}
