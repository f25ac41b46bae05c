package org.kron4j.kfra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.kron4j.testkit.oracle.DenseMatrices.addToDiagonal;
import static org.kron4j.testkit.oracle.DenseMatrices.block;
import static org.kron4j.testkit.oracle.DenseMatrices.hadamard;
import static org.kron4j.testkit.oracle.DenseMatrices.kron;
import static org.kron4j.testkit.oracle.DenseMatrices.multiply;
import static org.kron4j.testkit.oracle.DenseMatrices.relativeError;
import static org.kron4j.testkit.oracle.DenseMatrices.scale;
import static org.kron4j.testkit.oracle.DenseMatrices.trace;
import static org.kron4j.testkit.oracle.DenseMatrices.transpose;
import static org.kron4j.testkit.oracle.DenseMatrices.transposeMultiply;
import static org.kron4j.testkit.oracle.DenseMatrices.vec;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
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
 * KFRA's curvature × vector on a tiny two-layer net against the dense damped matrix in float64:
 * A from the raw inputs, H̄ from the recursion written out in plain Java
 * (H̄₁ = the batch-mean output Hessian, H̄₀ = (W̃₁ᵀ H̄₁ W̃₁) ∘ E[f₀' f₀'ᵀ]), the Kronecker product
 * formed explicitly and damped as the block's damping mode says.
 */
class KfraMultiplyTest {
    private static final int BATCH = 9;
    private static final LayerSpec[] LAYERS = {
        LayerSpec.dense("l0", 3, 4, true, Activation.TANH), LayerSpec.dense("l1", 4, 2, true, Activation.IDENTITY)};

    private static double[][] withOnes(double[][] a) {
        double[][] out = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            out[i] = java.util.Arrays.copyOf(a[i], a[i].length + 1);
            out[i][a[i].length] = 1;
        }
        return out;
    }

    private static INDArray array(double[][] values) {
        return DenseMatrices.toINDArray(values, DataType.DOUBLE);
    }

    private static double[][] dense(DampingMode mode, double damping, double[][] a, double[][] g) {
        if (mode == DampingMode.EIGEN) {
            return addToDiagonal(kron(a, g), damping);
        }
        double pi = Math.sqrt((trace(a) / a.length) / (trace(g) / g.length));
        double root = Math.sqrt(damping);
        return kron(addToDiagonal(a, pi * root), addToDiagonal(g, root / pi));
    }

    @ParameterizedTest
    @EnumSource(DampingMode.class)
    void multiply_equalsDenseDampedKroneckerOfRecursion(DampingMode mode) {
        double[][] a0 = KfraFixtures.gaussian(1, BATCH, 3);
        double[][] a1 = KfraFixtures.gaussian(2, BATCH, 4);
        double[][] derivatives = KfraFixtures.gaussian(3, BATCH, 4);
        double[][] w1 = KfraFixtures.gaussian(4, 2, 5);
        double[][] root = KfraFixtures.gaussian(5, 2, 2);
        double[][] hessian = scale(transposeMultiply(root, root), 0.5);
        KroneckerOptimizer optimizer = KroneckerOptimizer.builder(new KfraApproximation()).adaptive(false)
                .model(ModelSpec.sequential(Loss.SQUARED_ERROR, LAYERS))
                .set(OptimizerSettings.STORAGE_PRECISION, Precision.DOUBLE)
                .set(OptimizerSettings.DAMPING_MODE, mode)
                .damping(0.05).build();
        List<LayerCapture> layers = List.of(
                LayerCapture.builder().gradient(array(KfraFixtures.gaussian(6, 4, 4))).inputs(array(a0))
                        .activationDerivatives(array(derivatives)).build(),
                LayerCapture.builder().gradient(array(KfraFixtures.gaussian(7, 2, 5))).inputs(array(a1))
                        .parameters(array(w1)).build());
        optimizer.step(new ModelCapture(BATCH, layers, array(hessian)));

        double[][] weights = block(w1, 0, 0, 2, 4);
        double[][] h0 = hadamard(multiply(transpose(weights), multiply(hessian, weights)),
                scale(transposeMultiply(derivatives, derivatives), 1.0 / BATCH));
        double[][][] inputFactors = {scale(transposeMultiply(withOnes(a0), withOnes(a0)), 1.0 / BATCH),
            scale(transposeMultiply(withOnes(a1), withOnes(a1)), 1.0 / BATCH)};
        double[][][] outputFactors = {h0, hessian};
        List<double[][]> vectors = List.of(KfraFixtures.gaussian(8, 4, 4), KfraFixtures.gaussian(9, 2, 5));
        List<INDArray> arrays = new ArrayList<>();
        vectors.forEach(v -> arrays.add(array(v)));
        for (double damping : new double[] {0.0, 0.05, 0.4}) {
            List<INDArray> products = optimizer.estimator().multiply(arrays, damping);
            for (int l = 0; l < 2; l++) {
                double[] expected = DenseMatrices.multiply(dense(mode, damping, inputFactors[l], outputFactors[l]),
                        vec(vectors.get(l)));
                // forward products of O(1) float64 matrices of size ≤ 20 (and the recursion's three products):
                // rounding ~1e-14 relative; 1e-10 leaves margin, a wrong recursion or split gives O(1)
                assertThat(relativeError(vec(DenseMatrices.toDoubleArray(products.get(l))), expected))
                        .as("layer %d, λ=%s", l, damping).isLessThan(1e-10);
            }
        }
        assertThat(optimizer.estimator().blocks().get(1).dampingInUse()).isPresent();
    }
}
