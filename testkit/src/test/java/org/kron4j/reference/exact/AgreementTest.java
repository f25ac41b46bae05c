package org.kron4j.reference.exact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.Loss;
import org.kron4j.reference.mlp.ReferenceMlp;
import org.kron4j.testkit.TestNets;
import org.kron4j.testkit.oracle.DenseMatrices;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** ND4J's reference MLP (DOUBLE) and the plain-Java oracle agree on the same weights. */
class AgreementTest {

    @ParameterizedTest
    @EnumSource(value = Activation.class, names = {"IDENTITY", "TANH", "SIGMOID", "RELU", "SOFTPLUS"})
    void referenceMlpAndExactCurvature_giveSameLossAndGradient(Activation activation) {
        // Same arithmetic, different summation order and libm: loss and gradient entries of order 1
        // agree to rounding, 1e-12.
        for (Loss loss : Loss.values()) {
            for (boolean bias : new boolean[] {true, false}) {
                ReferenceMlp mlp = TestNets.tiny(activation, loss, 3, bias, 201);
                double[][] x = TestNets.inputs(7, 3, 202);
                double[][] y = TestNets.targets(loss, 7, 3, 203);
                INDArray xn = TestNets.nd(x, DataType.DOUBLE);
                INDArray yn = TestNets.nd(y, DataType.DOUBLE);
                TinyMlp net = TinyMlp.of(mlp);
                ExactCurvature exact = ExactCurvature.of(net, x, y);
                assertThat(mlp.loss(xn, yn)).as("%s %s bias=%s", activation, loss, bias)
                        .isCloseTo(exact.meanLoss(), within(1e-12));
                List<INDArray> gradients = mlp.gradients(xn, yn);
                for (int l = 0; l < mlp.layerCount(); l++) {
                    assertThat(DenseMatrices.maxAbsDifference(DenseMatrices.toDoubleArray(gradients.get(l)),
                            exact.layerGradient(l))).as("%s %s bias=%s layer %d", activation, loss, bias, l)
                            .isLessThan(1e-12);
                }
                // the converter round-trips: weights copied back into a fresh network reproduce it
                ReferenceMlp other = new ReferenceMlp(mlp.sizes(), new Activation[] {activation, activation}, loss,
                        DataType.DOUBLE, 999, bias);
                net.copyInto(other);
                assertThat(other.loss(xn, yn)).isEqualTo(mlp.loss(xn, yn));
                assertThat(DenseMatrices.maxAbsDifference(TinyMlp.of(other).parameterVector(), net.parameterVector()))
                        .isZero();
            }
        }
    }
}
