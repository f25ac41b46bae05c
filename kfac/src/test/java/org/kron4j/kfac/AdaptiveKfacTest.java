package org.kron4j.kfac;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleBinaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kron4j.api.capture.BatchOracle;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.capture.TargetSource;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.Loss;
import org.kron4j.api.optim.DampingMode;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.optim.OptimizerSettings;
import org.kron4j.api.optim.StepDiagnostics;
import org.kron4j.api.optim.StepResult;
import org.kron4j.api.store.Precision;
import org.kron4j.reference.exact.DoubleMatrices;
import org.kron4j.reference.exact.ExactCurvature;
import org.kron4j.reference.mlp.ReferenceMlp;
import org.kron4j.testkit.oracle.DenseMatrices;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Adaptive K-FAC (issue 17, tests 2, 3 and 5) on the reference engine in float64: the learning rate and
 * momentum against the closed-form minimiser of the dense quadratic model, the step on a quadratic
 * objective, the Levenberg-Marquardt rule inside the driver (shrink, grow, bounds, rejection) and
 * checkpoint/resume with the adaptive state.
 */
class AdaptiveKfacTest {

    private static INDArray inputs(int batch, int n, long seed) {
        Nd4j.getRandom().setSeed(seed);
        return Nd4j.randn(DataType.DOUBLE, batch, n);
    }

    private static INDArray oneHot(int batch, int k) {
        INDArray y = Nd4j.zeros(DataType.DOUBLE, batch, k);
        for (int i = 0; i < batch; i++) {
            y.putScalar(i, (i * 7 + 1) % k, 1.0);
        }
        return y;
    }

    /** The model's vector as one column-major vector, the layout of {@link ExactCurvature}. */
    private static double[] flatten(List<INDArray> layers) {
        List<double[]> parts = new ArrayList<>();
        int total = 0;
        for (INDArray layer : layers) {
            double[] part = DoubleMatrices.vec(DenseMatrices.toDoubleArray(layer));
            parts.add(part);
            total += part.length;
        }
        double[] out = new double[total];
        int offset = 0;
        for (double[] part : parts) {
            System.arraycopy(part, 0, out, offset, part.length);
            offset += part.length;
        }
        return out;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /**
     * |(∇h(θ+δ) + λδ)ᵀv| / (‖∇h(θ+δ)‖ ‖v‖): zero when δ is stationary for the model damped by λ along v
     * (on a quadratic h, ∇h(θ+δ) is the model's gradient).
     */
    private static double stationarity(double[] gradientAfter, double lambda, double[] update, double[] v) {
        double[] residual = new double[update.length];
        for (int i = 0; i < update.length; i++) {
            residual[i] = gradientAfter[i] + lambda * update[i];
        }
        return Math.abs(dot(residual, v)) / (Math.sqrt(dot(gradientAfter, gradientAfter) + 1e-30)
                * Math.sqrt(dot(v, v)));
    }

    private static double quad(double[] a, double[][] c, double[] b) {
        return dot(a, DoubleMatrices.multiply(c, b));
    }

    private static KroneckerOptimizer.Builder adaptive(ReferenceMlp mlp) {
        return KroneckerOptimizer.builder(new KfacApproximation()).model(mlp.modelSpec())
                .set(OptimizerSettings.STORAGE_PRECISION, Precision.DOUBLE)
                .set(OptimizerSettings.DAMPING_MODE, DampingMode.EIGEN);
    }

    @Test
    void alphaAndMu_equalTheClosedFormMinimiserOfTheDenseQuadraticModel() {
        ReferenceMlp mlp = ReferenceMlp.builder(4, 5, 3).hidden(Activation.TANH).loss(Loss.SOFTMAX_CROSS_ENTROPY)
                .dataType(DataType.DOUBLE).seed(3).build();
        INDArray x = inputs(8, 4, 5);
        INDArray y = oneHot(8, 3);
        KroneckerOptimizer optimizer = adaptive(mlp).set(OptimizerSettings.TARGETS, TargetSource.EXACT)
                .damping(0.1).periods(1, 1).set(OptimizerSettings.DAMPING_INTERVAL, 1000).build();
        double[] previous = null;
        for (int step = 0; step < 3; step++) {
            ExactCurvature exact = ExactCurvature.of(mlp, x.toDoubleMatrix(), y.toDoubleMatrix());
            double[][] c = exact.fisher();
            double[] g = exact.meanGradient();
            StepResult result = optimizer.step(mlp.capture(x, y, optimizer.plan(), null));
            assertThat(result.applied()).isTrue();
            StepDiagnostics d = result.diagnostics();
            double lambda = d.damping();
            assertThat(lambda).isEqualTo(0.1);
            double[] direction = flatten(result.directions());
            double[] update = flatten(result.updates());

            // Δ is the damped K-FAC matrix's solve: (K_l + λI) Δ_l = g_l per block (eigen damping is exact)
            for (int l = 0; l < mlp.layerCount(); l++) {
                double[][] k = DenseMatrices.toDoubleArray(
                        optimizer.estimator().blocks().get(l).curvatureMatrix().orElseThrow());
                double[] delta = DoubleMatrices.vec(DenseMatrices.toDoubleArray(result.directions().get(l)));
                double[] gl = DoubleMatrices.vec(exact.layerGradient(l));
                double[] residual = DoubleMatrices.multiply(k, delta);
                double worst = 0;
                double scale = 0;
                for (int i = 0; i < gl.length; i++) {
                    worst = Math.max(worst, Math.abs(residual[i] + lambda * delta[i] - gl[i]));
                    scale = Math.max(scale, Math.abs(gl[i]));
                }
                // a solve of a well-conditioned (λ = 0.1) system in float64: residual at rounding level
                assertThat(worst / scale).as("layer %d", l).isLessThan(1e-9);
            }

            double alpha;
            double mu;
            if (step == 0) {
                alpha = dot(g, direction) / (quad(direction, c, direction) + lambda * dot(direction, direction));
                mu = 0;
            } else {
                double a = quad(direction, c, direction) + lambda * dot(direction, direction);
                double b = quad(direction, c, previous) + lambda * dot(direction, previous);
                double e = quad(previous, c, previous) + lambda * dot(previous, previous);
                double gd = dot(g, direction);
                double gp = dot(g, previous);
                double det = a * e - b * b;
                // minimise ½wᵀ(K+λG)w + bᵀw over w = (−α, μ): w = −(K+λG)⁻¹(gᵀΔ, gᵀδ₀)
                double w0 = -(e * gd - b * gp) / det;
                double w1 = -(a * gp - b * gd) / det;
                alpha = -w0;
                mu = w1;
            }
            // both sides are float64 sums of the same products (the oracle's R-op vs the dense GGN): 1e-9 relative
            assertThat(d.learningRate()).as("α at step %d", step).isCloseTo(alpha, within(1e-9 * Math.abs(alpha)));
            assertThat(d.momentum()).as("μ at step %d", step).isCloseTo(mu, within(1e-9 * Math.max(1e-3, Math.abs(mu))));
            assertThat(alpha).isPositive();
            for (int i = 0; i < update.length; i++) {
                double expected = -alpha * direction[i] + (previous == null ? 0 : mu * previous[i]);
                assertThat(update[i]).isCloseTo(expected, within(1e-9 * Math.max(1e-12, Math.abs(expected))));
            }
            mlp.addToParameters(result.updates());
            previous = update;
        }
    }

    @Test
    void quadraticObjective_stepIsTheMinimiserAlongItsTwoDirections_andRhoIsOne() {
        // one linear layer with squared error: h is exactly quadratic and its Gauss-Newton is its Hessian
        ReferenceMlp mlp = ReferenceMlp.builder(4, 3).loss(Loss.SQUARED_ERROR).dataType(DataType.DOUBLE).seed(7)
                .build();
        INDArray x = inputs(10, 4, 9);
        INDArray y = inputs(10, 3, 10);
        double damping = 0.05;
        KroneckerOptimizer optimizer = adaptive(mlp).set(OptimizerSettings.TARGETS, TargetSource.EXACT)
                .damping(damping).periods(1, 1).set(OptimizerSettings.DAMPING_INTERVAL, 1).build();
        double[] previous = null;
        for (int step = 0; step < 4; step++) {
            double lambda = optimizer.damping();
            StepResult result = optimizer.step(mlp.capture(x, y, optimizer.plan(), null));
            assertThat(result.applied()).isTrue();
            double[] direction = flatten(result.directions());
            double[] update = flatten(result.updates());
            mlp.addToParameters(result.updates());
            double[] gradientAfter = flatten(mlp.gradients(x, y));
            // stationarity of the damped model on the plane: (∇h(θ+δ) + λδ) ⟂ Δ and δ₀
            assertThat(stationarity(gradientAfter, lambda, update, direction)).as("step %d along Δ", step)
                    .isLessThan(1e-9);
            if (previous != null) {
                assertThat(stationarity(gradientAfter, lambda, update, previous)).as("step %d along δ₀", step)
                        .isLessThan(1e-9);
            }
            // the model is exact: ρ = 1, so λ shrinks by ω = 0.95 at every adaptation (interval 1)
            assertThat(result.diagnostics().reductionRatio()).isCloseTo(1.0, within(1e-9));
            assertThat(optimizer.damping()).isEqualTo(lambda * 0.95);
            previous = update;
        }
    }

    /** The capture with the oracle's loss at the candidate replaced (to force a reduction ratio). */
    private static ModelCapture withLossAt(ModelCapture capture, DoubleBinaryOperator lossAt) {
        BatchOracle real = capture.requireOracle();
        return capture.withOracle(new BatchOracle() {
            @Override
            public int batchSize() {
                return real.batchSize();
            }

            @Override
            public double loss() {
                return real.loss();
            }

            @Override
            public double lossAt(List<INDArray> delta) {
                return lossAt.applyAsDouble(real.loss(), real.lossAt(delta));
            }

            @Override
            public List<INDArray> gaussNewtonTimes(List<INDArray> vector) {
                return real.gaussNewtonTimes(vector);
            }

            @Override
            public double[][] gaussNewtonGram(List<List<INDArray>> vectors) {
                return real.gaussNewtonGram(vectors);
            }
        });
    }

    private static ReferenceMlp tanhNet() {
        return ReferenceMlp.builder(4, 6, 3).hidden(Activation.TANH).loss(Loss.SOFTMAX_CROSS_ENTROPY)
                .dataType(DataType.DOUBLE).seed(21).build();
    }

    @Test
    void levenbergMarquardt_badPredictionGrowsDamping_boundsHold() {
        ReferenceMlp mlp = tanhNet();
        INDArray x = inputs(8, 4, 1);
        INDArray y = oneHot(8, 3);
        KroneckerOptimizer optimizer = adaptive(mlp).damping(0.2).periods(1, 1)
                .set(OptimizerSettings.DAMPING_INTERVAL, 1).set(OptimizerSettings.MAX_DAMPING, 0.25).build();
        // the loss "does not change": ρ = 0 < 1/4, λ ← λ/0.95 (0.2 → 0.2105 → … → 0.2455), then capped at 0.25
        double[] expected = {0.2 / 0.95, 0.2 / 0.95 / 0.95, 0.2 / 0.95 / 0.95 / 0.95, 0.2 / 0.95 / 0.95 / 0.95 / 0.95,
            0.25, 0.25};
        for (double value : expected) {
            StepResult result = optimizer.step(withLossAt(mlp.capture(x, y, optimizer.plan(), null), (h, at) -> h));
            assertThat(result.applied()).isTrue();
            assertThat(result.diagnostics().reductionRatio()).isEqualTo(0.0);
            assertThat(optimizer.damping()).isEqualTo(value);
            mlp.addToParameters(result.updates());
        }
    }

    @Test
    void levenbergMarquardt_goodPredictionShrinksDamping_lowerBoundHolds_onlyEveryIntervalSteps() {
        ReferenceMlp mlp = ReferenceMlp.builder(4, 3).loss(Loss.SQUARED_ERROR).dataType(DataType.DOUBLE).seed(7)
                .build();
        INDArray x = inputs(10, 4, 9);
        INDArray y = inputs(10, 3, 10);
        // guardSteps = 0: ρ is evaluated on the adaptation steps only
        KroneckerOptimizer optimizer = adaptive(mlp).damping(1.0).periods(1, 1).set(OptimizerSettings.GUARD_STEPS, 0)
                .set(OptimizerSettings.DAMPING_INTERVAL, 2).set(OptimizerSettings.MIN_DAMPING, 0.85).build();
        double omega = 0.95 * 0.95;
        double[] expected = {1.0, omega, omega, 0.85, 0.85, 0.85};
        for (int step = 0; step < expected.length; step++) {
            StepResult result = optimizer.step(mlp.capture(x, y, optimizer.plan(), null));
            assertThat(result.applied()).isTrue();
            // ρ is reported on the adaptation steps (indices 1, 3, 5) only
            assertThat(Double.isNaN(result.diagnostics().reductionRatio())).isEqualTo(step % 2 == 0);
            assertThat(optimizer.damping()).as("after step %d", step).isEqualTo(expected[step]);
            mlp.addToParameters(result.updates());
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 10})
    void rejectedStep_leavesEveryByteOfStateAsBefore_exceptTheDampingIncrease(int tCov) {
        ReferenceMlp mlp = tanhNet();
        INDArray x = inputs(8, 4, 2);
        INDArray y = oneHot(8, 3);
        // no retries: a failing step is rejected at once and λ grows by the paper's 1/ω
        KroneckerOptimizer optimizer = adaptive(mlp).damping(0.3).periods(tCov, tCov)
                .set(OptimizerSettings.STEP_RETRIES, 0)
                .set(OptimizerSettings.DAMPING_INTERVAL, 2).set(OptimizerSettings.REJECTION_THRESHOLD, 0.5).build();
        for (int step = 0; step < 3; step++) { // steps 0..2 applied (step 1 adapts with the true loss)
            StepResult result = optimizer.step(mlp.capture(x, y, optimizer.plan(), null));
            assertThat(result.applied()).isTrue();
            mlp.addToParameters(result.updates());
        }
        // step 3 adapts; with tCov = 10 it is neither a statistics nor a refresh step, with tCov = 1 both
        double lambda = optimizer.damping();
        byte[] before = optimizer.stateBytes();
        StepResult rejected = optimizer.step(withLossAt(mlp.capture(x, y, optimizer.plan(), null),
                (h, at) -> 2 * Math.abs(h) + 1));
        assertThat(rejected.applied()).isFalse();
        assertThat(rejected.skipReason()).contains("rejected");
        assertThat(rejected.diagnostics().damping()).isEqualTo(lambda); // the λ this step used
        assertThat(rejected.diagnostics().reductionRatio()).isNegative();
        assertThat(rejected.diagnostics().loss()).isFinite();
        assertThat(optimizer.steps()).isEqualTo(3);
        assertThat(optimizer.damping()).isEqualTo(lambda / (0.95 * 0.95));
        optimizer.setDamping(lambda);
        assertThat(optimizer.stateBytes()).isEqualTo(before);
        // and the next step is the same adaptation step again, now accepted
        optimizer.setDamping(lambda / (0.95 * 0.95));
        StepResult next = optimizer.step(mlp.capture(x, y, optimizer.plan(), null));
        assertThat(next.applied()).isTrue();
        assertThat(next.step()).isEqualTo(3);
    }

    /** The squared-error linear model of the quadratic-objective test: h is its own quadratic model. */
    private static ReferenceMlp linearModel() {
        return ReferenceMlp.builder(4, 3).loss(Loss.SQUARED_ERROR).dataType(DataType.DOUBLE).seed(7).build();
    }

    /** A capture whose oracle reports a loss rise for its first {@code failures} evaluations at a candidate. */
    private static ModelCapture failingFirst(ModelCapture capture, int failures, int[] calls) {
        return withLossAt(capture, (h, at) -> calls[0]++ < failures ? h + 1 : at);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3})
    void failingGuardedStep_isReSolvedOnItsPlaneAtGrowingDamping_theDampedModelsMinimiser(int failures) {
        ReferenceMlp mlp = linearModel();
        INDArray x = inputs(10, 4, 9);
        INDArray y = inputs(10, 3, 10);
        double damping = 0.05;
        KroneckerOptimizer optimizer = adaptive(mlp).set(OptimizerSettings.TARGETS, TargetSource.EXACT)
                .damping(damping).periods(1, 1).build(); // interval 5: steps 0 and 1 are guard steps only
        double[] previous = null;
        for (int step = 0; step < 2; step++) {
            int[] calls = {0};
            double lambda = optimizer.damping();
            StepResult result = optimizer.step(failingFirst(mlp.capture(x, y, optimizer.plan(), null),
                    step == 1 ? failures : 0, calls));
            assertThat(result.applied()).isTrue();
            // retries r = 1..failures multiply λ by 2^r (ν doubling): λ·2^(f(f+1)/2); one forward pass each
            double resolved = step == 1 ? lambda * Math.pow(2, failures * (failures + 1) / 2.0) : lambda;
            assertThat(calls[0]).isEqualTo(step == 1 ? failures + 1 : 1);
            assertThat(optimizer.damping()).isEqualTo(resolved);
            double[] direction = flatten(result.directions());
            double[] update = flatten(result.updates());
            mlp.addToParameters(result.updates());
            double[] gradientAfter = flatten(mlp.gradients(x, y));
            // the applied δ minimises the model damped by the re-solved λ on the plane of Δ and δ₀ (the same
            // plane: Δ is the one preconditioned at the step's λ): (∇h(θ+δ) + λ'δ) ⟂ Δ and δ₀. h is quadratic,
            // so ∇h(θ+δ) is the model's gradient; float64 sums of ~40 products: 1e-9 relative
            assertThat(stationarity(gradientAfter, resolved, update, direction)).as("step %d along Δ", step)
                    .isLessThan(1e-9);
            if (previous != null) {
                assertThat(stationarity(gradientAfter, resolved, update, previous)).as("step %d along δ₀", step)
                        .isLessThan(1e-9);
            }
            previous = update;
        }
        // the re-solved δ (not the first one) is the δ₀ of the next step: its model uses the applied update
        int[] calls = {0};
        StepResult next = optimizer.step(failingFirst(mlp.capture(x, y, optimizer.plan(), null), 0, calls));
        mlp.addToParameters(next.updates());
        assertThat(stationarity(flatten(mlp.gradients(x, y)), next.diagnostics().damping(), flatten(next.updates()),
                previous)).isLessThan(1e-9);
    }

    @Test
    void guardedStepStillFailingAfterItsRetries_isRejected_stateBitIdentical_dampingGoesOnGrowing() {
        ReferenceMlp mlp = tanhNet();
        INDArray x = inputs(8, 4, 2);
        INDArray y = oneHot(8, 3);
        KroneckerOptimizer optimizer = adaptive(mlp).damping(0.3).periods(1, 1)
                .set(OptimizerSettings.STEP_RETRIES, 3).build();
        byte[] before = optimizer.stateBytes();
        int[] calls = {0};
        StepResult rejected = optimizer.step(failingFirst(mlp.capture(x, y, optimizer.plan(), null), 100, calls));
        assertThat(rejected.applied()).isFalse();
        assertThat(rejected.skipReason()).contains("rejected").contains("after 3 retries");
        assertThat(calls[0]).isEqualTo(4);
        assertThat(optimizer.steps()).isZero();
        // retries at 0.3·2, ·2·4, ·2·4·8; the kept λ is the sequence's next value, 0.3·2^(1+2+3+4)
        assertThat(optimizer.damping()).isEqualTo(0.3 * Math.pow(2, 10));
        optimizer.setDamping(0.3);
        assertThat(optimizer.stateBytes()).isEqualTo(before);
    }

    /** Steps with every candidate's loss reported {@code rise}·|h(θ)| above h(θ). */
    private static int[] evaluationsPerStep(ReferenceMlp mlp, KroneckerOptimizer optimizer, double rise,
            boolean[] applied) {
        INDArray x = inputs(10, 4, 9);
        INDArray y = inputs(10, 3, 10);
        int[] evaluations = new int[applied.length];
        for (int step = 0; step < applied.length; step++) {
            int current = step;
            StepResult result = optimizer.step(withLossAt(mlp.capture(x, y, optimizer.plan(), null), (h, at) -> {
                evaluations[current]++;
                return h + rise * Math.abs(h);
            }));
            applied[step] = result.applied();
            if (result.applied()) {
                mlp.addToParameters(result.updates());
            }
        }
        return evaluations;
    }

    @Test
    void guardStepsRefuseAnyRise_laterOnlyAdaptationStepsAreChecked_withTheRejectionThreshold() {
        ReferenceMlp guarded = linearModel();
        boolean[] applied = new boolean[1];
        int[] evaluations = evaluationsPerStep(guarded, adaptive(guarded).damping(0.05).periods(1, 1)
                .set(OptimizerSettings.GUARD_STEPS, 2).set(OptimizerSettings.DAMPING_INTERVAL, 3).build(), 0.01,
                applied);
        // a 1 % rise is below rejectionThreshold (0.5), but a guard step accepts no rise: the first evaluation and stepRetries (6) re-solves, then it is rejected
        assertThat(applied).containsExactly(false);
        assertThat(evaluations).containsExactly(7);

        ReferenceMlp unguarded = linearModel();
        applied = new boolean[7];
        evaluations = evaluationsPerStep(unguarded, adaptive(unguarded).damping(0.05).periods(1, 1)
                .set(OptimizerSettings.GUARD_STEPS, 0).set(OptimizerSettings.DAMPING_INTERVAL, 3).build(), 0.01,
                applied);
        // without guard steps the loss at θ+δ is evaluated on the adaptation steps only ((t + 1) mod 3 = 0),
        // where a 1 % rise is within the threshold: every step applied
        assertThat(applied).containsOnly(true);
        assertThat(evaluations).containsExactly(0, 0, 1, 0, 0, 1, 0);

        // a rise at float32 rounding level (1e-8 relative, below the guard's 1e-6) is no rise: accepted at once
        ReferenceMlp rounding = linearModel();
        applied = new boolean[2];
        evaluations = evaluationsPerStep(rounding, adaptive(rounding).damping(0.05).periods(1, 1).build(), 1e-8,
                applied);
        assertThat(applied).containsOnly(true);
        assertThat(evaluations).containsExactly(1, 1);
    }

    @Test
    void saveAndRestoreMidRun_reproducesTheUninterruptedRunBitForBit() {
        INDArray x = inputs(24, 4, 4);
        INDArray y = oneHot(24, 3);
        int steps = 14;
        int split = 7;
        ReferenceMlp whole = tanhNet();
        KroneckerOptimizer uninterrupted = adaptive(whole).set(OptimizerSettings.TARGETS, TargetSource.EMPIRICAL)
                .set(OptimizerSettings.T_COV, 2).build();
        for (int step = 0; step < steps; step++) {
            train(whole, uninterrupted, x, y, step);
        }

        ReferenceMlp first = tanhNet();
        KroneckerOptimizer before = adaptive(first).set(OptimizerSettings.TARGETS, TargetSource.EMPIRICAL)
                .set(OptimizerSettings.T_COV, 2).build();
        for (int step = 0; step < split; step++) {
            train(first, before, x, y, step);
        }
        byte[] saved = before.stateBytes();
        ReferenceMlp second = tanhNet();
        second.setParameters(first.copyParameters());
        KroneckerOptimizer after = adaptive(second).set(OptimizerSettings.TARGETS, TargetSource.EMPIRICAL)
                .set(OptimizerSettings.T_COV, 2).build();
        after.restore(new ByteArrayInputStream(saved));
        for (int step = split; step < steps; step++) {
            train(second, after, x, y, step);
        }
        assertThat(after.stateBytes()).isEqualTo(uninterrupted.stateBytes());
        assertThat(after.damping()).isNotEqualTo(1e-3); // the damping did adapt
        for (int l = 0; l < whole.layerCount(); l++) {
            assertThat(second.parameters().get(l).data().asDouble())
                    .isEqualTo(whole.parameters().get(l).data().asDouble());
        }
    }

    @Test
    void adaptiveOff_isTheFixedChainBitForBit() {
        INDArray x = inputs(24, 4, 6);
        INDArray y = oneHot(24, 3);
        ReferenceMlp a = tanhNet();
        KroneckerOptimizer off = adaptive(a).adaptive(false).set(OptimizerSettings.TARGETS, TargetSource.EMPIRICAL).learningRate(0.3).momentum(0.8).damping(0.05)
                .set(OptimizerSettings.WEIGHT_DECAY, 1e-3).periods(2, 4).build();
        ReferenceMlp b = tanhNet();
        // the driver's chain before adaptive K-FAC existed, built by hand
        KroneckerOptimizer handBuilt = adaptive(b).adaptive(false).set(OptimizerSettings.TARGETS, TargetSource.EMPIRICAL).learningRate(0.3).momentum(0.8).damping(0.05)
                .set(OptimizerSettings.WEIGHT_DECAY, 1e-3).periods(2, 4)
                .updateChain(setup -> org.kron4j.api.optim.transform.TransformChain.of(
                        new org.kron4j.api.optim.transform.AddWeightDecay(1e-3),
                        new org.kron4j.api.optim.transform.PreconditionByCurvature(),
                        new org.kron4j.api.optim.transform.ClipByKl(1e-3),
                        new org.kron4j.api.optim.transform.RecordDirections(),
                        new org.kron4j.api.optim.transform.HeavyBallMomentum(setup.store(),
                                org.kron4j.api.optim.transform.ParameterSlot.of(setup.model()), "momentum", 0.8),
                        new org.kron4j.api.optim.transform.ScaleByLearningRate()))
                .build();
        assertThat(off.updateChain().toString()).isEqualTo(handBuilt.updateChain().toString());
        for (int step = 0; step < 9; step++) {
            train(a, off, x, y, step);
            train(b, handBuilt, x, y, step);
        }
        assertThat(off.stateBytes()).isEqualTo(handBuilt.stateBytes());
        for (int l = 0; l < a.layerCount(); l++) {
            assertThat(a.parameters().get(l).data().asDouble()).isEqualTo(b.parameters().get(l).data().asDouble());
        }
    }

    private static void train(ReferenceMlp mlp, KroneckerOptimizer optimizer, INDArray x, INDArray y, int step) {
        int from = (step % 3) * 8;
        INDArray bx = x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, from + 8),
                org.nd4j.linalg.indexing.NDArrayIndex.all()).dup();
        INDArray by = y.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, from + 8),
                org.nd4j.linalg.indexing.NDArrayIndex.all()).dup();
        StepResult result = optimizer.step(mlp.capture(bx, by, optimizer.plan(), null));
        if (result.applied()) {
            mlp.addToParameters(result.updates());
        }
    }
}
