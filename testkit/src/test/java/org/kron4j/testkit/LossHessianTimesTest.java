package org.kron4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.kron4j.api.model.Loss;
import org.kron4j.testkit.oracle.DenseMatrices;
import org.kron4j.reference.exact.TinyMlp;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** {@link Loss#hessianTimes} against the written-out per-example Hessians of {@link TinyMlp#outputHessian}. */
class LossHessianTimesTest {

    @ParameterizedTest
    @EnumSource(Loss.class)
    void hessianTimes_equalsPerExampleHessianTimesDirection(Loss loss) {
        // k×k products of order-1 doubles: the two sides differ by rounding only, 1e-14.
        int batch = 5;
        int k = 4;
        double[][] logits = TestNets.inputs(batch, k, 61);
        double[][] directions = TestNets.inputs(batch, k, 62);
        INDArray predictions = loss.predictions(TestNets.nd(logits, DataType.DOUBLE));
        double[][] actual = DenseMatrices.toDoubleArray(loss.hessianTimes(predictions,
                TestNets.nd(directions, DataType.DOUBLE)));
        for (int i = 0; i < batch; i++) {
            double[] p = TinyMlp.predictions(loss, logits[i]);
            double[] expected = DenseMatrices.multiply(TinyMlp.outputHessian(loss, p), directions[i]);
            assertThat(DenseMatrices.maxAbsDifference(actual[i], expected)).as("example %d", i).isLessThan(1e-14);
        }
    }
}
