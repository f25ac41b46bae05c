package org.kron4j.shampoo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.kron4j.api.linalg.EigenDecomposition;
import org.kron4j.api.linalg.LinearAlgebras;
import org.kron4j.testkit.oracle.DenseMatrices;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Inverse p-th roots on matrices whose spectra and eigenvectors are known in closed form, so the
 * exact root Q diag(λ^{-1/p}) Qᵀ is built without any eigensolver.
 *
 * <p>Tolerances (relative Frobenius error of the root). The input A is itself rounded when it is
 * formed in float64, ‖δA‖ ≲ n·u·‖A‖ with u = 1.1e-16, and either algorithm adds a backward error of
 * the same order. The root function f(λ) = λ^{-1/p} has divided differences bounded by
 * |f'(λ_min)| = λ_min^{-1/p}/(p λ_min), so ‖δX‖_F ≤ (1/p)·κ(A)·‖δA‖_F/‖A‖_2·λ_min^{-1/p}·√n and
 * relative to ‖X‖_F ≥ λ_min^{-1/p}: err ≲ κ·n^{1.5}·u / p. We allow 10× that bound
 * ({@link #tolerance}), and at least 1e-12 for the well-conditioned cases. The coupled Newton
 * iteration is additionally accepted at residual ≤ 1e-10 here (not the optimizer's 1e-6), and
 * its error is at most the residual times a modest factor on top of the rounding bound, hence the
 * max with 10·residual-tolerance.
 */
class InverseRootsTest {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger("org.kron4j.results.shampoo");
    private static final double U = 1.1e-16;
    private static final double NEWTON_TOLERANCE = 1e-10;
    private static final int NEWTON_ITERATIONS = 200;

    /** A matrix with its exact eigen-pairs. */
    record Known(String name, double[][] vectors, double[] values) {
        double[][] matrix() {
            return Plain.spectral(vectors, values, l -> l);
        }

        double[][] root(int p) {
            return Plain.spectral(vectors, values, l -> Math.pow(l, -1.0 / p));
        }

        double condition() {
            double min = Double.POSITIVE_INFINITY;
            double max = 0;
            for (double l : values) {
                min = Math.min(min, l);
                max = Math.max(max, l);
            }
            return max / min;
        }

        @Override
        public String toString() {
            return name;
        }
    }

    static Known diagonal() {
        double[] values = {1e-3, 0.01, 0.25, 0.5, 1, 2, 7, 30, 100, 1000};
        return new Known("diagonal(1e-3..1e3)", DenseMatrices.identity(values.length), values);
    }

    /** tridiag(−1, 2, −1) of order n: λ_k = 2 − 2cos(kπ/(n+1)), v_k(j) = √(2/(n+1)) sin(jkπ/(n+1)). */
    static Known tridiagonal(int n) {
        double[] values = new double[n];
        double[][] vectors = new double[n][n];
        for (int k = 1; k <= n; k++) {
            values[k - 1] = 2 - 2 * Math.cos(k * Math.PI / (n + 1));
            for (int j = 1; j <= n; j++) {
                vectors[j - 1][k - 1] = Math.sqrt(2.0 / (n + 1)) * Math.sin(j * k * Math.PI / (n + 1));
            }
        }
        return new Known("tridiagonal(2,-1) n=" + n, vectors, values);
    }

    /** Q diag(λ) Qᵀ with Q random orthogonal and λ log-spaced over [1e-8, 1]: condition number 1e8. */
    static Known illConditioned(int n) {
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            values[i] = Math.pow(10, -8.0 + 8.0 * i / (n - 1));
        }
        return new Known("random Q, λ in [1e-8, 1], n=" + n, Plain.randomOrthogonal(n, 42), values);
    }

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (Known known : List.of(diagonal(), tridiagonal(40), illConditioned(30))) {
            for (int p : new int[] {2, 4, 8}) {
                for (RootMethod method : RootMethod.values()) {
                    cases.add(Arguments.of(known, p, method));
                }
            }
        }
        return cases.stream();
    }

    static double tolerance(Known known, int p) {
        int n = known.values().length;
        return Math.max(1e-12, 10 * known.condition() * Math.pow(n, 1.5) * U / p);
    }

    @ParameterizedTest(name = "{0}, p={1}, {2}")
    @MethodSource("cases")
    void inverseRoot_knownSpectrum(Known known, int p, RootMethod method) {
        INDArray a = Nd4j.createFromArray(known.matrix());
        double[][] root;
        int iterations = 0;
        if (method == RootMethod.EIGEN) {
            EigenDecomposition eigen = LinearAlgebras.forCurrentBackend().eigh(a);
            assertThat(eigen.succeeded()).as(eigen.failure().orElse("")).isTrue();
            root = InverseRoots.fromEigen(eigen.eigenvectors(), eigen.eigenvalues(), 0.0, 1.0 / p).toDoubleMatrix();
        } else {
            InverseRoots.Root result = InverseRoots.coupledNewton(a, p, 0.0, NEWTON_TOLERANCE, NEWTON_ITERATIONS);
            assertThat(result.accurate()).as("%s", result).isTrue();
            root = result.root().toDoubleMatrix();
            iterations = result.iterations();
        }
        double error = DenseMatrices.relativeError(root, known.root(p));
        double tolerance = method == RootMethod.EIGEN ? tolerance(known, p)
                : Math.max(tolerance(known, p), 10 * NEWTON_TOLERANCE);
        LOG.info("inverse root {} p={} {}: relative error {} (tolerance {}){}", known, p, method,
                String.format("%.2e", error), String.format("%.2e", tolerance),
                method == RootMethod.COUPLED_NEWTON ? ", " + iterations + " Newton steps" : "");
        assertThat(error).as("relative error of %s p=%d by %s (tolerance %s)", known, p, method, tolerance)
                .isLessThanOrEqualTo(tolerance);
    }

    @Test
    void fromEigen_addsEpsilonToEveryEigenvalue() {
        double[] values = {0, 1, 3};
        INDArray root = InverseRoots.fromEigen(Nd4j.eye(3).castTo(DataType.DOUBLE), Nd4j.createFromArray(values), 1.0,
                0.5);
        // (λ + 1)^{-1/2} on the diagonal; a handful of float64 operations per entry: 1e-15.
        assertThat(root.getDouble(0, 0)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-15));
        assertThat(root.getDouble(1, 1)).isCloseTo(1 / Math.sqrt(2), org.assertj.core.data.Offset.offset(1e-15));
        assertThat(root.getDouble(2, 2)).isCloseTo(0.5, org.assertj.core.data.Offset.offset(1e-15));
    }

    @Test
    void coupledNewton_tooFewIterations_isNotAccurate() {
        Known known = illConditioned(20);
        InverseRoots.Root result = InverseRoots.coupledNewton(Nd4j.createFromArray(known.matrix()), 4, 0.0, 1e-6, 3);
        assertThat(result.accurate()).isFalse();
        assertThat(result.failure()).contains("did not converge in 3 steps");
        assertThat(result.residual()).isGreaterThan(1e-6);
    }

    @Test
    void coupledNewton_zeroMatrix_fails() {
        InverseRoots.Root result = InverseRoots.coupledNewton(Nd4j.zeros(DataType.DOUBLE, 4, 4), 2, 0.0, 1e-6, 50);
        assertThat(result.accurate()).isFalse();
        assertThat(result.failure()).contains("zero or not finite");
    }

    @Test
    void largestEigenvalue_tridiagonal() {
        Known known = tridiagonal(40);
        double estimate = InverseRoots.largestEigenvalue(Nd4j.createFromArray(known.matrix()));
        double exact = 2 - 2 * Math.cos(40 * Math.PI / 41);
        // A Rayleigh quotient never exceeds λ_max. Here the top eigenvalues are 0.6% apart
        // (λ_39 = 3.930), a hard case for power iteration, yet 40 steps land within 5%: enough for
        // a relative ε, which is a scale, not an exact quantity.
        assertThat(estimate).isLessThanOrEqualTo(exact * (1 + 1e-12)).isGreaterThan(0.95 * exact);
    }
}
