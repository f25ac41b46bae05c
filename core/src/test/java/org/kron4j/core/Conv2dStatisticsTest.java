package org.kron4j.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.kron4j.api.BlockStatistics;
import org.kron4j.api.capture.CaptureField;
import org.kron4j.api.capture.LayerCapture;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.LayerSpec;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class Conv2dStatisticsTest {
    private static final double TOLERANCE = 1e-12; // float64 sums of a few hundred O(1) products

    private final Random random = new Random(3);

    private INDArray gaussian(long... shape) {
        INDArray a = Nd4j.zeros(DataType.DOUBLE, shape);
        for (long i = 0; i < a.length(); i++) {
            a.putScalar(i, random.nextGaussian());
        }
        return a;
    }

    @Test
    void kind_gradientIsOutChannelsByPatchPlusBias_biasNotDecayed() {
        LayerSpec layer = Conv2d.layer("c", 3, 5, 2, 4, true, Activation.RELU);
        assertThat(layer.gradientShape()).containsExactly(5, 3 * 2 * 4 + 1);
        assertThat(layer.notDecayed()).hasSize(1);
        assertThat(layer.notDecayed().get(0)[1].offset()).isEqualTo(24);
        assertThat(Conv2d.layer("c", 3, 5, 2, 4, false, Activation.RELU).notDecayed()).isEmpty();
        assertThat(layer.toString()).isEqualTo("c[conv2d 3->5 2x4+b, RELU]");
    }

    /**
     * A = Σ_b Σ_t ā ā ᵀ / |T| and G = Σ_r Σ_t g gᵀ written out element by element; G carries the
     * factor |T| relative to a position average, so A ⊗ G / B = KFC's Ω ⊗ Γ.
     */
    @Test
    void collect_matchesClosedForms() {
        int b = 3;
        int c = 2;
        int o = 4;
        ConvGeometry geometry = ConvGeometry.of(2, 3, 1, 2, 1, 0, 1, 1);
        LayerSpec layer = Conv2d.layer("c", c, o, 2, 3, true, Activation.TANH);
        INDArray x = gaussian(b, c, 5, 7);
        INDArray patches = geometry.patches(x);
        int positions = (int) patches.size(1);
        int oh = geometry.outputHeight(5);
        int ow = geometry.outputWidth(7);
        INDArray g = gaussian(2L * b, o, oh, ow); // two rows per example, as targets=exact with k=2
        LayerCapture capture = LayerCapture.builder().gradient(Nd4j.zeros(DataType.DOUBLE, layer.gradientShape()))
                .put(CaptureField.LAYER_INPUTS, patches).put(CaptureField.OUTPUT_GRADIENTS, g).build();
        BlockStatistics s = new Conv2dStatistics(layer, DataType.DOUBLE).collect(capture, b);
        assertThat(s.count()).isEqualTo(b);
        int k = c * 6;
        double[][] a = new double[k + 1][k + 1];
        for (int n = 0; n < b; n++) {
            for (int t = 0; t < positions; t++) {
                for (int i = 0; i <= k; i++) {
                    for (int j = 0; j <= k; j++) {
                        double ai = i == k ? 1 : patches.getDouble(n, t, i);
                        double aj = j == k ? 1 : patches.getDouble(n, t, j);
                        a[i][j] += ai * aj / positions;
                    }
                }
            }
        }
        double[][] gg = new double[o][o];
        for (int r = 0; r < 2 * b; r++) {
            for (int y = 0; y < oh; y++) {
                for (int xo = 0; xo < ow; xo++) {
                    for (int i = 0; i < o; i++) {
                        for (int j = 0; j < o; j++) {
                            gg[i][j] += g.getDouble(r, i, y, xo) * g.getDouble(r, j, y, xo);
                        }
                    }
                }
            }
        }
        assertClose(s.sum(KroneckerFactors.INPUT), a);
        assertClose(s.sum(KroneckerFactors.OUTPUT), gg);
    }

    /** With one output position a conv layer is a dense layer on the flattened patch. */
    @Test
    void collect_onePosition_equalsDenseStatistics() {
        int b = 4;
        LayerSpec layer = Conv2d.layer("c", 2, 3, 3, 3, true, Activation.TANH);
        INDArray x = gaussian(b, 2, 3, 3);
        INDArray patches = ConvGeometry.of(3, 3, 1, 1, 0, 0, 1, 1).patches(x);
        INDArray g = gaussian(b, 3, 1, 1);
        LayerCapture conv = LayerCapture.builder().gradient(Nd4j.zeros(DataType.DOUBLE, 3, 19))
                .put(CaptureField.LAYER_INPUTS, patches).put(CaptureField.OUTPUT_GRADIENTS, g).build();
        LayerSpec dense = LayerSpec.dense("d", 18, 3, true, Activation.TANH);
        LayerCapture flat = LayerCapture.builder().gradient(Nd4j.zeros(DataType.DOUBLE, 3, 19))
                .put(CaptureField.LAYER_INPUTS, x.reshape(b, 18)).put(CaptureField.OUTPUT_GRADIENTS, g.reshape(b, 3))
                .build();
        BlockStatistics s = new Conv2dStatistics(layer, DataType.DOUBLE).collect(conv, b);
        BlockStatistics d = new DenseStatistics(dense, DataType.DOUBLE).collect(flat, b);
        assertThat(s.sum("A").equalsWithEps(d.sum("A"), TOLERANCE)).isTrue();
        assertThat(s.sum("G").equalsWithEps(d.sum("G"), TOLERANCE)).isTrue();
    }

    /**
     * The scalings sum is Σ_r (Q_Gᵀ W_r Q_A)^{∘2} for the per-example kernel gradients
     * W_r = Σ_t g_{r,t} ā_tᵀ, formed here explicitly.
     */
    @Test
    void projectedGradientSquares_isSquaredProjectionOfPerExampleGradients() {
        int b = 2;
        LayerSpec layer = Conv2d.layer("c", 1, 2, 2, 2, true, Activation.TANH);
        ConvGeometry geometry = ConvGeometry.of(2, 2, 1, 1, 0, 0, 1, 1);
        INDArray patches = geometry.patches(gaussian(b, 1, 3, 4));
        INDArray g = gaussian(2L * b, 2, 2, 3);
        LayerCapture capture = LayerCapture.builder().gradient(Nd4j.zeros(DataType.DOUBLE, 2, 5))
                .put(CaptureField.LAYER_INPUTS, patches).put(CaptureField.OUTPUT_GRADIENTS, g).build();
        INDArray qa = orthogonal(5);
        INDArray qg = orthogonal(2);
        Conv2dStatistics statistics = new Conv2dStatistics(layer, DataType.DOUBLE);
        INDArray actual = statistics.projectedGradientSquares(capture, b, qa, qg);
        INDArray expected = Nd4j.zeros(DataType.DOUBLE, 2, 5);
        INDArray rows = statistics.patchRows(capture);
        for (int r = 0; r < 2 * b; r++) {
            INDArray w = Nd4j.zeros(DataType.DOUBLE, 2, 5);
            for (int t = 0; t < 6; t++) {
                INDArray gt = g.get(NDArrayIndex.point(r), NDArrayIndex.all(), NDArrayIndex.point(t / 3),
                        NDArrayIndex.point(t % 3)).reshape(2, 1);
                INDArray at = rows.getRow((long) (r % b) * 6 + t).reshape(1, 5);
                w.addi(gt.mmul(at));
            }
            INDArray projected = qg.transpose().mmul(w).mmul(qa);
            expected.addi(projected.mul(projected));
        }
        assertThat(actual.equalsWithEps(expected, TOLERANCE)).isTrue();
    }

    /** A Householder reflection I − 2vvᵀ/(vᵀv), orthogonal and far from the identity. */
    private INDArray orthogonal(int n) {
        INDArray v = gaussian(n, 1);
        return Nd4j.eye(n).castTo(DataType.DOUBLE).subi(v.mmul(v.transpose()).muli(2 / v.norm2Number().doubleValue()
                / v.norm2Number().doubleValue()));
    }

    private static void assertClose(INDArray actual, double[][] expected) {
        assertThat(actual.shape()).containsExactly(expected.length, expected[0].length);
        for (int i = 0; i < expected.length; i++) {
            for (int j = 0; j < expected[0].length; j++) {
                assertThat(actual.getDouble(i, j)).as("(%d,%d)", i, j).isCloseTo(expected[i][j],
                        org.assertj.core.data.Offset.offset(TOLERANCE * Math.max(1, Math.abs(expected[i][j]))));
            }
        }
    }
}
