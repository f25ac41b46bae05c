package org.kron4j.api.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kron4j.api.capture.CaptureField;
import org.kron4j.api.capture.LayerCapture;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.linalg.LinearAlgebras;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.model.Loss;
import org.kron4j.api.model.ModelSpec;
import org.kron4j.api.optim.transform.AddWeightDecay;
import org.kron4j.api.optim.transform.ClipByKl;
import org.kron4j.api.optim.transform.HeavyBallMomentum;
import org.kron4j.api.optim.transform.ParameterSlot;
import org.kron4j.api.optim.transform.PreconditionByCurvature;
import org.kron4j.api.optim.transform.RecordDirections;
import org.kron4j.api.optim.transform.ScaleByAdam;
import org.kron4j.api.optim.transform.ScaleByLearningRate;
import org.kron4j.api.optim.transform.TransformChain;
import org.kron4j.api.optim.transform.UpdateContext;
import org.kron4j.api.optim.transform.UpdateTransform;
import org.kron4j.api.store.Precision;
import org.kron4j.api.testing.InputFactorApproximation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The driver's update as a chain of transforms: against a plain-Java float64 reference, and as a transaction. */
class UpdateChainDriverTest {
    private static final int B = 5;
    private static final ModelSpec MODEL = ModelSpec.sequential(Loss.SQUARED_ERROR,
            LayerSpec.dense("l0", 3, 2, true, Activation.TANH),
            LayerSpec.dense("l1", 2, 2, true, Activation.IDENTITY));

    private static KroneckerOptimizer.Builder builder() {
        return KroneckerOptimizer.builder(new InputFactorApproximation()).model(MODEL)
                .linearAlgebra(LinearAlgebras.forCurrentBackend())
                .set(OptimizerSettings.STORAGE_PRECISION, Precision.DOUBLE);
    }

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

    /** (A + λI)⁻¹ with A the batch mean of āāᵀ, ā = (a, 1): the test variant's factor after one batch. */
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
    void defaultChain_isWeightDecayPreconditionClipMomentumLearningRate() {
        KroneckerOptimizer optimizer = builder().momentum(0.5).set(OptimizerSettings.WEIGHT_DECAY, 0.1).build();
        List<Class<?>> stages = new ArrayList<>();
        for (UpdateTransform transform : optimizer.updateChain().transforms()) {
            stages.add(transform.getClass());
        }
        assertThat(stages).containsExactly(AddWeightDecay.class, PreconditionByCurvature.class, ClipByKl.class,
                RecordDirections.class, HeavyBallMomentum.class, ScaleByLearningRate.class);
        assertThat(builder().momentum(0.0).build().updateChain().transforms())
                .noneMatch(t -> t instanceof HeavyBallMomentum);
    }

    @Test
    void step_chainedDriver_matchesFloat64Reference() {
        double wd = 0.2;
        double damping = 0.1;
        double kappa = 0.05;
        double mu = 0.7;
        double lr = 0.5;
        // statistics and the inverse only at step 0: every step preconditions with (A₀ + λI)⁻¹
        KroneckerOptimizer optimizer = builder().periods(100, 100).damping(damping).momentum(mu).learningRate(lr)
                .set(OptimizerSettings.WEIGHT_DECAY, wd).set(OptimizerSettings.KL_CLIP, kappa).build();
        ModelCapture first = capture(11);
        double[][][] inverses = new double[MODEL.size()][][];
        for (int l = 0; l < MODEL.size(); l++) {
            inverses[l] = dampedInputInverse(first.layer(l).require(CaptureField.LAYER_INPUTS), damping);
        }
        double[][][] velocity = new double[MODEL.size()][][];
        boolean clipped = false;
        for (int t = 0; t < 4; t++) {
            ModelCapture capture = t == 0 ? first : capture(11 + t);
            StepResult result = optimizer.step(capture);
            assertThat(result.applied()).isTrue();
            // the reference: g = ∇ + wd·W (bias column not decayed); d = g P; ν = min(1, √(κ/(η² Σ d·g)));
            // v = μ v + ν d; Δθ = −η v
            double[][][] g = new double[MODEL.size()][][];
            double[][][] d = new double[MODEL.size()][][];
            double inner = 0;
            for (int l = 0; l < MODEL.size(); l++) {
                double[][] gradient = capture.layer(l).gradient().toDoubleMatrix();
                double[][] parameters = capture.layer(l).require(CaptureField.PARAMETERS).toDoubleMatrix();
                int bias = MODEL.layer(l).inputs();
                for (int i = 0; i < gradient.length; i++) {
                    for (int j = 0; j < gradient[i].length; j++) {
                        if (j != bias) {
                            gradient[i][j] += wd * parameters[i][j];
                        }
                    }
                }
                g[l] = gradient;
                d[l] = TestMatrices.multiply(gradient, inverses[l]);
                for (int i = 0; i < gradient.length; i++) {
                    for (int j = 0; j < gradient[i].length; j++) {
                        inner += d[l][i][j] * g[l][i][j];
                    }
                }
            }
            double nu = Math.min(1.0, Math.sqrt(kappa / (lr * lr * inner)));
            clipped |= nu < 1;
            // float64 throughout; the driver's inverse (LAPACK) and the reference's Gauss-Jordan agree to
            // ~1e-14 relative on these well-conditioned 4x4 and 3x3 matrices, and ν inherits that accuracy
            assertThat(result.klScale()).isCloseTo(nu, org.assertj.core.data.Offset.offset(1e-12));
            for (int l = 0; l < MODEL.size(); l++) {
                double[][] direction = TestMatrices.scale(d[l], nu);
                velocity[l] = velocity[l] == null ? direction
                        : add(TestMatrices.scale(velocity[l], mu), direction);
                assertThat(TestMatrices.maxAbsDifference(result.directions().get(l).toDoubleMatrix(), direction))
                        .isLessThan(1e-12);
                assertThat(TestMatrices.maxAbsDifference(result.updates().get(l).toDoubleMatrix(),
                        TestMatrices.scale(velocity[l], -lr))).isLessThan(1e-12);
            }
        }
        assertThat(clipped).as("the KL clip must be active on some step for the test to mean anything").isTrue();
    }

    private static double[][] add(double[][] a, double[][] b) {
        double[][] sum = new double[a.length][a[0].length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) {
                sum[i][j] = a[i][j] + b[i][j];
            }
        }
        return sum;
    }

    /** A stage that, on the first attempt of one step, stages a damping and a learning rate, then rejects it. */
    private static final class RejectAt implements UpdateTransform {
        private final long step;
        private boolean done;

        RejectAt(long step) {
            this.step = step;
        }

        @Override
        public List<INDArray> update(List<INDArray> updates, UpdateContext context) {
            if (context.step() == step && !done) {
                done = true; // the test's own bookkeeping, not optimizer state
                context.setDamping(context.damping() * 10);
                context.setLearningRate(context.learningRate() * 3);
                context.reject("test rejection at step " + step);
            }
            return updates;
        }
    }

    private static KroneckerOptimizer withRejectionAt(long step) {
        return builder().periods(100, 100).momentum(0.9).set(OptimizerSettings.WEIGHT_DECAY, 0.1)
                .updateChain(setup -> {
                    List<UpdateTransform> stages = KroneckerOptimizer.defaultTransforms(setup);
                    stages.add(new RejectAt(step)); // last: momentum and the learning rate have staged their state
                    return new TransformChain(stages);
                }).build();
    }

    @Test
    void step_rejectedByTransform_stateBytesIdenticalAndRunContinuesAsIfNeverTried() {
        KroneckerOptimizer rejecting = withRejectionAt(2);
        KroneckerOptimizer plain = withRejectionAt(-1);
        for (int t = 0; t < 2; t++) {
            rejecting.step(capture(t + 1));
            plain.step(capture(t + 1));
        }
        byte[] before = rejecting.stateBytes();
        assertThat(before).isEqualTo(plain.stateBytes());
        double damping = rejecting.damping();
        double learningRate = rejecting.learningRate();
        StepResult result = rejecting.step(capture(99));
        assertThat(result.applied()).isFalse();
        assertThat(result.skipReason()).isEqualTo("test rejection at step 2");
        assertThat(result.updates()).isEmpty();
        assertThat(rejecting.stateBytes()).isEqualTo(before);
        assertThat(rejecting.steps()).isEqualTo(2);
        assertThat(rejecting.skippedSteps()).isEqualTo(1);
        assertThat(rejecting.damping()).isEqualTo(damping);
        assertThat(rejecting.learningRate()).isEqualTo(learningRate);
        for (int t = 2; t < 4; t++) {
            StepResult a = rejecting.step(capture(t + 1));
            StepResult b = plain.step(capture(t + 1));
            for (int l = 0; l < MODEL.size(); l++) {
                assertThat(a.updates().get(l)).isEqualTo(b.updates().get(l));
            }
        }
        assertThat(rejecting.stateBytes()).isEqualTo(plain.stateBytes());
    }

    /** Rejects the first attempt of step 2; with {@code wholeStep} it asks for the statistics to be rolled back too. */
    private static KroneckerOptimizer statisticsEveryStep(boolean reject, boolean wholeStep) {
        boolean[] done = {!reject};
        UpdateTransform rejecting = new UpdateTransform() {
            @Override
            public List<INDArray> update(List<INDArray> updates, UpdateContext context) {
                if (context.step() == 2 && !done[0]) {
                    done[0] = true; // the test's bookkeeping, not optimizer state
                    context.reject("rejected on the reduction ratio");
                }
                return updates;
            }

            @Override
            public boolean mayRejectSteps() {
                return wholeStep;
            }
        };
        return builder().periods(1, 1).momentum(0.9).updateChain(setup -> {
            List<UpdateTransform> stages = KroneckerOptimizer.defaultTransforms(setup);
            stages.add(rejecting);
            return new TransformChain(stages);
        }).build();
    }

    @Test
    void step_rejectedByStageThatMayRejectSteps_statisticsAndRefreshRolledBack() {
        KroneckerOptimizer rejecting = statisticsEveryStep(true, true);
        KroneckerOptimizer plain = statisticsEveryStep(false, true);
        for (int t = 0; t < 2; t++) {
            rejecting.step(capture(t + 1));
            plain.step(capture(t + 1));
        }
        byte[] before = rejecting.stateBytes();
        StepResult result = rejecting.step(capture(42));
        assertThat(result.applied()).isFalse();
        assertThat(result.collectedStatistics()).isFalse();
        assertThat(rejecting.stateBytes()).isEqualTo(before);
        for (int t = 2; t < 4; t++) {
            StepResult a = rejecting.step(capture(t + 1));
            StepResult b = plain.step(capture(t + 1));
            for (int l = 0; l < MODEL.size(); l++) {
                assertThat(a.updates().get(l)).isEqualTo(b.updates().get(l));
            }
        }
        assertThat(rejecting.stateBytes()).isEqualTo(plain.stateBytes());
    }

    @Test
    void step_rejectedByOrdinaryStage_keepsTheStepsStatistics() {
        KroneckerOptimizer rejecting = statisticsEveryStep(true, false);
        for (int t = 0; t < 2; t++) {
            rejecting.step(capture(t + 1));
        }
        byte[] before = rejecting.stateBytes();
        assertThat(rejecting.step(capture(42)).applied()).isFalse();
        assertThat(rejecting.steps()).isEqualTo(2);
        // the factor averages absorbed the rejected batch: documented, and what the overflow guard does
        assertThat(rejecting.stateBytes()).isNotEqualTo(before);
    }

    @Test
    void step_skippedByGuard_stateBytesIdentical() {
        KroneckerOptimizer optimizer = builder().periods(1, 1).momentum(0.9).build();
        optimizer.step(capture(1));
        optimizer.step(capture(2));
        byte[] before = optimizer.stateBytes();
        ModelCapture poisoned = capture(3);
        poisoned.layer(0).gradient().putScalar(1, 2, Double.NaN);
        assertThat(optimizer.step(poisoned).applied()).isFalse();
        assertThat(optimizer.stateBytes()).isEqualTo(before);
    }

    @Test
    void step_dampingStagedByTransform_keptWhenCommitted() {
        KroneckerOptimizer optimizer = builder().damping(0.01).updateChain(setup -> {
            List<UpdateTransform> stages = new ArrayList<>();
            stages.add((updates, context) -> {
                context.setDamping(context.damping() * 2);
                return updates;
            });
            stages.addAll(KroneckerOptimizer.defaultTransforms(setup));
            return new TransformChain(stages);
        }).build();
        optimizer.step(capture(1));
        assertThat(optimizer.damping()).isEqualTo(0.02);
        KroneckerOptimizer restored = builder().build();
        restored.restore(new ByteArrayInputStream(optimizer.stateBytes()));
        assertThat(restored.damping()).isEqualTo(0.02);
    }

    /** The default chain with Adam's scaling in place of the curvature: its moments live in the store. */
    private static KroneckerOptimizer adamDriver() {
        return builder().periods(2, 3).updateChain(setup -> TransformChain.of(
                ScaleByAdam.update(setup.store(), ParameterSlot.of(setup.model()), "adam.", 0.9, 0.999, 1e-8))).build();
    }

    @Test
    void saveRestore_customChainStateIsCheckpointed() {
        KroneckerOptimizer first = adamDriver();
        for (int t = 0; t < 3; t++) {
            first.step(capture(t + 1));
        }
        assertThat(org.kron4j.api.checkpoint.StateReader.read(new ByteArrayInputStream(first.stateBytes())).keys())
                .contains("store/l0/adam.m", "store/l0/adam.v", "store/l1/adam.m", "store/l1/adam.v");
        KroneckerOptimizer second = adamDriver();
        second.restore(new ByteArrayInputStream(first.stateBytes()));
        assertThat(second.stateBytes()).isEqualTo(first.stateBytes());
        StepResult a = first.step(capture(9));
        StepResult b = second.step(capture(9));
        for (int l = 0; l < MODEL.size(); l++) {
            assertThat(b.updates().get(l)).isEqualTo(a.updates().get(l));
        }
        // a fresh optimizer, without the restored moments, would step differently
        StepResult fresh = adamDriver().step(capture(9));
        assertThat(fresh.updates().get(0)).isNotEqualTo(a.updates().get(0));
    }

    @Test
    void builder_updateChainTwice_refused() {
        assertThatThrownBy(() -> builder().updateChain(KroneckerOptimizer::defaultChain)
                .updateChain(KroneckerOptimizer::defaultChain))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("updateChain");
    }
}
