package org.kron4j.reference.mlp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.model.Loss;
import org.kron4j.api.model.ModelSpec;
import org.kron4j.testkit.TestNets;
import org.kron4j.testkit.oracle.DenseMatrices;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The reference MLP's description, initialisation and parameter handling. */
class ReferenceMlpTest {

    @Test
    void modelSpec_namesShapesAndActivations() {
        ReferenceMlp mlp = new ReferenceMlp(new int[] {64, 128, 128, 10}, Activation.RELU,
                Loss.SOFTMAX_CROSS_ENTROPY, DataType.FLOAT, 1);
        ModelSpec spec = mlp.modelSpec();
        assertThat(spec.sequential()).isTrue();
        assertThat(spec.loss()).isEqualTo(Loss.SOFTMAX_CROSS_ENTROPY);
        assertThat(spec.layers()).containsExactly(
                LayerSpec.dense("layer0", 64, 128, true, Activation.RELU),
                LayerSpec.dense("layer1", 128, 128, true, Activation.RELU),
                LayerSpec.dense("layer2", 128, 10, true, Activation.IDENTITY));
        assertThat(spec.parameterCount()).isEqualTo(128 * 65 + 128 * 129 + 10 * 129);
        assertThat(mlp.parameters()).extracting(INDArray::dataType).containsOnly(DataType.FLOAT);
    }

    @Test
    void builder_perLayerActivationsAndNoBias() {
        ReferenceMlp mlp = ReferenceMlp.builder(5, 4, 3, 2).hidden(Activation.TANH, Activation.SOFTPLUS)
                .loss(Loss.SQUARED_ERROR).dataType(DataType.DOUBLE).seed(3).bias(false).build();
        assertThat(mlp.activations()).containsExactly(Activation.TANH, Activation.SOFTPLUS, Activation.IDENTITY);
        assertThat(mlp.parameters().get(0).shape()).containsExactly(4, 5);
        assertThat(mlp.modelSpec().layer(1)).isEqualTo(LayerSpec.dense("layer1", 4, 3, false, Activation.SOFTPLUS));
    }

    @Test
    void init_isGlorotUniformWithZeroBiasAndDeterministic() {
        ReferenceMlp a = new ReferenceMlp(new int[] {20, 30, 5}, Activation.TANH, Loss.SOFTMAX_CROSS_ENTROPY,
                DataType.DOUBLE, 9);
        ReferenceMlp b = new ReferenceMlp(new int[] {20, 30, 5}, Activation.TANH, Loss.SOFTMAX_CROSS_ENTROPY,
                DataType.DOUBLE, 9);
        ReferenceMlp c = new ReferenceMlp(new int[] {20, 30, 5}, Activation.TANH, Loss.SOFTMAX_CROSS_ENTROPY,
                DataType.DOUBLE, 10);
        double[][] w0 = DenseMatrices.toDoubleArray(a.parameters().get(0));
        double limit = Math.sqrt(6.0 / (20 + 30));
        for (double[] row : w0) {
            for (int col = 0; col < 20; col++) {
                assertThat(Math.abs(row[col])).isLessThanOrEqualTo(limit);
            }
            assertThat(row[20]).isZero();
        }
        // U(−r, r) has variance r²/3; 600 draws estimate it within a few per cent
        double sq = 0;
        for (double[] row : w0) {
            for (int col = 0; col < 20; col++) {
                sq += row[col] * row[col];
            }
        }
        assertThat(sq / 600).isCloseTo(limit * limit / 3, within(0.2 * limit * limit / 3));
        assertThat(DenseMatrices.maxAbsDifference(w0, DenseMatrices.toDoubleArray(b.parameters().get(0)))).isZero();
        assertThat(DenseMatrices.maxAbsDifference(w0, DenseMatrices.toDoubleArray(c.parameters().get(0))))
                .isGreaterThan(0.01);
    }

    @Test
    void parameters_setAddAndCopyAreIndependent() {
        ReferenceMlp mlp = TestNets.tiny(Activation.TANH, Loss.SQUARED_ERROR, 2, true, 5);
        ReferenceMlp twin = mlp.copy();
        List<INDArray> before = mlp.copyParameters();
        List<INDArray> ones = before.stream().map(w -> Nd4j.onesLike(w)).toList();
        mlp.addToParameters(ones);
        for (int l = 0; l < mlp.layerCount(); l++) {
            INDArray diff = mlp.parameters().get(l).sub(before.get(l));
            assertThat(diff.minNumber().doubleValue()).isCloseTo(1.0, within(1e-15));
            assertThat(diff.maxNumber().doubleValue()).isCloseTo(1.0, within(1e-15));
            assertThat(twin.parameters().get(l).equals(before.get(l))).isTrue();
        }
        mlp.setParameters(before);
        for (int l = 0; l < mlp.layerCount(); l++) {
            assertThat(mlp.parameters().get(l).equals(before.get(l))).isTrue();
        }
        assertThatThrownBy(() -> mlp.setParameters(List.of(Nd4j.zeros(2, 2))))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void predictAndAccuracy_behave() {
        ReferenceMlp mlp = TestNets.tiny(Activation.TANH, Loss.SOFTMAX_CROSS_ENTROPY, 3, true, 7);
        INDArray x = TestNets.nd(TestNets.inputs(10, 3, 8), DataType.DOUBLE);
        INDArray p = mlp.predict(x);
        for (double s : p.sum(1).toDoubleVector()) {
            assertThat(s).isCloseTo(1.0, within(1e-12));
        }
        INDArray own = Nd4j.zeros(DataType.DOUBLE, 10, 3);
        long[] argmax = mlp.logits(x).argMax(1).toLongVector();
        for (int i = 0; i < 10; i++) {
            own.putScalar(i, (int) argmax[i], 1.0);
        }
        assertThat(mlp.accuracy(x, own)).isEqualTo(1.0);
        INDArray shifted = Nd4j.zeros(DataType.DOUBLE, 10, 3);
        for (int i = 0; i < 10; i++) {
            shifted.putScalar(i, (int) ((argmax[i] + 1) % 3), 1.0);
        }
        assertThat(mlp.accuracy(x, shifted)).isZero();
    }

    @Test
    void floatNetwork_acceptsDoubleInputsAndMatchesDoubleTwin() {
        // The same weights in FLOAT and DOUBLE: the FLOAT loss differs by rounding of order
        // 1e-7 relative (float epsilon 6e-8 times a few dozen operations); 1e-5 is generous.
        ReferenceMlp d = TestNets.tiny(Activation.SOFTPLUS, Loss.SOFTMAX_CROSS_ENTROPY, 3, true, 13);
        ReferenceMlp f = new ReferenceMlp(d.sizes(), new Activation[] {Activation.SOFTPLUS, Activation.SOFTPLUS},
                Loss.SOFTMAX_CROSS_ENTROPY, DataType.FLOAT, 0, true);
        f.setParameters(d.parameters());
        INDArray x = TestNets.nd(TestNets.inputs(10, 3, 14), DataType.DOUBLE);
        INDArray y = TestNets.nd(TestNets.targets(Loss.SOFTMAX_CROSS_ENTROPY, 10, 3, 15), DataType.DOUBLE);
        assertThat(f.loss(x, y)).isCloseTo(d.loss(x, y), within(1e-5));
        assertThat(f.gradients(x, y).get(0).dataType()).isEqualTo(DataType.FLOAT);
    }
}
