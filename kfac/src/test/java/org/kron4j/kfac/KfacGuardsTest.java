package org.kron4j.kfac;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.kron4j.api.capture.LayerCapture;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.checkpoint.StateWriter;
import org.kron4j.api.linalg.EigenDecomposition;
import org.kron4j.api.linalg.LinearAlgebras;
import org.kron4j.api.linalg.SpdInverse;
import org.kron4j.api.linalg.SymmetricLinearAlgebra;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.model.Loss;
import org.kron4j.api.model.ModelSpec;
import org.kron4j.api.optim.DampingMode;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.optim.OptimizerSettings;
import org.kron4j.api.optim.StepResult;
import org.kron4j.api.store.RefreshOutcome;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Test 4 of the foundation issue: a NaN gradient, and a decomposition forced to fail, leave the
 * K-FAC optimizer's state bit-identical and are reported.
 */
class KfacGuardsTest {
    private static final int B = 6;
    private static final ModelSpec MODEL = ModelSpec.sequential(Loss.SOFTMAX_CROSS_ENTROPY,
            LayerSpec.dense("hidden", 5, 4, true, Activation.TANH),
            LayerSpec.dense("out", 4, 3, true, Activation.IDENTITY));

    /** Real kernels that can be told to fail every call. */
    private static final class Breakable implements SymmetricLinearAlgebra {
        private final SymmetricLinearAlgebra real = LinearAlgebras.forCurrentBackend();
        private boolean broken;

        @Override
        public String name() {
            return "breakable";
        }

        @Override
        public EigenDecomposition eigh(INDArray a) {
            return broken ? EigenDecomposition.failed("forced") : real.eigh(a);
        }

        @Override
        public SpdInverse spdInverse(INDArray a) {
            return broken ? SpdInverse.failed("forced") : real.spdInverse(a);
        }
    }

    private static ModelCapture capture(long seed, boolean poisonGradient) {
        Nd4j.getRandom().setSeed(seed);
        List<LayerCapture> layers = new ArrayList<>();
        for (LayerSpec layer : MODEL.layers()) {
            INDArray gradient = Nd4j.randn(DataType.FLOAT, layer.gradientShape());
            if (poisonGradient && layer.name().equals("out")) {
                gradient.putScalar(1, 2, Float.NaN);
            }
            layers.add(LayerCapture.builder().gradient(gradient)
                    .inputs(Nd4j.randn(DataType.FLOAT, B, layer.inputs()))
                    .outputGradients(Nd4j.randn(DataType.FLOAT, B, layer.outputs())).build());
        }
        return ModelCapture.of(B, layers);
    }

    private static KroneckerOptimizer optimizer(DampingMode mode, SymmetricLinearAlgebra kernels, int tCov, int tInv,
            double momentum) {
        return KroneckerOptimizer.builder(new KfacApproximation()).adaptive(false).model(MODEL).linearAlgebra(kernels)
                .set(OptimizerSettings.DAMPING_MODE, mode).periods(tCov, tInv).momentum(momentum).build();
    }

    private static byte[] storeBytes(KroneckerOptimizer optimizer) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (StateWriter writer = new StateWriter(out)) {
            optimizer.store().write(writer, "");
        }
        return out.toByteArray();
    }

    @ParameterizedTest
    @EnumSource(DampingMode.class)
    void nanGradient_stepSkippedStateBitIdenticalAndReported(DampingMode mode) {
        KroneckerOptimizer optimizer = optimizer(mode, LinearAlgebras.forCurrentBackend(), 1, 1, 0.9);
        for (int t = 0; t < 3; t++) {
            assertThat(optimizer.step(capture(t, false)).applied()).isTrue();
        }
        byte[] before = optimizer.stateBytes();
        StepResult result = optimizer.step(capture(3, true));
        assertThat(result.applied()).isFalse();
        assertThat(result.skipped()).hasValueSatisfying(reason -> assertThat(reason).contains("'out'").contains("NaN"));
        assertThat(optimizer.stateBytes()).isEqualTo(before);
        assertThat(optimizer.skippedSteps()).isEqualTo(1);
        // and the next clean step proceeds normally
        assertThat(optimizer.step(capture(4, false)).applied()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(DampingMode.class)
    void decompositionForcedToFail_stateBitIdenticalAndReported(DampingMode mode) {
        Breakable kernels = new Breakable();
        // statistics at steps 0, 4, ...; refreshes at 0, 2, 4, ...: step 2 refreshes without new statistics,
        // and without momentum the store holds only factors and decompositions
        KroneckerOptimizer optimizer = optimizer(mode, kernels, 4, 2, 0.0);
        optimizer.step(capture(0, false));
        optimizer.step(capture(1, false));
        byte[] before = storeBytes(optimizer);
        kernels.broken = true;
        StepResult result = optimizer.step(capture(2, false));
        assertThat(result.refreshed()).isTrue();
        assertThat(result.applied()).isTrue();
        assertThat(storeBytes(optimizer)).isEqualTo(before);
        // two factors per layer, each kept its last good decomposition and was counted
        assertThat(optimizer.store().counters().count(RefreshOutcome.KEPT_LAST_GOOD)).isEqualTo(4);
        assertThat(optimizer.store().counters().failures()).isEqualTo(4);
        // the directions still come from the kept decompositions, so they are finite and not the raw gradient
        INDArray direction = result.directions().get(0);
        assertThat(Double.isFinite(direction.sumNumber().doubleValue())).isTrue();
        assertThat(direction.equalsWithEps(capture(2, false).layer(0).gradient(), 1e-6)).isFalse();
    }
}
