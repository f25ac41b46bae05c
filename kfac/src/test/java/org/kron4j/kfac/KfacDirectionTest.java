package org.kron4j.kfac;

import static org.assertj.core.api.Assertions.assertThat;
import static org.kron4j.testkit.oracle.DenseMatrices.addToDiagonal;
import static org.kron4j.testkit.oracle.DenseMatrices.inverse;
import static org.kron4j.testkit.oracle.DenseMatrices.kron;
import static org.kron4j.testkit.oracle.DenseMatrices.relativeError;
import static org.kron4j.testkit.oracle.DenseMatrices.trace;
import static org.kron4j.testkit.oracle.DenseMatrices.transposeMultiply;
import static org.kron4j.testkit.oracle.DenseMatrices.vec;

import java.util.List;
import java.util.Random;
import org.kron4j.api.capture.LayerCapture;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.model.Loss;
import org.kron4j.api.model.ModelSpec;
import org.kron4j.api.optim.DampingMode;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.optim.OptimizerSettings;
import org.kron4j.api.optim.StepResult;
import org.kron4j.api.store.Precision;
import org.kron4j.testkit.oracle.DenseMatrices;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Test 1 of the foundation issue: the K-FAC direction equals the dense computation in float64,
 * for exact damping ((A⊗G + λI)⁻¹ vec V) and factored damping
 * ((A + π√λI)⁻¹ ⊗ (G + √λ/π I)⁻¹ vec V), with A and G recomputed from the raw batch in plain Java.
 */
class KfacDirectionTest {

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

    private static double[] direction(DampingMode mode, double damping, double[][] a, double[][] g, double[][] v,
            boolean bias) {
        int n = a[0].length;
        int m = g[0].length;
        LayerSpec layer = LayerSpec.dense("dense", n, m, bias, Activation.IDENTITY);
        KroneckerOptimizer optimizer = KroneckerOptimizer.builder(new KfacApproximation()).adaptive(false)
                .model(ModelSpec.sequential(Loss.SQUARED_ERROR, layer))
                .set(OptimizerSettings.STORAGE_PRECISION, Precision.DOUBLE)
                .set(OptimizerSettings.DAMPING_MODE, mode)
                .set(OptimizerSettings.KL_CLIP, 0.0)
                .damping(damping).momentum(0.0).learningRate(1.0)
                .build();
        ModelCapture capture = ModelCapture.of(a.length, List.of(LayerCapture.builder()
                .gradient(DenseMatrices.toINDArray(v, DataType.DOUBLE))
                .inputs(DenseMatrices.toINDArray(a, DataType.DOUBLE))
                .outputGradients(DenseMatrices.toINDArray(g, DataType.DOUBLE))
                .build()));
        StepResult result = optimizer.step(capture);
        return vec(DenseMatrices.toDoubleArray(result.directions().get(0)));
    }

    @ParameterizedTest(name = "n={0} m={1} B={2} bias={3} λ={4}")
    @CsvSource({"3, 2, 5, true, 0.1", "5, 4, 3, true, 0.01", "2, 6, 8, false, 0.5", "4, 4, 2, true, 1e-3"})
    void exactDamping_equalsDenseInverseOfKroneckerPlusDamping(int n, int m, int batch, boolean bias, double damping) {
        Random random = new Random(n * 100 + m);
        double[][] a = gaussian(random, batch, n);
        double[][] g = gaussian(random, batch, m);
        double[][] v = gaussian(random, m, n + (bias ? 1 : 0));
        double[][] abar = withOnes(a, bias);
        double[][] inputFactor = DenseMatrices.scale(transposeMultiply(abar, abar), 1.0 / batch);
        double[][] outputFactor = DenseMatrices.scale(transposeMultiply(g, g), 1.0 / batch);
        double[][] block = addToDiagonal(kron(inputFactor, outputFactor), damping);
        double[] expected = DenseMatrices.multiply(inverse(block), vec(v));

        double[] actual = direction(DampingMode.EIGEN, damping, a, g, v, bias);
        // float64 eigendecompositions and a dense Gauss-Jordan inverse: both are backward stable, so they
        // agree to about cond(block)·eps. With λ ≥ 1e-3 and O(1) factors cond ≤ ~1e4, i.e. 1e-12;
        // 1e-9 leaves margin without hiding a wrong formula (those give O(1) errors).
        assertThat(relativeError(actual, expected)).isLessThan(1e-9);
    }

    @ParameterizedTest(name = "n={0} m={1} B={2} bias={3} λ={4}")
    @CsvSource({"3, 2, 5, true, 0.1", "5, 4, 3, true, 0.01", "2, 6, 8, false, 0.5", "4, 4, 2, true, 1e-3"})
    void factoredDamping_equalsKroneckerOfDampedInverses(int n, int m, int batch, boolean bias, double damping) {
        Random random = new Random(n * 7 + m * 13);
        double[][] a = gaussian(random, batch, n);
        double[][] g = gaussian(random, batch, m);
        double[][] v = gaussian(random, m, n + (bias ? 1 : 0));
        double[][] abar = withOnes(a, bias);
        double[][] inputFactor = DenseMatrices.scale(transposeMultiply(abar, abar), 1.0 / batch);
        double[][] outputFactor = DenseMatrices.scale(transposeMultiply(g, g), 1.0 / batch);
        double pi = Math.sqrt((trace(inputFactor) / inputFactor.length) / (trace(outputFactor) / outputFactor.length));
        double root = Math.sqrt(damping);
        double[][] dampedInverse = kron(inverse(addToDiagonal(inputFactor, pi * root)),
                inverse(addToDiagonal(outputFactor, root / pi)));
        double[] expected = DenseMatrices.multiply(dampedInverse, vec(v));

        double[] actual = direction(DampingMode.FACTORED, damping, a, g, v, bias);
        // Cholesky inverses in float64 vs Gauss-Jordan: agreement to cond·eps, as above
        assertThat(relativeError(actual, expected)).isLessThan(1e-9);
        // and the factored form is a different matrix from the exact one (the test would notice a mix-up)
        double[] exact = DenseMatrices.multiply(inverse(addToDiagonal(kron(inputFactor, outputFactor), damping)), vec(v));
        assertThat(relativeError(expected, exact)).isGreaterThan(1e-6);
    }

    @ParameterizedTest(name = "n={0} m={1}")
    @CsvSource({"3, 2", "2, 5"})
    void curvatureMatrix_isKroneckerProductOfAverages(int n, int m) {
        Random random = new Random(42);
        double[][] a = gaussian(random, 4, n);
        double[][] g = gaussian(random, 4, m);
        LayerSpec layer = LayerSpec.dense("dense", n, m, true, Activation.IDENTITY);
        KroneckerOptimizer optimizer = KroneckerOptimizer.builder(new KfacApproximation()).adaptive(false)
                .model(ModelSpec.sequential(Loss.SQUARED_ERROR, layer))
                .set(OptimizerSettings.STORAGE_PRECISION, Precision.DOUBLE).build();
        optimizer.step(ModelCapture.of(4, List.of(LayerCapture.builder()
                .gradient(org.nd4j.linalg.factory.Nd4j.zeros(DataType.DOUBLE, m, n + 1))
                .inputs(DenseMatrices.toINDArray(a, DataType.DOUBLE))
                .outputGradients(DenseMatrices.toINDArray(g, DataType.DOUBLE)).build())));
        double[][] abar = withOnes(a, true);
        double[][] expected = kron(DenseMatrices.scale(transposeMultiply(abar, abar), 0.25),
                DenseMatrices.scale(transposeMultiply(g, g), 0.25));
        double[][] actual = DenseMatrices.toDoubleArray(
                optimizer.estimator().blocks().get(0).curvatureMatrix().orElseThrow());
        // sums of 4 products of O(1) values in float64
        assertThat(DenseMatrices.maxAbsDifference(actual, expected)).isLessThan(1e-13);
    }
}
