package org.kron4j.shampoo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.kron4j.api.capture.LayerCapture;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.linalg.LinearAlgebras;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.model.Loss;
import org.kron4j.api.model.ModelSpec;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.optim.OptimizerSettings;
import org.kron4j.api.optim.StepResult;
import org.kron4j.api.optim.transform.TransformChain;
import org.kron4j.api.optim.transform.UpdateTransform;
import org.kron4j.api.store.Precision;
import org.kron4j.api.store.RefreshOutcome;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Non-finite input, failing roots, checkpoints. */
class GuardsTest {
    /** A dense layer (12×9), an order-3 tensor and a vector (diagonal), all with Adam grafting state. */
    private static final ModelSpec MODEL = new ModelSpec(List.of(
            LayerSpec.dense("fc", 8, 12, true, Activation.TANH),
            LayerSpec.tensor("kernel", 3, 4, 5),
            LayerSpec.tensor("bias", 6)), false, Loss.SQUARED_ERROR);

    private final SwitchableLinearAlgebra kernels = new SwitchableLinearAlgebra(LinearAlgebras.forCurrentBackend());

    private KroneckerOptimizer.Builder builder() {
        return builder(Grafting.ADAM, 1);
    }

    private KroneckerOptimizer.Builder builder(Grafting grafting, int tInv) {
        return KroneckerOptimizer.builder(new ShampooApproximation()).model(MODEL).linearAlgebra(kernels)
                .set(ShampooApproximation.GRAFTING, grafting)
                .set(ShampooApproximation.MERGE_SMALL_DIMS, false)
                .set(ShampooApproximation.DIAGONAL_MAX_SIZE, 0)
                .periods(1, tInv);
    }

    private static ModelCapture capture(Random random) {
        List<LayerCapture> layers = new ArrayList<>();
        for (LayerSpec layer : MODEL.layers()) {
            layers.add(LayerCapture.ofGradient(Nd4j.randn(DataType.FLOAT, layer.gradientShape())
                    .addi(random.nextGaussian())));
        }
        return ModelCapture.of(4, layers);
    }

    private static ShampooBlock block(KroneckerOptimizer optimizer, int index) {
        return (ShampooBlock) optimizer.estimator().blocks().get(index);
    }

    /** Statistics and roots at step 0 only, Adam grafting; the chain's last stage rejects the first attempt of step 3. */
    private KroneckerOptimizer rejectingAtStep3(boolean reject) {
        boolean[] done = {!reject};
        return KroneckerOptimizer.builder(new ShampooApproximation()).model(MODEL).linearAlgebra(kernels)
                .set(ShampooApproximation.GRAFTING, Grafting.ADAM)
                .set(ShampooApproximation.MERGE_SMALL_DIMS, false)
                .set(ShampooApproximation.DIAGONAL_MAX_SIZE, 0)
                .set(ShampooApproximation.START_PRECONDITIONING_STEP, 0)
                .periods(100, 100)
                .updateChain(setup -> {
                    List<UpdateTransform> stages = KroneckerOptimizer.defaultTransforms(setup);
                    stages.add((updates, context) -> {
                        if (context.step() == 3 && !done[0]) {
                            done[0] = true; // the test's bookkeeping, not optimizer state
                            context.reject("rejected for the test");
                        }
                        return updates;
                    });
                    return new TransformChain(stages);
                }).build();
    }

    @Test
    void rejectedByUpdateChain_graftingStateAndStepCounterBitIdentical() {
        Nd4j.getRandom().setSeed(12);
        KroneckerOptimizer rejecting = rejectingAtStep3(true);
        KroneckerOptimizer plain = rejectingAtStep3(false);
        Random a = new Random(2);
        Random b = new Random(2);
        for (int i = 0; i < 3; i++) {
            Nd4j.getRandom().setSeed(100 + i);
            rejecting.step(capture(a));
            Nd4j.getRandom().setSeed(100 + i);
            plain.step(capture(b));
        }
        assertThat(block(rejecting, 0).isPreconditioning()).isTrue();
        byte[] before = rejecting.stateBytes();
        long blockSteps = block(rejecting, 0).steps();
        StepResult result = rejecting.step(capture(new Random(99)));
        assertThat(result.applied()).isFalse();
        assertThat(result.skipReason()).isEqualTo("rejected for the test");
        assertThat(block(rejecting, 0).steps()).isEqualTo(blockSteps);
        assertThat(rejecting.stateBytes()).isEqualTo(before);
        for (int i = 3; i < 5; i++) {
            Nd4j.getRandom().setSeed(100 + i);
            StepResult x = rejecting.step(capture(a));
            Nd4j.getRandom().setSeed(100 + i);
            StepResult y = plain.step(capture(b));
            for (int l = 0; l < MODEL.size(); l++) {
                assertThat(x.updates().get(l)).isEqualTo(y.updates().get(l));
            }
        }
        assertThat(rejecting.stateBytes()).isEqualTo(plain.stateBytes());
    }

    @Test
    void nanGradient_skipsStepAndLeavesStateBitIdentical() {
        Nd4j.getRandom().setSeed(11);
        KroneckerOptimizer optimizer = builder().set(ShampooApproximation.START_PRECONDITIONING_STEP, 0).build();
        Random random = new Random(1);
        for (int i = 0; i < 4; i++) {
            assertThat(optimizer.step(capture(random)).applied()).isTrue();
        }
        assertThat(block(optimizer, 0).isPreconditioning()).isTrue();
        byte[] before = optimizer.stateBytes();
        ModelCapture poisoned = capture(random);
        poisoned.layer(1).gradient().putScalar(new long[] {1, 2, 3}, Float.NaN);
        StepResult result = optimizer.step(poisoned);
        assertThat(result.applied()).isFalse();
        assertThat(result.skipped()).get().asString().contains("kernel");
        assertThat(optimizer.stateBytes()).isEqualTo(before);
        assertThat(optimizer.skippedSteps()).isEqualTo(1);
        assertThat(block(optimizer, 2).steps()).isEqualTo(4);

        ModelCapture infinite = capture(random);
        infinite.layer(2).gradient().putScalar(0, Float.POSITIVE_INFINITY);
        assertThat(optimizer.step(infinite).applied()).isFalse();
        assertThat(optimizer.stateBytes()).isEqualTo(before);
    }

    @Test
    void rootFailure_keepsLastGoodRoot_countsAndGivesUpAfterLimit() {
        Nd4j.getRandom().setSeed(12);
        KroneckerOptimizer optimizer = builder().set(ShampooApproximation.START_PRECONDITIONING_STEP, 0).set(ShampooApproximation.MAX_CONSECUTIVE_ROOT_FAILURES, 3).build();
        Random random = new Random(2);
        for (int i = 0; i < 3; i++) {
            optimizer.step(capture(random));
        }
        ShampooBlock dense = block(optimizer, 0);
        INDArray goodRoot = dense.root(0, 1).dup();
        long storeFailures = optimizer.store().counters().failures();

        kernels.fail(true);
        for (int failure = 1; failure <= 2; failure++) {
            StepResult result = optimizer.step(capture(random));
            assertThat(result.applied()).isTrue();
            assertThat(result.refreshed()).isTrue();
            assertThat(dense.root(0, 1)).as("the last good root is kept").isEqualTo(goodRoot);
            assertThat(dense.consecutiveRootFailures()).isEqualTo(failure);
            assertThat(dense.isPreconditioning()).isTrue();
        }
        // 2 failed refreshes × (2 dense + 3 tensor statistics), each counted by the store too.
        assertThat(dense.rootFailures()).isEqualTo(4);
        assertThat(block(optimizer, 1).rootFailures()).isEqualTo(6);
        assertThat(optimizer.store().counters().count(RefreshOutcome.KEPT_LAST_GOOD)).isEqualTo(10);
        assertThat(optimizer.store().counters().failures()).isEqualTo(storeFailures + 10);

        ch.qos.logback.classic.Logger logger =
                (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(ShampooBlock.class);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        logger.addAppender(logged);
        try {
            assertThatThrownBy(() -> optimizer.step(capture(random)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("shampoo layer 'fc'")
                    .hasMessageContaining("statistic 'b0.L0'")
                    .hasMessageContaining("3 consecutive inverse-root failures")
                    .hasMessageContaining("maxConsecutiveRootFailures=3");
        } finally {
            logger.detachAppender(logged);
        }
        assertThat(logged.list).anySatisfy(event -> {
            assertThat(event.getLevel()).isEqualTo(Level.ERROR);
            assertThat(event.getFormattedMessage()).contains("3 consecutive inverse-root failures");
        });
    }

    @Test
    void rootFailure_recovers_resetsConsecutiveCount() {
        Nd4j.getRandom().setSeed(13);
        KroneckerOptimizer optimizer = builder().set(ShampooApproximation.START_PRECONDITIONING_STEP, 0).set(ShampooApproximation.MAX_CONSECUTIVE_ROOT_FAILURES, 2).build();
        Random random = new Random(3);
        optimizer.step(capture(random));
        for (int round = 0; round < 3; round++) {
            kernels.fail(true);
            optimizer.step(capture(random));
            assertThat(block(optimizer, 0).consecutiveRootFailures()).isEqualTo(1);
            kernels.fail(false);
            optimizer.step(capture(random));
            assertThat(block(optimizer, 0).consecutiveRootFailures()).isZero();
        }
        assertThat(block(optimizer, 0).rootFailures()).isEqualTo(6);
    }

    @Test
    void noRootYet_layerTakesGraftedDirection() {
        Nd4j.getRandom().setSeed(14);
        kernels.fail(true);
        KroneckerOptimizer optimizer = builder(Grafting.SGD, 1).set(OptimizerSettings.STORAGE_PRECISION, Precision.DOUBLE)
                .set(ShampooApproximation.START_PRECONDITIONING_STEP, 0).momentum(0.0).build();
        ModelCapture capture = capture(new Random(4));
        StepResult result = optimizer.step(capture);
        assertThat(optimizer.store().counters().count(RefreshOutcome.NONE_AVAILABLE)).isEqualTo(5);
        assertThat(block(optimizer, 0).isPreconditioning()).isFalse();
        // SGD grafting without a root: the direction is the gradient itself.
        assertThat(result.directions().get(0).toDoubleMatrix())
                .isEqualTo(capture.layer(0).gradient().castTo(DataType.DOUBLE).toDoubleMatrix());
    }

    @Test
    void newtonNotConverging_countsAndGivesUp() {
        Nd4j.getRandom().setSeed(15);
        KroneckerOptimizer optimizer = builder()
                .set(ShampooApproximation.START_PRECONDITIONING_STEP, 0)
                .set(ShampooApproximation.ROOT_METHOD, RootMethod.COUPLED_NEWTON)
                .set(ShampooApproximation.NEWTON_MAX_ITERATIONS, 1)
                .set(ShampooApproximation.MAX_CONSECUTIVE_ROOT_FAILURES, 2)
                .build();
        Random random = new Random(5);
        optimizer.step(capture(random));
        assertThat(block(optimizer, 0).rootFailures()).isEqualTo(2);
        assertThat(block(optimizer, 0).isPreconditioning()).isFalse();
        assertThatThrownBy(() -> optimizer.step(capture(random)))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("2 consecutive inverse-root failures")
                .hasMessageContaining("did not converge in 1 steps");
    }

    @Test
    void checkpoint_roundTrip_continuesIdentically() {
        Nd4j.getRandom().setSeed(16);
        KroneckerOptimizer original = builder(Grafting.ADAM, 3).set(ShampooApproximation.START_PRECONDITIONING_STEP, 0).build();
        Random random = new Random(6);
        for (int i = 0; i < 5; i++) {
            original.step(capture(random));
        }
        KroneckerOptimizer restored = builder(Grafting.ADAM, 3).set(ShampooApproximation.START_PRECONDITIONING_STEP, 0).build();
        restored.restore(new ByteArrayInputStream(original.stateBytes()));
        assertThat(restored.stateBytes()).isEqualTo(original.stateBytes());
        for (int i = 0; i < 4; i++) {
            ModelCapture capture = capture(random);
            List<INDArray> a = original.step(capture).updates();
            List<INDArray> b = restored.step(capture).updates();
            for (int l = 0; l < a.size(); l++) {
                assertThat(b.get(l).dup('c').reshape(-1).toDoubleVector())
                        .isEqualTo(a.get(l).dup('c').reshape(-1).toDoubleVector());
            }
        }
    }

    @Test
    void refreshesBeforeStart_areSkipped() {
        KroneckerOptimizer optimizer = builder(Grafting.ADAM, 5)
                .set(ShampooApproximation.START_PRECONDITIONING_STEP, 12).build();
        Random random = new Random(7);
        int before = kernels.eighCalls();
        for (int i = 0; i < 10; i++) {
            optimizer.step(capture(random));
        }
        // Refreshes at steps 0 and 5 would be replaced before step 12: none ran.
        assertThat(kernels.eighCalls()).isEqualTo(before);
        assertThat(block(optimizer, 0).isPreconditioning()).isFalse();
        optimizer.step(capture(random));
        // Step 10's refresh serves step 12: 5 statistics decomposed.
        assertThat(kernels.eighCalls()).isEqualTo(before + 5);
        optimizer.step(capture(random));
        assertThat(block(optimizer, 0).isPreconditioning()).isTrue();
    }
}
