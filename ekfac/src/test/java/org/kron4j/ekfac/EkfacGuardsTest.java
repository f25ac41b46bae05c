package org.kron4j.ekfac;

import static org.assertj.core.api.Assertions.assertThat;
import static org.kron4j.ekfac.EkfacTesting.batchScalings;
import static org.kron4j.ekfac.EkfacTesting.relativeMaxError;
import static org.kron4j.testkit.oracle.DenseMatrices.toDoubleArray;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.kron4j.api.capture.CaptureField;
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
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.optim.OptimizerSettings;
import org.kron4j.api.optim.StepResult;
import org.kron4j.api.store.Precision;
import org.kron4j.api.store.RefreshOutcome;
import org.kron4j.core.KroneckerAlgebra;
import org.kron4j.testkit.oracle.DenseMatrices;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Test 5 of the EKFAC issue: the driver's guards cover EKFAC's own state. Non-finite input leaves
 * every byte of the optimizer (factors, bases, scalings, their batch count, momentum) unchanged;
 * an eigendecomposition that fails keeps the last good basis and the scalings stay expressed in
 * the basis actually in use.
 */
class EkfacGuardsTest {
    private static final int B = 6;
    private static final ModelSpec MODEL = ModelSpec.sequential(Loss.SOFTMAX_CROSS_ENTROPY,
            LayerSpec.dense("hidden", 5, 4, true, Activation.TANH),
            LayerSpec.dense("out", 4, 3, true, Activation.IDENTITY));

    /** The platform's kernels, which can be told to fail every call, or only for one matrix size. */
    private static final class Breakable implements SymmetricLinearAlgebra {
        private final SymmetricLinearAlgebra real = LinearAlgebras.forCurrentBackend();
        private boolean broken;
        private long brokenDimension = -1;

        private boolean fails(INDArray a) {
            return broken || a.rows() == brokenDimension;
        }

        @Override
        public String name() {
            return "breakable";
        }

        @Override
        public EigenDecomposition eigh(INDArray a) {
            return fails(a) ? EigenDecomposition.failed("forced") : real.eigh(a);
        }

        @Override
        public SpdInverse spdInverse(INDArray a) {
            return fails(a) ? SpdInverse.failed("forced") : real.spdInverse(a);
        }
    }

    private enum Poison {
        GRADIENT, OUTPUT_GRADIENTS, LAYER_INPUTS
    }

    private static ModelCapture capture(long seed, Poison poison) {
        Nd4j.getRandom().setSeed(seed);
        List<LayerCapture> layers = new ArrayList<>();
        for (LayerSpec layer : MODEL.layers()) {
            INDArray gradient = Nd4j.randn(DataType.DOUBLE, layer.gradientShape());
            INDArray inputs = Nd4j.randn(DataType.DOUBLE, B, layer.inputs());
            INDArray outputGradients = Nd4j.randn(DataType.DOUBLE, B, layer.outputs());
            if (poison != null && layer.name().equals("out")) {
                switch (poison) {
                    case GRADIENT -> gradient.putScalar(1, 2, Double.NaN);
                    case OUTPUT_GRADIENTS -> outputGradients.putScalar(0, 1, Double.POSITIVE_INFINITY);
                    case LAYER_INPUTS -> inputs.putScalar(2, 0, Double.NaN);
                }
            }
            layers.add(LayerCapture.builder().gradient(gradient).inputs(inputs).outputGradients(outputGradients)
                    .build());
        }
        return ModelCapture.of(B, layers);
    }

    private static ModelCapture capture(long seed) {
        return capture(seed, null);
    }

    private static KroneckerOptimizer optimizer(SymmetricLinearAlgebra kernels, int tCov, int tInv, double momentum) {
        return KroneckerOptimizer.builder(new EkfacApproximation()).adaptive(false).model(MODEL).linearAlgebra(kernels)
                .set(OptimizerSettings.STORAGE_PRECISION, Precision.DOUBLE).set(OptimizerSettings.KL_CLIP, 0.0)
                .periods(tCov, tInv).momentum(momentum).build();
    }

    private static byte[] storeBytes(KroneckerOptimizer optimizer) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (StateWriter writer = new StateWriter(out)) {
            optimizer.store().write(writer, "");
        }
        return out.toByteArray();
    }

    private static double[][] doubles(INDArray array) {
        return toDoubleArray(array);
    }

    @ParameterizedTest
    @EnumSource(Poison.class)
    void nonFiniteInput_stepSkippedStateBitIdentical(Poison poison) {
        KroneckerOptimizer optimizer = optimizer(LinearAlgebras.forCurrentBackend(), 1, 2, 0.9);
        for (int t = 0; t < 3; t++) {
            assertThat(optimizer.step(capture(t)).applied()).isTrue();
        }
        // the scalings are live state by now: measured in a basis and averaged over two batches
        assertThat(EkfacTesting.block(optimizer, 1).scalingBatches()).isEqualTo(2);
        byte[] before = optimizer.stateBytes();
        StepResult result = optimizer.step(capture(3, poison));
        assertThat(result.applied()).isFalse();
        assertThat(result.skipped()).hasValueSatisfying(reason -> assertThat(reason).contains("'out'"));
        assertThat(optimizer.stateBytes()).isEqualTo(before);
        assertThat(optimizer.skippedSteps()).isEqualTo(1);
        assertThat(optimizer.step(capture(4)).applied()).isTrue();
        assertThat(EkfacTesting.block(optimizer, 1).scalingBatches()).isEqualTo(3);
    }

    @Test
    void decompositionForcedToFail_stateBitIdenticalAndDirectionsFromKeptBasis() {
        Breakable kernels = new Breakable();
        // statistics at steps 0, 4, ...; refreshes at 0, 2, 4, ...: step 2 refreshes without new statistics
        KroneckerOptimizer optimizer = optimizer(kernels, 4, 2, 0.0);
        optimizer.step(capture(0));
        StepResult beforeFailure = optimizer.step(capture(1));
        byte[] before = storeBytes(optimizer);
        kernels.broken = true;
        StepResult result = optimizer.step(capture(1));
        assertThat(result.refreshed()).isTrue();
        assertThat(result.applied()).isTrue();
        assertThat(storeBytes(optimizer)).isEqualTo(before);
        // two factors per layer, each kept its last good basis and was counted
        assertThat(optimizer.store().counters().count(RefreshOutcome.KEPT_LAST_GOOD)).isEqualTo(4);
        // same gradient, same kept basis and scalings: the same direction as the step before
        for (int l = 0; l < MODEL.size(); l++) {
            assertThat(doubles(result.directions().get(l))).isEqualTo(doubles(beforeFailure.directions().get(l)));
        }
    }

    /**
     * Statistics and a failed refresh in the same step: the batch's scalings are measured in the
     * basis in use, absorbed, and the refresh then keeps that basis, so S is the moving average of
     * measurements in exactly the basis the directions use.
     */
    @Test
    void decompositionFailsAfterStatistics_scalingsStayInKeptBasis() {
        Breakable kernels = new Breakable();
        KroneckerOptimizer optimizer = optimizer(kernels, 1, 2, 0.0);
        optimizer.step(capture(0));
        optimizer.step(capture(1));
        List<double[][]> inputVectors = new ArrayList<>();
        List<double[][]> outputVectors = new ArrayList<>();
        List<double[][]> scalings = new ArrayList<>();
        for (int l = 0; l < MODEL.size(); l++) {
            EkfacBlock block = EkfacTesting.block(optimizer, l);
            inputVectors.add(EkfacTesting.inputVectors(block));
            outputVectors.add(EkfacTesting.outputVectors(block));
            scalings.add(doubles(block.scalings()));
            assertThat(block.scalingBatches()).isEqualTo(1);
        }
        kernels.broken = true;
        ModelCapture third = capture(2);
        StepResult result = optimizer.step(third);
        assertThat(result.collectedStatistics()).isTrue();
        assertThat(result.refreshed()).isTrue();
        assertThat(optimizer.store().counters().count(RefreshOutcome.KEPT_LAST_GOOD)).isEqualTo(4);
        for (int l = 0; l < MODEL.size(); l++) {
            EkfacBlock block = EkfacTesting.block(optimizer, l);
            LayerCapture layer = third.layer(l);
            assertThat(EkfacTesting.inputVectors(block)).isEqualTo(inputVectors.get(l));
            assertThat(EkfacTesting.outputVectors(block)).isEqualTo(outputVectors.get(l));
            double[][] measured = batchScalings(
                    EkfacTesting.withOnes(doubles(layer.require(CaptureField.LAYER_INPUTS)), true),
                    doubles(layer.require(CaptureField.OUTPUT_GRADIENTS)), inputVectors.get(l), outputVectors.get(l));
            // second S batch: weight max(1 − 0.95, 1/2) = 1/2
            double[][] expected = DenseMatrices.add(DenseMatrices.scale(scalings.get(l), 0.5),
                    DenseMatrices.scale(measured, 0.5));
            // float64 sums of a handful of O(1) products
            assertThat(relativeMaxError(doubles(block.scalings()), expected)).isLessThan(1e-12);
            double[] direction = EkfacTesting.denseDirection(
                    EkfacTesting.basis(inputVectors.get(l), outputVectors.get(l)), expected, optimizer.damping(),
                    doubles(layer.gradient()));
            assertThat(DenseMatrices.relativeError(DenseMatrices.vec(doubles(result.directions().get(l))), direction))
                    .isLessThan(1e-9);
        }
    }

    /**
     * Only the hidden layer's input factor (6×6) fails: its basis is kept and S is rotated on the
     * output side alone, S ← (R_G∘R_G) S with R_G = Q_G,newᵀ Q_G,old.
     */
    @Test
    void decompositionFailsOnOneSide_scalingsRotatedOnTheOtherSideOnly() {
        Breakable kernels = new Breakable();
        KroneckerOptimizer optimizer = optimizer(kernels, 2, 2, 0.0);
        optimizer.step(capture(0));
        optimizer.step(capture(1));
        optimizer.step(capture(2));
        optimizer.step(capture(3));
        EkfacBlock block = EkfacTesting.block(optimizer, 0);
        INDArray oldInput = block.factors().input().eigenvectors().orElseThrow();
        double[][] oldOutput = EkfacTesting.outputVectors(block);
        kernels.brokenDimension = MODEL.layer(0).augmentedInputs();
        // step 4 collects S in the old basis (so the value to rotate is S after that absorb), then refreshes
        ModelCapture fifth = capture(4);
        double[][] measured = batchScalings(
                EkfacTesting.withOnes(doubles(fifth.layer(0).require(CaptureField.LAYER_INPUTS)), true),
                doubles(fifth.layer(0).require(CaptureField.OUTPUT_GRADIENTS)), doubles(oldInput), oldOutput);
        double[][] beforeRefresh = DenseMatrices.add(DenseMatrices.scale(doubles(block.scalings()), 0.5),
                DenseMatrices.scale(measured, 0.5));
        assertThat(optimizer.step(fifth).refreshed()).isTrue();

        assertThat(optimizer.store().counters().count(RefreshOutcome.KEPT_LAST_GOOD)).isEqualTo(1);
        assertThat(block.factors().input().eigenvectors().orElseThrow()).isSameAs(oldInput);
        double[][] newOutput = EkfacTesting.outputVectors(block);
        assertThat(DenseMatrices.maxAbsDifference(newOutput, oldOutput)).isGreaterThan(1e-3);
        double[][] overlap = DenseMatrices.multiply(DenseMatrices.transpose(newOutput), oldOutput);
        double[][] expected = DenseMatrices.multiply(DenseMatrices.hadamard(overlap, overlap), beforeRefresh);
        assertThat(relativeMaxError(doubles(block.scalings()), expected)).isLessThan(1e-12);
    }

    @Test
    void firstRefreshFails_passThroughUntilFirstBasisThenKroneckerEigenvalues() {
        Breakable kernels = new Breakable();
        kernels.broken = true;
        KroneckerOptimizer optimizer = optimizer(kernels, 1, 1, 0.0);
        ModelCapture first = capture(0);
        StepResult result = optimizer.step(first);
        assertThat(optimizer.store().counters().count(RefreshOutcome.NONE_AVAILABLE)).isEqualTo(4);
        for (int l = 0; l < MODEL.size(); l++) {
            assertThat(doubles(result.directions().get(l))).isEqualTo(doubles(first.layer(l).gradient()));
            assertThat(EkfacTesting.block(optimizer, l).hasBasis()).isFalse();
        }
        kernels.broken = false;
        optimizer.step(capture(1));
        for (int l = 0; l < MODEL.size(); l++) {
            EkfacBlock block = EkfacTesting.block(optimizer, l);
            assertThat(block.hasBasis()).isTrue();
            // no batch was measured in a basis yet: S starts at the K-FAC eigenvalues λ_G λ_Aᵀ
            assertThat(block.scalingBatches()).isZero();
            INDArray kfac = KroneckerAlgebra.kroneckerEigenvalues(block.factors().output().eigenvalues().orElseThrow(),
                    block.factors().input().eigenvalues().orElseThrow(), 0.0);
            assertThat(doubles(block.scalings())).isEqualTo(doubles(kfac));
        }
    }
}
