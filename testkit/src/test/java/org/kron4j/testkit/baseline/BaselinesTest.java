package org.kron4j.testkit.baseline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.kron4j.testkit.oracle.DenseMatrices;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** SGD with momentum and Adam against their update formulas written out by hand. Tolerances: double rounding. */
class BaselinesTest {
    private static final INDArray G1 = Nd4j.create(new double[][] {{0.5, -2.0}, {1e-3, 4.0}});
    private static final INDArray G2 = Nd4j.create(new double[][] {{-1.0, 0.25}, {3.0, 0.0}});

    @Test
    void sgdMomentum_followsHeavyBallRecursion() {
        double lr = 0.1;
        double mu = 0.9;
        SgdMomentum sgd = new SgdMomentum(lr, mu);
        double[][] first = DenseMatrices.toDoubleArray(sgd.updates(List.of(G1)).get(0));
        double[][] second = DenseMatrices.toDoubleArray(sgd.updates(List.of(G2)).get(0));
        double[][] g1 = DenseMatrices.toDoubleArray(G1);
        double[][] g2 = DenseMatrices.toDoubleArray(G2);
        // v1 = g1, Δ1 = −η g1; v2 = μ g1 + g2, Δ2 = −η (μ g1 + g2)
        assertThat(DenseMatrices.maxAbsDifference(first, DenseMatrices.scale(g1, -lr))).isLessThan(1e-15);
        assertThat(DenseMatrices.maxAbsDifference(second,
                DenseMatrices.scale(DenseMatrices.add(DenseMatrices.scale(g1, mu), g2), -lr))).isLessThan(1e-15);
        assertThat(sgd.steps()).isEqualTo(2);
        // the caller's gradients are untouched
        assertThat(G1.getDouble(0, 0)).isEqualTo(0.5);
    }

    @Test
    void adam_firstStepIsLearningRateTimesSignAndSecondFollowsFormula() {
        double lr = 0.01;
        double b1 = 0.9;
        double b2 = 0.999;
        double eps = 1e-8;
        Adam adam = new Adam(lr, b1, b2, eps);
        double[][] first = DenseMatrices.toDoubleArray(adam.updates(List.of(G1)).get(0));
        double[][] second = DenseMatrices.toDoubleArray(adam.updates(List.of(G2)).get(0));
        double[][] g1 = DenseMatrices.toDoubleArray(G1);
        double[][] g2 = DenseMatrices.toDoubleArray(G2);
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 2; j++) {
                // bias correction makes m̂₁ = g, v̂₁ = g²: Δ₁ = −η g / (|g| + ε)
                double expected1 = -lr * g1[i][j] / (Math.abs(g1[i][j]) + eps);
                assertThat(first[i][j]).isCloseTo(expected1, org.assertj.core.data.Offset.offset(1e-15));
                double m = b1 * (1 - b1) * g1[i][j] + (1 - b1) * g2[i][j];
                double v = b2 * (1 - b2) * g1[i][j] * g1[i][j] + (1 - b2) * g2[i][j] * g2[i][j];
                double mHat = m / (1 - b1 * b1);
                double vHat = v / (1 - b2 * b2);
                double expected2 = -lr * mHat / (Math.sqrt(vHat) + eps);
                assertThat(second[i][j]).isCloseTo(expected2, org.assertj.core.data.Offset.offset(1e-15));
            }
        }
        assertThat(adam.steps()).isEqualTo(2);
    }

    @Test
    void baselines_keepDataTypeAndRejectBadSettings() {
        INDArray f = G1.castTo(DataType.FLOAT);
        assertThat(new SgdMomentum(0.1, 0.0).updates(List.of(f)).get(0).dataType()).isEqualTo(DataType.FLOAT);
        assertThat(new Adam(0.1).updates(List.of(f)).get(0).dataType()).isEqualTo(DataType.FLOAT);
        assertThatThrownBy(() -> new SgdMomentum(0.1, 1.0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new Adam(-1)).isInstanceOf(IllegalArgumentException.class);
    }
}
