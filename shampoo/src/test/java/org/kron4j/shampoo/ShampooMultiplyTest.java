package org.kron4j.shampoo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kron4j.api.CurvatureBlock;
import org.kron4j.api.capture.LayerCapture;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.model.Loss;
import org.kron4j.api.model.ModelSpec;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.optim.OptimizerSettings;
import org.kron4j.api.store.Precision;
import org.kron4j.testkit.oracle.DenseMatrices;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Shampoo's curvature × vector, the inverse of its (un-grafted) preconditioner, against the dense
 * matrix P₁ ⊗ ⋯ ⊗ P_k with P_i = (L_i + ε λ_max(L_i) I)^{1/(2k)} over the row-major flattening, the
 * statistics L_i written out by index arithmetic and the powers taken by Jacobi in plain Java; and
 * for the diagonal method v ∘ (d + ε max d)^{1/2}. Shampoo ignores the driver's damping, so the
 * product does not depend on it.
 */
class ShampooMultiplyTest {
    private static final double EPSILON = 1e-2;

    private static KroneckerOptimizer optimizer(long[] shape, boolean diagonal) {
        return KroneckerOptimizer.builder(new ShampooApproximation())
                .model(new ModelSpec(List.of(LayerSpec.tensor("t", shape)), false, Loss.SQUARED_ERROR))
                .set(OptimizerSettings.STORAGE_PRECISION, Precision.DOUBLE)
                .periods(1, 1).momentum(0.0)
                .set(ShampooApproximation.START_PRECONDITIONING_STEP, 0)
                .set(ShampooApproximation.GRAFTING, Grafting.NONE)
                .set(ShampooApproximation.MERGE_SMALL_DIMS, false)
                .set(ShampooApproximation.EPSILON, EPSILON)
                .set(ShampooApproximation.DIAGONAL_MAX_SIZE, diagonal ? 64 : 0)
                .build();
    }

    private static INDArray array(double[] flat, long... shape) {
        return Nd4j.createFromArray(flat).reshape('c', shape);
    }

    private static double[] flat(INDArray array) {
        return array.dup('c').reshape(-1).toDoubleVector();
    }

    /** G_(i) G_(i)ᵀ of a row-major tensor, entry by entry. */
    private static double[][] statistic(double[] g, int[] shape, int mode) {
        int d = shape[mode];
        int after = 1;
        for (int j = mode + 1; j < shape.length; j++) {
            after *= shape[j];
        }
        double[][] s = new double[d][d];
        for (int x = 0; x < g.length; x++) {
            int a = (x / after) % d;
            for (int b = 0; b < d; b++) {
                int y = x + (b - a) * after;
                s[a][b] += g[x] * g[y];
            }
        }
        return s;
    }

    @ParameterizedTest
    @ValueSource(strings = {"3,5", "2,3,4"})
    void multiply_equalsKroneckerOfStatisticPowers(String dims) {
        int[] shape = Arrays.stream(dims.split(",")).mapToInt(Integer::parseInt).toArray();
        long[] longShape = Arrays.stream(shape).asLongStream().toArray();
        int size = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        Random random = new Random(11 + shape.length);
        KroneckerOptimizer optimizer = optimizer(longShape, false);
        double[] g = Plain.gaussian(size, random);
        optimizer.step(ModelCapture.of(4, List.of(LayerCapture.ofGradient(array(g, longShape)))));

        double exponent = 1.0 / (2 * shape.length);
        double[][] dense = {{1}};
        for (int i = 0; i < shape.length; i++) {
            double[][] l = statistic(g, shape, i);
            double power = Math.max(Plain.largestEigenvalue(l), 0) * EPSILON;
            dense = DenseMatrices.kron(dense, Plain.inverseRoot(l, power, -exponent));
        }
        double[] v = Plain.gaussian(size, random);
        CurvatureBlock block = optimizer.estimator().blocks().get(0);
        for (double damping : new double[] {0.0, 0.3}) {
            double[] actual = flat(block.multiply(array(v, longShape), damping));
            // eigendecompositions of ≤ 5×5 float64 matrices with κ ≤ 1/ε = 100, raised to a power ≤ 1/4: the
            // powers agree to ~κ·n·eps ≈ 1e-13; 1e-9 leaves margin, a wrong mode order or exponent gives O(1)
            assertThat(DenseMatrices.relativeError(actual, DenseMatrices.multiply(dense, v)))
                    .as("λ=%s (ignored)", damping).isLessThan(1e-9);
        }
        // the roots of the refresh just made invert it: the un-grafted direction of multiply(v) is v
        double[] roundTrip = flat(block.precondition(block.multiply(array(v, longShape), 0), 0));
        assertThat(DenseMatrices.relativeError(roundTrip, v)).isLessThan(1e-9);
    }

    @Test
    void multiply_diagonal_isVectorTimesSquareRootOfSecondMoment() {
        Random random = new Random(3);
        KroneckerOptimizer optimizer = optimizer(new long[] {6}, true);
        double[] g = Plain.gaussian(6, random);
        optimizer.step(ModelCapture.of(4, List.of(LayerCapture.ofGradient(array(g, 6)))));
        double max = Arrays.stream(g).map(x -> x * x).max().orElseThrow();
        double[] v = Plain.gaussian(6, random);
        double[] expected = new double[6];
        for (int i = 0; i < 6; i++) {
            expected[i] = v[i] * Math.sqrt(g[i] * g[i] + EPSILON * max);
        }
        double[] actual = flat(optimizer.estimator().blocks().get(0).multiply(array(v, 6), 0.1));
        // one square root and two products per entry in float64
        assertThat(DenseMatrices.relativeError(actual, expected)).isLessThan(1e-14);
    }
}
