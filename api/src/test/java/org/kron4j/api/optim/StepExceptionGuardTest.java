package org.kron4j.api.optim;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
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
import org.kron4j.api.testing.InputFactorApproximation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The driver's guard against exceptions from a block: thrown after the block changed the store
 * (absorb, refresh) or while preconditioning, the step is skipped, counted, and every byte of the
 * state is as before; a usage error (a lacking field) is still thrown, with the state put back.
 */
class StepExceptionGuardTest {
    private static final int B = 4;
    private static final ModelSpec MODEL = ModelSpec.sequential(Loss.SQUARED_ERROR,
            LayerSpec.dense("l0", 3, 2, true, Activation.TANH),
            LayerSpec.dense("l1", 2, 2, true, Activation.IDENTITY));

    private enum Phase { ABSORB, REFRESH, PRECONDITION, USAGE }

    /** InputFactorApproximation whose last block throws in the phase set, after doing its work. */
    private static final class Throwing implements CurvatureApproximation {
        private final InputFactorApproximation delegate = new InputFactorApproximation();
        Phase phase;

        @Override
        public String name() {
            return delegate.name();
        }

        @Override
        public boolean supports(LayerSpec layer) {
            return delegate.supports(layer);
        }

        @Override
        public List<org.kron4j.api.settings.Setting<?>> driverSettings() {
            return delegate.driverSettings();
        }

        @Override
        public List<org.kron4j.api.settings.Setting<?>> settings() {
            return delegate.settings();
        }

        @Override
        public java.util.Map<String, Object> driverDefaults() {
            return delegate.driverDefaults();
        }

        @Override
        public CurvatureBlock createBlock(BlockContext context) {
            CurvatureBlock inner = delegate.createBlock(context);
            boolean last = context.layer().name().equals("l1");
            return new CurvatureBlock() {
                @Override
                public LayerSpec layer() {
                    return inner.layer();
                }

                @Override
                public Set<CaptureField> statisticsFields() {
                    return inner.statisticsFields();
                }

                @Override
                public BlockStatistics collect(LayerCapture capture, int batchSize) {
                    return inner.collect(capture, batchSize);
                }

                @Override
                public void absorb(BlockStatistics statistics) {
                    inner.absorb(statistics);
                    fail(Phase.ABSORB);
                }

                @Override
                public void refresh(double damping) {
                    inner.refresh(damping);
                    fail(Phase.REFRESH);
                }

                @Override
                public INDArray precondition(INDArray gradient, double damping) {
                    INDArray result = inner.precondition(gradient, damping);
                    fail(Phase.PRECONDITION);
                    return result;
                }

                private void fail(Phase at) {
                    if (last && phase == at) {
                        throw new ArithmeticException("injected in " + at);
                    }
                    if (last && phase == Phase.USAGE && at == Phase.REFRESH) {
                        throw new IllegalStateException("the capture lacks something");
                    }
                }
            };
        }
    }

    private static INDArray gaussian(java.util.Random random, long... shape) {
        double[] values = new double[(int) java.util.Arrays.stream(shape).reduce(1, (x, y) -> x * y)];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextGaussian();
        }
        return Nd4j.create(values, shape, 'c').castTo(DataType.DOUBLE);
    }

    /** A deterministic capture (java.util.Random values), different per seed. */
    private static ModelCapture capture(long seed) {
        java.util.Random random = new java.util.Random(seed);
        List<LayerCapture> layers = new ArrayList<>();
        for (LayerSpec layer : MODEL.layers()) {
            layers.add(LayerCapture.builder().gradient(gaussian(random, layer.gradientShape()))
                    .parameters(gaussian(random, layer.gradientShape()))
                    .inputs(gaussian(random, B, layer.inputs())).build());
        }
        return ModelCapture.of(B, layers);
    }

    @Test
    void exceptionInAnyPhase_stepSkippedCountedStateBitIdentical_thenRunContinuesAsWithoutIt() {
        Throwing variant = new Throwing();
        KroneckerOptimizer optimizer = KroneckerOptimizer.builder(variant).model(MODEL).momentum(0.9).set(
                OptimizerSettings.T_COV, 1).set(OptimizerSettings.T_INV, 2).build();
        KroneckerOptimizer reference = KroneckerOptimizer.builder(new InputFactorApproximation()).model(MODEL)
                .momentum(0.9).set(OptimizerSettings.T_COV, 1).set(OptimizerSettings.T_INV, 2).build();
        int failed = 0;
        for (int t = 0; t < 12; t++) {
            if (t % 3 == 1) {
                variant.phase = Phase.values()[(t / 3) % 3];
                if (variant.phase == Phase.REFRESH && optimizer.steps() % 2 != 0) {
                    variant.phase = Phase.ABSORB;
                }
                byte[] before = optimizer.stateBytes();
                StepResult result = optimizer.step(capture(t));
                variant.phase = null;
                failed++;
                assertThat(result.applied()).isFalse();
                assertThat(result.skipReason()).contains("a block failed").contains("injected in");
                assertThat(optimizer.stateBytes()).isEqualTo(before);
                continue;
            }
            ModelCapture ca = capture(t);
            ModelCapture cb = capture(t);
            assertThat(ca.layer(0).gradient()).as("capture %d", t).isEqualTo(cb.layer(0).gradient());
            StepResult a = optimizer.step(ca);
            StepResult b = reference.step(cb);
            for (int l = 0; l < MODEL.size(); l++) {
                assertThat(a.updates().get(l)).as("step %d layer %d", t, l).isEqualTo(b.updates().get(l));
            }
        }
        assertThat(optimizer.failedSteps()).isEqualTo(failed);
        assertThat(optimizer.skippedSteps()).isEqualTo(failed);
        assertThat(optimizer.stateBytes()).isEqualTo(reference.stateBytes());
    }

    @Test
    void usageError_rethrownWithTheStatePutBack() {
        Throwing variant = new Throwing();
        KroneckerOptimizer optimizer = KroneckerOptimizer.builder(variant).model(MODEL).set(OptimizerSettings.T_COV,
                1).set(OptimizerSettings.T_INV, 1).build();
        optimizer.step(capture(0));
        byte[] before = optimizer.stateBytes();
        variant.phase = Phase.USAGE;
        assertThatThrownBy(() -> optimizer.step(capture(1))).isInstanceOf(IllegalStateException.class)
                .hasMessage("the capture lacks something");
        assertThat(optimizer.stateBytes()).isEqualTo(before);
        assertThat(optimizer.failedSteps()).isZero();
    }
}
