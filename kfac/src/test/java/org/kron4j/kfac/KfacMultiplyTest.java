package org.kron4j.kfac;

import static org.assertj.core.api.Assertions.assertThat;
import static org.kron4j.testkit.oracle.DenseMatrices.addToDiagonal;
import static org.kron4j.testkit.oracle.DenseMatrices.kron;
import static org.kron4j.testkit.oracle.DenseMatrices.relativeError;
import static org.kron4j.testkit.oracle.DenseMatrices.scale;
import static org.kron4j.testkit.oracle.DenseMatrices.trace;
import static org.kron4j.testkit.oracle.DenseMatrices.transposeMultiply;
import static org.kron4j.testkit.oracle.DenseMatrices.vec;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.kron4j.api.DampingInUse;
import org.kron4j.api.capture.LayerCapture;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.model.Loss;
import org.kron4j.api.model.ModelSpec;
import org.kron4j.api.optim.DampingMode;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.optim.OptimizerSettings;
import org.kron4j.api.store.Precision;
import org.kron4j.testkit.oracle.DenseMatrices;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * K-FAC's curvature × vector on a tiny two-layer net against the dense damped matrix in float64,
 * with A and G recomputed from the raw batch in plain Java and the Kronecker product formed
 * explicitly: factored damping (A + π√λ I) ⊗ (G + √λ/π I), exact damping A ⊗ G + λI, and λ = 0 the
 * undamped A ⊗ G. Also: preconditioning undoes it right after a refresh, and the damping in use
 * is visible per block.
 */
class KfacMultiplyTest {
    private static final double DAMPING = 0.05;
    private static final int BATCH = 12;
    /** Layer sizes: 3 → 4 (bias) → 2 (no bias). */
    private static final LayerSpec[] LAYERS = {
        LayerSpec.dense("l0", 3, 4, true, Activation.TANH), LayerSpec.dense("l1", 4, 2, false, Activation.IDENTITY)};

    private static double[][] gaussian(Random random, int rows, int cols) {
        double[][] x = new double[rows][cols];
        for (double[] row : x) {
            for (int j = 0; j < cols; j++) {
                row[j] = random.nextGaussian();
            }
        }
        return x;
    }

    private static double[][] withOnes(double[][] a, boolean bias) {
        if (!bias) {
            return a;
        }
        double[][] out = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            out[i] = java.util.Arrays.copyOf(a[i], a[i].length + 1);
            out[i][a[i].length] = 1;
        }
        return out;
    }

    /** The dense damped matrix the block must multiply by, from the layer's raw batch. */
    private static double[][] dense(DampingMode mode, double damping, double[][] inputs, double[][] outputGradients,
            boolean bias) {
        double[][] abar = withOnes(inputs, bias);
        double[][] a = scale(transposeMultiply(abar, abar), 1.0 / BATCH);
        double[][] g = scale(transposeMultiply(outputGradients, outputGradients), 1.0 / BATCH);
        if (mode == DampingMode.EIGEN) {
            return addToDiagonal(kron(a, g), damping);
        }
        double pi = Math.sqrt((trace(a) / a.length) / (trace(g) / g.length));
        double root = Math.sqrt(damping);
        return kron(addToDiagonal(a, pi * root), addToDiagonal(g, root / pi));
    }

    @ParameterizedTest
    @EnumSource(DampingMode.class)
    void multiply_equalsDenseDampedKroneckerTimesVector(DampingMode mode) {
        Random random = new Random(17 + mode.ordinal());
        KroneckerOptimizer optimizer = KroneckerOptimizer.builder(new KfacApproximation()).adaptive(false)
                .model(ModelSpec.sequential(Loss.SQUARED_ERROR, LAYERS))
                .set(OptimizerSettings.STORAGE_PRECISION, Precision.DOUBLE)
                .set(OptimizerSettings.DAMPING_MODE, mode)
                .damping(DAMPING).build();
        List<double[][]> inputs = new ArrayList<>();
        List<double[][]> outputGradients = new ArrayList<>();
        List<LayerCapture> layers = new ArrayList<>();
        for (LayerSpec layer : LAYERS) {
            double[][] a = gaussian(random, BATCH, layer.inputs());
            double[][] g = gaussian(random, BATCH, layer.outputs());
            inputs.add(a);
            outputGradients.add(g);
            layers.add(LayerCapture.builder()
                    .gradient(DenseMatrices.toINDArray(gaussian(random, layer.outputs(), layer.augmentedInputs()),
                            DataType.DOUBLE))
                    .inputs(DenseMatrices.toINDArray(a, DataType.DOUBLE))
                    .outputGradients(DenseMatrices.toINDArray(g, DataType.DOUBLE)).build());
        }
        optimizer.step(ModelCapture.of(BATCH, layers));

        List<double[][]> vectors = new ArrayList<>();
        List<INDArray> arrays = new ArrayList<>();
        for (LayerSpec layer : LAYERS) {
            double[][] v = gaussian(random, layer.outputs(), layer.augmentedInputs());
            vectors.add(v);
            arrays.add(DenseMatrices.toINDArray(v, DataType.DOUBLE));
        }
        for (double damping : new double[] {0.0, DAMPING, 0.7}) {
            List<INDArray> products = optimizer.estimator().multiply(arrays, damping);
            for (int l = 0; l < LAYERS.length; l++) {
                double[] expected = DenseMatrices.multiply(
                        dense(mode, damping, inputs.get(l), outputGradients.get(l), LAYERS[l].hasBias()),
                        vec(vectors.get(l)));
                double[] actual = vec(DenseMatrices.toDoubleArray(products.get(l)));
                // a forward product of O(1) float64 matrices of size ≤ 20: rounding is ~20·eps relative to
                // ‖M‖‖v‖, and ‖Mv‖ ≥ ‖v‖/κ with κ ≤ ~1e3 here; 1e-10 is far above that and far below the O(1)
                // error of a wrong damping split, transposed factor or missing bias
                assertThat(relativeError(actual, expected)).as("layer %d, λ=%s", l, damping).isLessThan(1e-10);
            }
        }
        // the inputs are left alone
        assertThat(DenseMatrices.toDoubleArray(arrays.get(0))).isDeepEqualTo(vectors.get(0));

        // right after refresh(λ), preconditioning inverts multiply(·, λ): cond ≤ ~1e3, so 1e-9 relative
        List<INDArray> roundTrip = optimizer.estimator().precondition(
                optimizer.estimator().multiply(arrays, DAMPING), DAMPING);
        for (int l = 0; l < LAYERS.length; l++) {
            assertThat(relativeError(vec(DenseMatrices.toDoubleArray(roundTrip.get(l))), vec(vectors.get(l))))
                    .as("layer %d", l).isLessThan(1e-9);
        }

        DampingInUse used = optimizer.estimator().blocks().get(0).dampingInUse().orElseThrow();
        assertThat(used.raised()).isFalse();
        assertThat(used.requested()).isEqualTo(DAMPING);
        // π√λ · √λ/π = λ up to two roundings
        assertThat(used.applied()).isCloseTo(DAMPING, org.assertj.core.data.Offset.offset(1e-15));
        if (mode == DampingMode.FACTORED) {
            assertThat(used.factors()).containsOnlyKeys("A", "G");
        } else {
            assertThat(used.factors()).isEmpty();
        }
    }
}
