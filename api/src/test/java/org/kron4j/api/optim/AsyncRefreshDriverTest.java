package org.kron4j.api.optim;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.kron4j.api.BlockContext;
import org.kron4j.api.BlockStatistics;
import org.kron4j.api.CurvatureApproximation;
import org.kron4j.api.CurvatureBlock;
import org.kron4j.api.capture.CaptureField;
import org.kron4j.api.capture.LayerCapture;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.model.Loss;
import org.kron4j.api.model.ModelSpec;
import org.kron4j.api.refresh.RefreshJob;
import org.kron4j.api.refresh.RefreshResult;
import org.kron4j.api.store.Precision;
import org.kron4j.api.store.RefreshOutcome;
import org.kron4j.api.store.StateArray;
import org.kron4j.api.testing.InputFactorApproximation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The driver's asynchronous refresh with a stamped variant: each block's "decomposition" is the
 * number of batches its averages held when the refresh was prepared (its version), computed in the
 * background behind random delays and swapped in at install. Every step must see one version in
 * every block (never some blocks swapped and others not), an array of one value (never half
 * written), and a version at most one refresh behind the synchronous schedule.
 */
class AsyncRefreshDriverTest {
    private static final int B = 2;
    private static final int WIDTH = 16;
    private static final ModelSpec MODEL = ModelSpec.sequential(Loss.SQUARED_ERROR,
            LayerSpec.dense("l0", 3, 2, true, Activation.TANH),
            LayerSpec.dense("l1", 2, 2, true, Activation.TANH),
            LayerSpec.dense("l2", 2, 2, true, Activation.IDENTITY));

    /** Blocks whose refresh publishes the count of absorbed batches; directions are filled with the stamp in use. */
    private static final class Stamped implements CurvatureApproximation {
        @Override
        public String name() {
            return "stamped";
        }

        @Override
        public CurvatureBlock createBlock(BlockContext context) {
            LayerSpec layer = context.layer();
            StateArray absorbed = context.store().array(layer.name(), "absorbed", 1);
            StateArray stamp = context.store().array(layer.name(), "stamp", WIDTH);
            return new CurvatureBlock() {
                @Override
                public LayerSpec layer() {
                    return layer;
                }

                @Override
                public Set<CaptureField> statisticsFields() {
                    return Set.of();
                }

                @Override
                public BlockStatistics collect(LayerCapture capture, int batchSize) {
                    return BlockStatistics.of(batchSize, Map.of("n", Nd4j.ones(DataType.DOUBLE, 1)));
                }

                @Override
                public void absorb(BlockStatistics statistics) {
                    absorbed.value().addi(1);
                }

                @Override
                public void refresh(double damping) {
                    install(prepareRefresh(damping).compute());
                }

                @Override
                public RefreshJob prepareRefresh(double damping) {
                    double version = absorbed.value().getDouble(0);
                    String name = layer.name();
                    return new RefreshJob() {
                        @Override
                        public String block() {
                            return name;
                        }

                        @Override
                        public RefreshResult compute() {
                            return RefreshResult.builder(name).scalar("version", version)
                                    .array("stamp", Nd4j.valueArrayOf(new long[] {WIDTH}, version, DataType.DOUBLE))
                                    .build();
                        }
                    };
                }

                @Override
                public void install(RefreshResult result) {
                    stamp.assign(result.array("stamp").orElseThrow());
                }

                @Override
                public INDArray precondition(INDArray gradient, double damping) {
                    INDArray in = stamp.value();
                    double first = in.getDouble(0);
                    double spread = in.maxNumber().doubleValue() - in.minNumber().doubleValue();
                    // a direction that tells the test the version in use and whether it was whole
                    return Nd4j.valueArrayOf(gradient.shape(), spread == 0 ? first : Double.NaN, gradient.dataType());
                }
            };
        }
    }

    private static ModelCapture capture() {
        List<LayerCapture> layers = new ArrayList<>();
        for (LayerSpec layer : MODEL.layers()) {
            layers.add(LayerCapture.ofGradient(Nd4j.ones(DataType.DOUBLE, layer.gradientShape())));
        }
        return ModelCapture.of(B, layers);
    }

    private static KroneckerOptimizer stamped(int tInv, RefreshTestHooks hooks) {
        return stamped(tInv, 1, hooks);
    }

    private static KroneckerOptimizer stamped(int tInv, int lag, RefreshTestHooks hooks) {
        return KroneckerOptimizer.builder(new Stamped()).model(MODEL).periods(1, tInv).momentum(0).learningRate(1)
                .set(OptimizerSettings.KL_CLIP, 0.0).set(OptimizerSettings.STORAGE_PRECISION, Precision.DOUBLE)
                .set(OptimizerSettings.ASYNC_REFRESH, true).set(OptimizerSettings.REFRESH_LAG, lag)
                .refreshTestHooks(hooks).build();
    }

    /**
     * The version a step must see under a fixed lag, from the schedule alone: the refresh of step
     * r = k·tInv (version r + 1: its averages hold batches 0..r) goes in at the start of step
     * min(r + lag, r + tInv), the first one at once.
     */
    private static long scheduledVersion(long t, int tInv, int lag) {
        long version = 1;
        for (long r = 0; r <= t; r += tInv) {
            long install = r == 0 ? 0 : Math.min(r + lag, r + tInv);
            if (install <= t) {
                version = r + 1;
            }
        }
        return version;
    }

    @Test
    void fixedLag_theVersionInUseFollowsTheScheduleNotTheTiming_soAsyncRunsAreDeterministic() {
        for (int tInv : new int[] {1, 2, 5}) {
            for (int lag : new int[] {1, 3}) {
                // two runs whose background computations take different random times
                KroneckerOptimizer first = stamped(tInv, lag, randomDelays(10 + tInv, 3));
                KroneckerOptimizer second = stamped(tInv, lag, randomDelays(20 + tInv, 3));
                for (int t = 0; t < 60; t++) {
                    StepResult a = first.step(capture());
                    StepResult b = second.step(capture());
                    double version = -a.updates().get(0).getDouble(0);
                    assertThat((long) version).as("step %d, tInv %d, lag %d", t, tInv, lag)
                            .isEqualTo(scheduledVersion(t, tInv, lag));
                    assertThat(b.updates()).isEqualTo(a.updates());
                    assertThat(a.diagnostics().decompositionAge())
                            .isLessThanOrEqualTo(tInv - 1L + Math.min(lag, tInv));
                }
                assertThat(second.stateBytes()).isEqualTo(first.stateBytes());
            }
        }
    }

    private static RefreshTestHooks randomDelays(long seed, int maxMillis) {
        Random random = new Random(seed);
        return new RefreshTestHooks(false, () -> {
            try {
                Thread.sleep(random.nextInt(maxMillis + 1));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
    }

    @Test
    void stressWithManyTinyRefreshes_everyStepSeesOneWholeVersionWithinOneRefreshBehind() {
        for (int tInv : new int[] {1, 2, 5}) {
            KroneckerOptimizer optimizer = stamped(tInv, randomDelays(tInv, 2));
            long behind = 0;
            for (int t = 0; t < 300; t++) {
                StepResult result = optimizer.step(capture());
                assertThat(result.applied()).isTrue();
                // the direction is −update (learning rate 1, no momentum, no clipping)
                double version = -result.updates().get(0).getDouble(0);
                for (INDArray update : result.updates()) {
                    assertThat(update.minNumber().doubleValue()).as("step %d: one whole version per block", t)
                            .isEqualTo(update.maxNumber().doubleValue()).isEqualTo(-version);
                }
                // the synchronous schedule uses the version of the last refresh step r ≤ t, i.e. r + 1 batches
                long synchronous = (t / tInv) * (long) tInv + 1;
                assertThat((long) version).as("step %d, tInv %d", t, tInv)
                        .isBetween(synchronous - tInv, synchronous);
                assertThat(result.diagnostics().decompositionAge()).isEqualTo(t + 1 - (long) version)
                        .isLessThanOrEqualTo(2L * tInv - 1);
                behind += synchronous - (long) version == 0 ? 0 : 1;
            }
            assertThat(behind).as("tInv %d: some steps ran a refresh behind", tInv).isPositive();
        }
    }

    @Test
    void backgroundComputationThatThrows_keepsTheDecompositionsInUse_countedAndTrainingGoesOn() {
        AtomicInteger refreshes = new AtomicInteger();
        RefreshTestHooks failSecond = new RefreshTestHooks(true, () -> {
            if (refreshes.incrementAndGet() == 2) {
                throw new IllegalStateException("injected background failure");
            }
        });
        KroneckerOptimizer optimizer = stamped(3, failSecond);
        List<Double> versions = new ArrayList<>();
        for (int t = 0; t < 9; t++) {
            StepResult result = optimizer.step(capture());
            assertThat(result.applied()).isTrue();
            versions.add(-result.updates().get(0).getDouble(0));
        }
        // refreshes at steps 0 (version 1), 3 (fails: version 1 stays), 6 (version 7)
        assertThat(versions).containsExactly(1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 7.0, 7.0, 7.0);
        assertThat(optimizer.backgroundRefreshFailures()).isEqualTo(1);
        assertThat(optimizer.store().counters().count(RefreshOutcome.KEPT_LAST_GOOD)).isEqualTo(1);
    }

    @Test
    void blocksThatDoNotSplit_refreshSynchronouslyAtInstall_underAsyncRefresh() {
        ModelSpec model = ModelSpec.sequential(Loss.SQUARED_ERROR, LayerSpec.dense("l0", 3, 2, true, Activation.TANH));
        KroneckerOptimizer.Builder base = KroneckerOptimizer.builder(new InputFactorApproximation()).model(model)
                .set(OptimizerSettings.STORAGE_PRECISION, Precision.DOUBLE).periods(1, 1);
        KroneckerOptimizer synchronous = base.set(OptimizerSettings.ASYNC_REFRESH, false).build();
        KroneckerOptimizer awaited = KroneckerOptimizer.builder(new InputFactorApproximation()).model(model)
                .set(OptimizerSettings.STORAGE_PRECISION, Precision.DOUBLE).periods(1, 1)
                .set(OptimizerSettings.ASYNC_REFRESH, true).refreshTestHooks(new RefreshTestHooks(true, () -> { }))
                .build();
        for (int t = 0; t < 5; t++) {
            Nd4j.getRandom().setSeed(t);
            ModelCapture capture = ModelCapture.of(B, List.of(LayerCapture.builder()
                    .gradient(Nd4j.randn(DataType.DOUBLE, 2, 4)).inputs(Nd4j.randn(DataType.DOUBLE, B, 3)).build()));
            assertThat(awaited.step(capture).updates()).isEqualTo(synchronous.step(capture).updates());
        }
        assertThat(awaited.stateBytes()).isEqualTo(synchronous.stateBytes());
    }

    @Test
    void asyncRefreshSetting_defaultsFromTheJvmProperty_andTheBuildRunsTestsSynchronously() {
        assertThat(System.getProperty(OptimizerSettings.ASYNC_REFRESH_DEFAULT_PROPERTY)).isEqualTo("false");
        assertThat(OptimizerSettings.ASYNC_REFRESH.defaultValue()).isFalse();
        assertThat(stamped(1, RefreshTestHooks.NONE).asyncRefresh()).isTrue();
    }
}
