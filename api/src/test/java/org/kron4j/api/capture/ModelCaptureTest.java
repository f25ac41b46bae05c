package org.kron4j.api.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The model-level capture fields: batch loss and batch oracle. */
class ModelCaptureTest {

    /** G = diag(2, 3) on one layer of two parameters; h(θ + δ) = 1 + Σδ. */
    private static final class DiagonalOracle implements BatchOracle {
        @Override
        public int batchSize() {
            return 4;
        }

        @Override
        public double loss() {
            return 1.0;
        }

        @Override
        public double lossAt(List<INDArray> delta) {
            return 1.0 + delta.get(0).sumNumber().doubleValue();
        }

        @Override
        public List<INDArray> gaussNewtonTimes(List<INDArray> vector) {
            return List.of(vector.get(0).mul(Nd4j.createFromArray(2.0, 3.0).reshape(1, 2)));
        }
    }

    private static List<LayerCapture> layers() {
        return List.of(LayerCapture.ofGradient(Nd4j.zeros(DataType.DOUBLE, 1, 2)));
    }

    @Test
    void capture_withoutModelFields_hasNoLossAndNoOracle() {
        ModelCapture capture = new ModelCapture(4, layers(), null);
        assertThat(capture.batchLoss()).isNaN();
        assertThat(capture.batchLossIfPresent()).isEmpty();
        assertThat(capture.oracleIfPresent()).isEmpty();
        assertThatThrownBy(capture::requireOracle).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("BATCH_ORACLE");
    }

    @Test
    void withBatchLossAndOracle_keepTheRest() {
        INDArray hessian = Nd4j.eye(2);
        BatchOracle oracle = new DiagonalOracle();
        ModelCapture capture = new ModelCapture(4, layers(), hessian).withBatchLoss(0.5).withOracle(oracle);
        assertThat(capture.batchLoss()).isEqualTo(0.5);
        assertThat(capture.batchLossIfPresent()).hasValue(0.5);
        assertThat(capture.requireOracle()).isSameAs(oracle);
        assertThat(capture.outputHessian()).isSameAs(hessian);
        assertThat(capture.layers()).hasSize(1);
    }

    @Test
    void oracle_batchSizeMismatch_refused() {
        assertThatThrownBy(() -> new ModelCapture(3, layers(), null).withOracle(new DiagonalOracle()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("4");
    }

    @Test
    void gaussNewtonGram_default_isTheMatrixOfQuadraticForms() {
        // G = diag(2, 3): v=(1,1), w=(1,−1) give vᵀGv = 5, vᵀGw = −1, wᵀGw = 5, exact in double
        BatchOracle oracle = new DiagonalOracle();
        List<INDArray> v = List.of(Nd4j.createFromArray(1.0, 1.0).reshape(1, 2));
        List<INDArray> w = List.of(Nd4j.createFromArray(1.0, -1.0).reshape(1, 2));
        assertThat(oracle.gaussNewtonGram(List.of(v, w))).isEqualTo(new double[][] {{5.0, -1.0}, {-1.0, 5.0}});
    }

    @Test
    void modelFields_areNotLayerFieldsNorStatistics() {
        for (CaptureField field : EnumSet.of(CaptureField.OUTPUT_HESSIAN, CaptureField.BATCH_LOSS,
                CaptureField.BATCH_ORACLE)) {
            assertThat(field.isModelField()).isTrue();
            assertThatThrownBy(() -> LayerCapture.builder().put(field, Nd4j.zeros(1)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(field.name());
        }
        StepPlan plan = new StepPlan(0, EnumSet.of(CaptureField.BATCH_LOSS, CaptureField.BATCH_ORACLE),
                TargetSource.MC_FISHER);
        assertThat(plan.collectsStatistics()).isFalse();
        assertThat(plan.needs(CaptureField.GRADIENT)).isTrue();
        assertThat(new StepPlan(0, EnumSet.of(CaptureField.BATCH_LOSS, CaptureField.LAYER_INPUTS),
                TargetSource.MC_FISHER).collectsStatistics()).isTrue();
    }
}
