package org.kron4j.api.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import org.kron4j.api.UnsupportedModelException;
import org.kron4j.api.capture.CaptureField;
import org.kron4j.api.capture.LayerCapture;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.capture.StepPlan;
import org.kron4j.api.checkpoint.CheckpointFormatException;
import org.kron4j.api.linalg.LinearAlgebras;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.model.Loss;
import org.kron4j.api.model.ModelSpec;
import org.kron4j.api.store.Precision;
import org.kron4j.api.store.RefreshOutcome;
import org.kron4j.api.testing.InputFactorApproximation;
import org.kron4j.api.testing.SwitchableLinearAlgebra;
import org.kron4j.api.support.NdArrays;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class KroneckerOptimizerTest {
    private static final int B = 4;
    private static final ModelSpec MODEL = ModelSpec.sequential(Loss.SQUARED_ERROR,
            LayerSpec.dense("l0", 3, 2, true, Activation.TANH),
            LayerSpec.dense("l1", 2, 2, true, Activation.IDENTITY));

    private final SwitchableLinearAlgebra kernels = new SwitchableLinearAlgebra(LinearAlgebras.forCurrentBackend());

    private KroneckerOptimizer.Builder builder() {
        return KroneckerOptimizer.builder(new InputFactorApproximation()).model(MODEL).linearAlgebra(kernels)
                .set(OptimizerSettings.STORAGE_PRECISION, Precision.DOUBLE);
    }

    /** A deterministic capture with every field, values depending on the seed. */
    private static ModelCapture capture(long seed) {
        Nd4j.getRandom().setSeed(seed);
        List<LayerCapture> layers = new ArrayList<>();
        for (LayerSpec layer : MODEL.layers()) {
            layers.add(LayerCapture.builder()
                    .gradient(Nd4j.randn(DataType.DOUBLE, layer.gradientShape()))
                    .parameters(Nd4j.randn(DataType.DOUBLE, layer.gradientShape()))
                    .inputs(Nd4j.randn(DataType.DOUBLE, B, layer.inputs()))
                    .build());
        }
        return ModelCapture.of(B, layers);
    }

    private static ModelCapture withGradient(ModelCapture capture, int layer, INDArray gradient) {
        List<LayerCapture> layers = new ArrayList<>(capture.layers());
        LayerCapture.Builder b = LayerCapture.builder().gradient(gradient);
        capture.layer(layer).fields().forEach((f, v) -> {
            if (f != CaptureField.GRADIENT) {
                b.put(f, v);
            }
        });
        layers.set(layer, b.build());
        return ModelCapture.of(capture.batchSize(), layers);
    }

    private static ModelCapture withInputs(ModelCapture capture, int layer, INDArray inputs) {
        List<LayerCapture> layers = new ArrayList<>(capture.layers());
        LayerCapture.Builder b = LayerCapture.builder();
        capture.layer(layer).fields().forEach((f, v) -> b.put(f, f == CaptureField.LAYER_INPUTS ? inputs : v));
        layers.set(layer, b.build());
        return ModelCapture.of(capture.batchSize(), layers);
    }

    /** Plain-Java (A + λI)⁻¹ with A = mean of āāᵀ: the variant's math, recomputed independently. */
    private static double[][] dampedInputInverse(INDArray inputs, double damping) {
        double[][] a = inputs.toDoubleMatrix();
        int n = a[0].length + 1;
        double[][] m = new double[n][n];
        for (double[] row : a) {
            double[] abar = java.util.Arrays.copyOf(row, n);
            abar[n - 1] = 1;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    m[i][j] += abar[i] * abar[j] / a.length;
                }
            }
        }
        for (int i = 0; i < n; i++) {
            m[i][i] += damping;
        }
        return TestMatrices.inverse(m);
    }

    @Test
    void plan_followsPeriods() {
        KroneckerOptimizer optimizer = builder().periods(3, 5).set(OptimizerSettings.KL_CLIP, 0.0).build();
        List<Long> statistics = new ArrayList<>();
        List<Long> refreshes = new ArrayList<>();
        for (int t = 0; t < 11; t++) {
            StepPlan plan = optimizer.plan();
            assertThat(plan.step()).isEqualTo(t);
            StepResult result = optimizer.step(capture(t));
            assertThat(result.collectedStatistics()).isEqualTo(plan.collectsStatistics());
            if (result.collectedStatistics()) {
                statistics.add(result.step());
            }
            if (result.refreshed()) {
                refreshes.add(result.step());
            }
        }
        assertThat(statistics).containsExactly(0L, 3L, 6L, 9L);
        assertThat(refreshes).containsExactly(0L, 5L, 10L);
    }

    @Test
    void plan_asksOnlyForWhatIsNeeded() {
        KroneckerOptimizer optimizer = builder().periods(2, 2).build();
        assertThat(optimizer.plan().fields()).containsExactlyInAnyOrder(CaptureField.GRADIENT, CaptureField.LAYER_INPUTS);
        optimizer.step(capture(1));
        assertThat(optimizer.plan().fields()).containsExactly(CaptureField.GRADIENT);
        KroneckerOptimizer decaying = KroneckerOptimizer.builder(new InputFactorApproximation()).model(MODEL)
                .set(OptimizerSettings.WEIGHT_DECAY, 1e-4).build();
        assertThat(decaying.plan().fields()).contains(CaptureField.PARAMETERS);
    }

    @Test
    void step_update_isMinusLearningRateTimesPreconditionedGradient() {
        double lr = 0.3;
        double damping = 0.1;
        KroneckerOptimizer optimizer = builder().learningRate(lr).damping(damping).momentum(0.0)
                .set(OptimizerSettings.KL_CLIP, 0.0).build();
        ModelCapture capture = capture(7);
        StepResult result = optimizer.step(capture);
        for (int l = 0; l < MODEL.size(); l++) {
            double[][] inverse = dampedInputInverse(capture.layer(l).require(CaptureField.LAYER_INPUTS), damping);
            double[][] expected = TestMatrices.scale(
                    TestMatrices.multiply(capture.layer(l).gradient().toDoubleMatrix(), inverse), -lr);
            // float64 throughout; LAPACK's inverse is accurate to ~1e-14 relative for these well-conditioned 3x3/4x4
            assertThat(TestMatrices.maxAbsDifference(result.updates().get(l).toDoubleMatrix(), expected))
                    .isLessThan(1e-12);
            assertThat(result.directions().get(l).mul(-lr).equalsWithEps(result.updates().get(l), 1e-15)).isTrue();
        }
    }

    @Test
    void step_momentum_accumulatesDirections() {
        double lr = 0.5;
        double mu = 0.9;
        KroneckerOptimizer optimizer = builder().learningRate(lr).momentum(mu).periods(100, 100)
                .set(OptimizerSettings.KL_CLIP, 0.0).build();
        StepResult first = optimizer.step(capture(1));
        StepResult second = optimizer.step(capture(2));
        for (int l = 0; l < MODEL.size(); l++) {
            INDArray expected = first.directions().get(l).mul(mu).addi(second.directions().get(l)).muli(-lr);
            assertThat(second.updates().get(l).equalsWithEps(expected, 1e-14)).isTrue();
        }
    }

    @Test
    void step_klClip_scalesByNormConstraint() {
        double lr = 1.0;
        double kappa = 1e-4;
        KroneckerOptimizer clipped = builder().learningRate(lr).momentum(0.0)
                .set(OptimizerSettings.KL_CLIP, kappa).build();
        KroneckerOptimizer free = KroneckerOptimizer.builder(new InputFactorApproximation()).model(MODEL)
                .set(OptimizerSettings.STORAGE_PRECISION, Precision.DOUBLE).learningRate(lr).momentum(0.0)
                .set(OptimizerSettings.KL_CLIP, 0.0).build();
        ModelCapture capture = capture(3);
        StepResult unclipped = free.step(capture);
        StepResult result = clipped.step(capture);
        double inner = 0;
        for (int l = 0; l < MODEL.size(); l++) {
            inner += unclipped.directions().get(l).mul(capture.layer(l).gradient()).sumNumber().doubleValue();
        }
        double expectedScale = Math.min(1, Math.sqrt(kappa / (lr * lr * inner)));
        assertThat(expectedScale).isLessThan(1.0);
        assertThat(result.klScale()).isCloseTo(expectedScale, org.assertj.core.data.Offset.offset(1e-12));
        for (int l = 0; l < MODEL.size(); l++) {
            assertThat(result.directions().get(l)
                    .equalsWithEps(unclipped.directions().get(l).mul(expectedScale), 1e-12)).isTrue();
        }
    }

    @Test
    void step_weightDecay_addedToWeightsNotBias() {
        double wd = 0.25;
        KroneckerOptimizer decayed = builder().momentum(0.0).set(OptimizerSettings.KL_CLIP, 0.0)
                .set(OptimizerSettings.WEIGHT_DECAY, wd).build();
        KroneckerOptimizer plain = KroneckerOptimizer.builder(new InputFactorApproximation()).model(MODEL)
                .set(OptimizerSettings.STORAGE_PRECISION, Precision.DOUBLE).momentum(0.0)
                .set(OptimizerSettings.KL_CLIP, 0.0).build();
        ModelCapture capture = capture(5);
        // the same step without decay, on a gradient that already holds wd·W for the weight columns
        List<LayerCapture> manual = new ArrayList<>();
        for (int l = 0; l < MODEL.size(); l++) {
            LayerCapture layer = capture.layer(l);
            INDArray decay = layer.require(CaptureField.PARAMETERS).mul(wd);
            decay.getColumn(MODEL.layer(l).inputs()).assign(0);
            manual.add(LayerCapture.builder().gradient(layer.gradient().add(decay))
                    .inputs(layer.require(CaptureField.LAYER_INPUTS)).build());
        }
        StepResult expected = plain.step(ModelCapture.of(B, manual));
        StepResult actual = decayed.step(capture);
        for (int l = 0; l < MODEL.size(); l++) {
            assertThat(actual.updates().get(l).equalsWithEps(expected.updates().get(l), 1e-14)).isTrue();
        }
    }

    @Test
    void step_nanGradient_skippedStateBitIdentical() {
        KroneckerOptimizer optimizer = builder().periods(1, 1).build();
        optimizer.step(capture(1));
        optimizer.step(capture(2));
        byte[] before = optimizer.stateBytes();
        INDArray poisoned = capture(3).layer(1).gradient().dup();
        poisoned.putScalar(0, 1, Double.NaN);
        StepResult result = optimizer.step(withGradient(capture(3), 1, poisoned));
        assertThat(result.applied()).isFalse();
        assertThat(result.skipReason()).contains("layer 'l1'").contains("GRADIENT");
        assertThat(result.updates()).isEmpty();
        assertThat(optimizer.stateBytes()).isEqualTo(before);
        assertThat(optimizer.steps()).isEqualTo(2);
        assertThat(optimizer.skippedSteps()).isEqualTo(1);
    }

    @Test
    void step_infiniteStatisticsInput_skippedStateBitIdentical() {
        KroneckerOptimizer optimizer = builder().periods(1, 1).build();
        optimizer.step(capture(1));
        byte[] before = optimizer.stateBytes();
        INDArray inputs = capture(2).layer(0).require(CaptureField.LAYER_INPUTS).dup();
        inputs.putScalar(1, 1, Double.POSITIVE_INFINITY);
        StepResult result = optimizer.step(withInputs(capture(2), 0, inputs));
        assertThat(result.applied()).isFalse();
        assertThat(result.skipReason()).contains("LAYER_INPUTS");
        assertThat(optimizer.stateBytes()).isEqualTo(before);
    }

    @Test
    void step_directionOverflows_updateWithheldMomentumUnpoisoned() {
        // Zero inputs make A = diag(0, 0, 0, 1), so (A + λI)⁻¹ scales the weight columns by 1/λ = 1e12;
        // a finite float32 gradient of 1e30 then overflows float32's 3.4e38 to ±∞ in the direction.
        KroneckerOptimizer optimizer = KroneckerOptimizer.builder(new InputFactorApproximation()).model(MODEL)
                .linearAlgebra(kernels).set(OptimizerSettings.STORAGE_PRECISION, Precision.FLOAT).periods(1, 1)
                .set(OptimizerSettings.DAMPING, 1e-12).set(OptimizerSettings.MOMENTUM, 0.9).build();
        ModelCapture zeros = withInputs(capture(2), 0, Nd4j.zeros(DataType.DOUBLE, B, 3));
        StepResult result = optimizer.step(withGradient(zeros, 0, Nd4j.ones(DataType.DOUBLE, 2, 4).muli(1e30)));
        assertThat(result.applied()).isFalse();
        assertThat(result.skipReason()).contains("layer 'l0'").contains("not finite");
        assertThat(optimizer.steps()).isZero();
        assertThat(optimizer.skippedSteps()).isEqualTo(1);
        // Without the guard the momentum buffer would hold ±∞ and every later update would be ±∞ or NaN.
        StepResult next = optimizer.step(capture(3));
        assertThat(next.applied()).isTrue();
        for (INDArray update : next.updates()) {
            assertThat(NdArrays.isFinite(update)).isTrue();
        }
    }

    @Test
    void step_decompositionForcedToFail_keepsLastGoodAndReports() {
        KroneckerOptimizer optimizer = builder().periods(1, 1).build();
        optimizer.step(capture(1));
        byte[] decompositionsBefore = decompositionBytes(optimizer);
        kernels.failAlways();
        StepResult result = optimizer.step(capture(2));
        assertThat(result.applied()).isTrue();
        assertThat(result.refreshed()).isTrue();
        assertThat(decompositionBytes(optimizer)).isEqualTo(decompositionsBefore);
        assertThat(optimizer.store().counters().count(RefreshOutcome.KEPT_LAST_GOOD)).isEqualTo(MODEL.size());
    }

    /** The cached inverses of every layer, serialised: what a failed refresh must not touch. */
    private static byte[] decompositionBytes(KroneckerOptimizer optimizer) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (org.kron4j.api.checkpoint.StateWriter writer = new org.kron4j.api.checkpoint.StateWriter(out)) {
            org.kron4j.api.checkpoint.StateReader state = org.kron4j.api.checkpoint.StateReader.read(
                    new ByteArrayInputStream(optimizer.stateBytes()));
            for (String key : state.keys()) {
                if (key.endsWith(".inverse") || key.endsWith(".inverseDamping")) {
                    if (key.endsWith(".inverse")) {
                        writer.putArray(key, state.array(key));
                    } else {
                        writer.putDouble(key, state.getDouble(key));
                    }
                }
            }
        }
        return out.toByteArray();
    }

    @Test
    void step_wrongGradientShape_namesLayer() {
        KroneckerOptimizer optimizer = builder().build();
        ModelCapture capture = withGradient(capture(1), 0, Nd4j.zeros(DataType.DOUBLE, 2, 3));
        assertThatThrownBy(() -> optimizer.step(capture))
                .hasMessage("layer 'l0': gradient shape [2, 3], expected [2, 4]");
    }

    @Test
    void step_missingPlannedField_namesIt() {
        KroneckerOptimizer optimizer = builder().build();
        List<LayerCapture> layers = new ArrayList<>();
        for (LayerSpec layer : MODEL.layers()) {
            layers.add(LayerCapture.ofGradient(Nd4j.zeros(DataType.DOUBLE, layer.gradientShape())));
        }
        assertThatThrownBy(() -> optimizer.step(ModelCapture.of(B, layers)))
                .hasMessageContaining("the capture lacks LAYER_INPUTS");
    }

    @Test
    void saveRestore_continuesIdentically() {
        KroneckerOptimizer first = builder().periods(2, 3).build();
        for (int t = 0; t < 4; t++) {
            first.step(capture(t));
        }
        KroneckerOptimizer second = builder().periods(2, 3).build();
        second.restore(new ByteArrayInputStream(first.stateBytes()));
        assertThat(second.steps()).isEqualTo(4);
        assertThat(second.stateBytes()).isEqualTo(first.stateBytes());
        StepResult a = first.step(capture(9));
        StepResult b = second.step(capture(9));
        for (int l = 0; l < MODEL.size(); l++) {
            assertThat(b.updates().get(l)).isEqualTo(a.updates().get(l));
        }
    }

    @Test
    void restore_otherVariant_rejected() {
        KroneckerOptimizer first = builder().build();
        KroneckerOptimizer other = KroneckerOptimizer.builder(new InputFactorApproximation("other")).model(MODEL)
                .set(OptimizerSettings.STORAGE_PRECISION, Precision.DOUBLE).build();
        assertThatThrownBy(() -> other.restore(new ByteArrayInputStream(first.stateBytes())))
                .isInstanceOf(CheckpointFormatException.class)
                .hasMessageContaining("variant 'input-factor', not 'other'");
    }

    @Test
    void build_withoutModel_explains() {
        assertThatThrownBy(() -> KroneckerOptimizer.builder(new InputFactorApproximation()).build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("needs a model");
    }

    @Test
    void build_unsupportedLayer_failsNamingItOrPassesThroughWhenAsked() {
        ModelSpec withTensor = new ModelSpec(List.of(LayerSpec.dense("l0", 3, 2, true, Activation.TANH),
                LayerSpec.tensor("norm", 2)), false, Loss.SQUARED_ERROR);
        assertThatThrownBy(() -> KroneckerOptimizer.builder(new InputFactorApproximation()).model(withTensor).build())
                .isInstanceOf(UnsupportedModelException.class)
                .hasMessageContaining("variant 'input-factor' cannot precondition layer norm[tensor [2]]")
                .hasMessageContaining("unsupportedLayers=pass_through");
        KroneckerOptimizer optimizer = KroneckerOptimizer.builder(new InputFactorApproximation()).model(withTensor)
                .set(OptimizerSettings.UNSUPPORTED_LAYERS, UnsupportedLayerPolicy.PASS_THROUGH)
                .set(OptimizerSettings.KL_CLIP, 0.0).momentum(0.0).learningRate(1.0).build();
        INDArray tensorGradient = Nd4j.createFromArray(1.0f, -2.0f);
        StepResult result = optimizer.step(ModelCapture.of(1, List.of(
                LayerCapture.builder().gradient(Nd4j.ones(DataType.FLOAT, 2, 4))
                        .inputs(Nd4j.ones(DataType.FLOAT, 1, 3)).build(),
                LayerCapture.ofGradient(tensorGradient))));
        assertThat(result.updates().get(1)).isEqualTo(tensorGradient.neg());
    }
}
