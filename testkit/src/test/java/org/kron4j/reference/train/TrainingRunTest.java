package org.kron4j.reference.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.OptionalInt;
import org.kron4j.api.BlockContext;
import org.kron4j.api.CurvatureApproximation;
import org.kron4j.api.CurvatureBlock;
import org.kron4j.api.capture.CaptureField;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.capture.StepPlan;
import org.kron4j.api.capture.TargetSource;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.Loss;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.optim.OptimizerSettings;
import org.kron4j.api.support.PassThroughBlock;
import org.kron4j.reference.data.Dataset;
import org.kron4j.reference.data.Datasets;
import org.kron4j.reference.mlp.ReferenceMlp;
import org.kron4j.testkit.baseline.Adam;
import org.kron4j.testkit.baseline.SgdMomentum;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The training loop: determinism, bookkeeping, plumbing of plans, and the steps-to-target measure. */
class TrainingRunTest {

    private static ReferenceMlp irisNet(DataType type) {
        return new ReferenceMlp(new int[] {4, 16, 3}, Activation.TANH, Loss.SOFTMAX_CROSS_ENTROPY, type, 17);
    }

    @Test
    void stepsToReach_usesTheFirstFullWindow() {
        double[] losses = {5, 4, 3, 2, 1, 1, 1};
        // windows of 3: means 4, 3, 2, 1.33, 1 after steps 3…7
        assertThat(TrainingResult.stepsToReach(losses, 3.0, 3)).isEqualTo(OptionalInt.of(4));
        assertThat(TrainingResult.stepsToReach(losses, 4.0, 3)).isEqualTo(OptionalInt.of(3));
        assertThat(TrainingResult.stepsToReach(losses, 0.5, 3)).isEmpty();
        assertThat(TrainingResult.stepsToReach(losses, 100, 10)).isEmpty(); // window never fills
        assertThat(TrainingResult.stepsToReach(new double[] {Double.NaN, 0, 0}, 1, 2)).isEqualTo(OptionalInt.of(3));
        assertThat(TrainingResult.stepsToReach(losses, 5, 1)).isEqualTo(OptionalInt.of(1));
    }

    @Test
    void run_isDeterministicAndReducesIrisLoss() {
        Dataset iris = Datasets.iris().standardize();
        TrainingRun run = TrainingRun.on(iris).batchSize(16).maxSteps(300).seed(3).targetLoss(0.3).build();
        ReferenceMlp initial = irisNet(DataType.FLOAT);
        TrainingResult a = run.run(initial.copy(), new SgdMomentum(0.05, 0.9));
        TrainingResult b = run.run(initial.copy(), new SgdMomentum(0.05, 0.9));
        assertThat(a.losses()).containsExactly(b.losses());
        assertThat(a.steps()).isEqualTo(300);
        assertThat(a.skippedSteps()).isZero();
        assertThat(a.diverged()).isFalse();
        assertThat(a.wallNanos()).isPositive();
        // Iris is nearly separable: SGD with momentum brings the batch loss from ln 3 ≈ 1.1 to well
        // below 0.3 in 300 steps (observed ≈ 0.1); the target asserts learning, not a benchmark.
        assertThat(a.loss(0)).isGreaterThan(0.6);
        assertThat(a.finalMovingMean()).isLessThan(0.3);
        assertThat(a.stepsToTarget()).isPresent();
        ReferenceMlp trained = initial.copy();
        run.run(trained, new Adam(0.01));
        assertThat(trained.accuracy(iris.features(), iris.oneHot())).isGreaterThan(0.9);
    }

    @Test
    void run_stopsAtTargetCountsSkipsAndCallsObserver() {
        Dataset iris = Datasets.iris().standardize();
        List<Integer> seen = new ArrayList<>();
        TrainingRun run = TrainingRun.on(iris).batchSize(32).maxSteps(500).seed(1).targetLoss(0.5).stopAtTarget(true)
                .observer((step, loss, applied, model) -> seen.add(step)).build();
        TrainingResult result = run.run(irisNet(DataType.DOUBLE), new SgdMomentum(0.1, 0.9));
        assertThat(result.stepsToTarget()).hasValue(result.steps());
        assertThat(seen).hasSize(result.steps());
        assertThat(seen.get(0)).isEqualTo(1);

        ReferenceMlp frozen = irisNet(DataType.DOUBLE);
        List<INDArray> before = frozen.copyParameters();
        TrainingResult skipped = TrainingRun.on(iris).batchSize(8).maxSteps(5).build().run(frozen, capture -> List.of());
        assertThat(skipped.skippedSteps()).isEqualTo(5);
        for (int l = 0; l < before.size(); l++) {
            assertThat(frozen.parameters().get(l).equals(before.get(l))).isTrue();
        }
        assertThatThrownBy(() -> TrainingRun.on(iris).stopAtTarget(true).build()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void run_handsTheStepFunctionExactlyItsPlannedFields() {
        Dataset wine = Datasets.wine().standardize();
        EnumSet<CaptureField> fields = EnumSet.of(CaptureField.LAYER_INPUTS, CaptureField.OUTPUT_GRADIENTS,
                CaptureField.OUTPUT_HESSIAN);
        List<ModelCapture> captures = new ArrayList<>();
        StepFunction probe = new StepFunction() {
            @Override
            public List<INDArray> step(ModelCapture capture) {
                captures.add(capture);
                return List.of();
            }

            @Override
            public StepPlan plan() {
                return new StepPlan(captures.size(), fields, TargetSource.MC_FISHER);
            }
        };
        ReferenceMlp mlp = new ReferenceMlp(new int[] {13, 8, 3}, Activation.RELU, Loss.SOFTMAX_CROSS_ENTROPY,
                DataType.FLOAT, 2);
        TrainingRun.on(wine).batchSize(10).maxSteps(3).build().run(mlp, probe);
        assertThat(captures).hasSize(3);
        for (ModelCapture capture : captures) {
            assertThat(capture.batchSize()).isEqualTo(10);
            assertThat(capture.outputHessian()).isNotNull();
            assertThat(capture.layer(0).fields().keySet()).containsExactlyInAnyOrder(CaptureField.GRADIENT,
                    CaptureField.LAYER_INPUTS, CaptureField.OUTPUT_GRADIENTS);
            assertThat(capture.layer(1).require(CaptureField.OUTPUT_GRADIENTS).shape()).containsExactly(10, 3);
        }
    }

    /** An identity-preconditioner variant: the driver's plain (momentum) gradient steps. */
    private static final class IdentityVariant implements CurvatureApproximation {
        @Override
        public String name() {
            return "identity";
        }

        @Override
        public CurvatureBlock createBlock(BlockContext context) {
            return new PassThroughBlock(context.layer());
        }
    }

    @Test
    void stepFunctionOfKroneckerOptimizer_withIdentityVariantMatchesSgdMomentum() {
        // With the identity preconditioner, no KL clipping and no weight decay the kron4j driver is
        // heavy-ball SGD: the two runs see the same batches, so their losses agree up to float
        // rounding of the (differently ordered) update arithmetic: 1e-5 on losses of order 1.
        Dataset iris = Datasets.iris().standardize();
        ReferenceMlp initial = irisNet(DataType.FLOAT);
        KroneckerOptimizer optimizer = KroneckerOptimizer.builder(new IdentityVariant()).model(initial.modelSpec())
                .learningRate(0.05).momentum(0.9).set(OptimizerSettings.KL_CLIP, 0.0).build();
        TrainingRun run = TrainingRun.on(iris).batchSize(16).maxSteps(50).seed(9).build();
        TrainingResult viaKron4j = run.run(initial.copy(), StepFunction.of(optimizer));
        TrainingResult viaBaseline = run.run(initial.copy(), new SgdMomentum(0.05, 0.9));
        assertThat(viaKron4j.name()).isEqualTo("identity");
        assertThat(viaKron4j.skippedSteps()).isZero();
        for (int t = 0; t < 50; t++) {
            assertThat(viaKron4j.loss(t)).as("step %d", t)
                    .isCloseTo(viaBaseline.loss(t), org.assertj.core.data.Offset.offset(1e-5));
        }
    }
}
