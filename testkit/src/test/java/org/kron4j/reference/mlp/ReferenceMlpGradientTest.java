package org.kron4j.reference.mlp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.Loss;
import org.kron4j.testkit.TestNets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The reference MLP's analytic gradients against central finite differences of its own loss, in DOUBLE. */
class ReferenceMlpGradientTest {

    static Stream<Arguments> activationsAndLosses() {
        List<Arguments> cases = new ArrayList<>();
        for (Activation a : new Activation[] {Activation.IDENTITY, Activation.TANH, Activation.SIGMOID,
                Activation.RELU, Activation.SOFTPLUS}) {
            for (Loss loss : Loss.values()) {
                cases.add(Arguments.of(a, loss, true));
            }
        }
        cases.add(Arguments.of(Activation.TANH, Loss.SOFTMAX_CROSS_ENTROPY, false));
        cases.add(Arguments.of(Activation.RELU, Loss.SQUARED_ERROR, false));
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} / {1} / bias={2}")
    @MethodSource("activationsAndLosses")
    void gradients_matchCentralDifferences(Activation activation, Loss loss, boolean bias) {
        int k = 3;
        ReferenceMlp mlp = TestNets.tiny(activation, loss, k, bias, 11);
        INDArray x = TestNets.nd(TestNets.inputs(5, 3, 12), DataType.DOUBLE);
        INDArray y = TestNets.nd(TestNets.targets(loss, 5, k, 13), DataType.DOUBLE);
        List<INDArray> analytic = mlp.gradients(x, y);

        // Central differences with h = 1e-6: truncation error O(h²·|ℓ'''|) ≈ 1e-12 and rounding
        // error ≈ ε·|ℓ|/h ≈ 1e-16/1e-6 = 1e-10 for losses of order 1, so 1e-7 absolute (plus 1e-6
        // relative) leaves two orders of magnitude of slack. ReLU kinks are hit only if some
        // pre-activation lies within 1e-6 of 0, which these fixed random inputs do not.
        double h = 1e-6;
        for (int l = 0; l < mlp.layerCount(); l++) {
            INDArray w = mlp.parameters().get(l);
            for (int r = 0; r < w.rows(); r++) {
                for (int c = 0; c < w.columns(); c++) {
                    double original = w.getDouble(r, c);
                    w.putScalar(r, c, original + h);
                    double plus = mlp.loss(x, y);
                    w.putScalar(r, c, original - h);
                    double minus = mlp.loss(x, y);
                    w.putScalar(r, c, original);
                    double numeric = (plus - minus) / (2 * h);
                    double exact = analytic.get(l).getDouble(r, c);
                    assertThat(exact).as("layer %d W[%d][%d]", l, r, c)
                            .isCloseTo(numeric, org.assertj.core.data.Offset.offset(1e-7 + 1e-6 * Math.abs(numeric)));
                }
            }
        }
        assertThat(analytic.get(0).shape()).containsExactly(4, 3 + (bias ? 1 : 0));
    }
}
