package org.kron4j.api.linalg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.offset;
import static org.kron4j.api.linalg.LinalgOracles.C;
import static org.kron4j.api.linalg.LinalgOracles.column;
import static org.kron4j.api.linalg.LinalgOracles.distanceUpToSign;
import static org.kron4j.api.linalg.LinalgOracles.eigenResidual;
import static org.kron4j.api.linalg.LinalgOracles.eps;
import static org.kron4j.api.linalg.LinalgOracles.frobenius;
import static org.kron4j.api.linalg.LinalgOracles.inverseResidual;
import static org.kron4j.api.linalg.LinalgOracles.java;
import static org.kron4j.api.linalg.LinalgOracles.javaVector;
import static org.kron4j.api.linalg.LinalgOracles.nd;
import static org.kron4j.api.linalg.LinalgOracles.orthogonalityError;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The {@link SymmetricLinearAlgebra} contract, run against both implementations in float32 and
 * float64. Oracles are closed-form spectra and plain-Java arithmetic ({@link LinalgOracles},
 * whose class comment justifies the tolerances).
 */
class SymmetricLinearAlgebraContractTest {

    static Stream<SymmetricLinearAlgebra> implementations() {
        return Stream.of(LinearAlgebras.lapack(), LinearAlgebras.portable());
    }

    static Stream<Arguments> implementationsAndTypes() {
        return implementations().flatMap(la -> Stream.of(
                Arguments.of(la.name(), la, DataType.FLOAT), Arguments.of(la.name(), la, DataType.DOUBLE)));
    }

    // ---------------------------------------------------------------- eigh: known spectra

    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("implementationsAndTypes")
    void eigh_diagonal_returnsAscendingValuesAndUnitVectorsAsColumns(String name, SymmetricLinearAlgebra la,
            DataType dt) {
        double[] d = {3, -1, 0.5, 7, 2, -4};
        EigenDecomposition e = la.eigh(nd(LinalgOracles.diagonal(d), dt));

        assertThat(e.succeeded()).as(e.failureReason()).isTrue();
        double[] sorted = d.clone();
        Arrays.sort(sorted);
        assertThat(javaVector(e.eigenvalues())).containsExactly(sorted, offset(
                C * d.length * eps(dt) * 7));
        // The eigenvector of the k-th smallest eigenvalue is ±e_i with d_i = sorted[k], in column k:
        // this pins down the layout (columns, not rows).
        double[][] q = java(e.eigenvectors());
        for (int k = 0; k < d.length; k++) {
            int i = indexOf(d, sorted[k]);
            double[] unit = new double[d.length];
            unit[i] = 1;
            assertThat(distanceUpToSign(column(q, k), unit)).as("column %d", k)
                    .isLessThanOrEqualTo(C * d.length * eps(dt));
        }
    }

    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("implementationsAndTypes")
    void eigh_tridiagonal_matchesClosedFormSpectrumAndVectors(String name, SymmetricLinearAlgebra la, DataType dt) {
        int n = 50;
        Float64Kernels.assumeCorrectFor(dt, n);
        double[][] a = LinalgOracles.tridiagonal(n);
        EigenDecomposition e = la.eigh(nd(a, dt));

        assertThat(e.succeeded()).as(e.failureReason()).isTrue();
        double[] w = javaVector(e.eigenvalues());
        double[] expected = LinalgOracles.tridiagonalEigenvalues(n);
        double normA = frobenius(a);
        double tolerance = C * n * eps(dt) * normA;
        for (int k = 0; k < n; k++) {
            assertThat(w[k]).as("eigenvalue %d", k).isCloseTo(expected[k], offset(tolerance));
        }
        double[][] q = java(e.eigenvectors());
        assertThat(eigenResidual(a, q, w)).isLessThanOrEqualTo(tolerance);
        assertThat(orthogonalityError(q)).isLessThanOrEqualTo(C * n * eps(dt) * Math.sqrt(n));
        // Each eigenvector is determined up to sign; by the gap theorem its error is at most
        // (backward error)/(distance to the rest of the spectrum), doubled to compare unit vectors.
        for (int k = 0; k < n; k++) {
            double gap = Double.POSITIVE_INFINITY;
            for (int j = 0; j < n; j++) {
                if (j != k) {
                    gap = Math.min(gap, Math.abs(expected[j] - expected[k]));
                }
            }
            double vectorTolerance = 2 * tolerance / gap;
            assertThat(distanceUpToSign(column(q, k), LinalgOracles.tridiagonalEigenvector(n, k + 1)))
                    .as("eigenvector %d", k).isLessThanOrEqualTo(vectorTolerance);
        }
    }

    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("implementationsAndTypes")
    void eigh_illConditionedRandomBasis_recoversSpectrumAndBasis(String name, SymmetricLinearAlgebra la, DataType dt) {
        int n = 64;
        Float64Kernels.assumeCorrectFor(dt, n);
        double[][] basis = LinalgOracles.randomOrthogonal(n, new Random(11));
        assertThat(orthogonalityError(basis)).isLessThan(1e-13);
        double[] lambda = LinalgOracles.logSpaced(n, 1e-8, 1);
        INDArray input = nd(LinalgOracles.withSpectrum(basis, lambda), dt);
        double[][] a = java(input); // the matrix actually handed over (rounded to dt)

        EigenDecomposition e = la.eigh(input);

        assertThat(e.succeeded()).as(e.failureReason()).isTrue();
        double[] w = javaVector(e.eigenvalues());
        double tolerance = C * n * eps(dt) * frobenius(a);
        for (int k = 0; k < n; k++) {
            assertThat(w[k]).as("eigenvalue %d", k).isCloseTo(lambda[k], offset(tolerance));
        }
        double[][] q = java(e.eigenvectors());
        assertThat(eigenResidual(a, q, w)).isLessThanOrEqualTo(tolerance);
        assertThat(orthogonalityError(q)).isLessThanOrEqualTo(C * n * eps(dt) * Math.sqrt(n));
        // The top eigenvalues are well separated (ratio 1.34 between neighbours): their
        // eigenvectors are determined, and must match the basis the matrix was built from.
        for (int k = n - 5; k < n; k++) {
            double gap = lambda[k] - lambda[k - 1];
            assertThat(distanceUpToSign(column(q, k), column(basis, k))).as("eigenvector %d", k)
                    .isLessThanOrEqualTo(2 * tolerance / gap);
        }
    }

    // ---------------------------------------------------------------- spdInverse

    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("implementationsAndTypes")
    void spdInverse_knownSpectrum_timesInputIsIdentityAndExactlySymmetric(String name, SymmetricLinearAlgebra la,
            DataType dt) {
        int n = 64;
        Float64Kernels.assumeCorrectFor(dt, n);
        double[] lambda = LinalgOracles.logSpaced(n, 1, 10); // κ = 10
        INDArray input = nd(LinalgOracles.withSpectrum(LinalgOracles.randomOrthogonal(n, new Random(5)), lambda), dt);

        SpdInverse s = la.spdInverse(input);

        assertThat(s.succeeded()).as(s.failureReason()).isTrue();
        double[][] x = java(s.inverse());
        assertThat(inverseResidual(java(input), x)).isLessThanOrEqualTo(C * n * eps(dt) * 10 * Math.sqrt(n));
        assertExactlySymmetricAndDense(x);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("implementations")
    void spdInverse_illConditionedFloat64_timesInputIsIdentity(SymmetricLinearAlgebra la) {
        int n = 64;
        Float64Kernels.assumeCorrectFor(DataType.DOUBLE, n);
        double kappa = 1e6;
        double[] lambda = LinalgOracles.logSpaced(n, 1 / kappa, 1);
        double[][] a = LinalgOracles.withSpectrum(LinalgOracles.randomOrthogonal(n, new Random(6)), lambda);

        SpdInverse s = la.spdInverse(nd(a, DataType.DOUBLE));

        assertThat(s.succeeded()).as(s.failureReason()).isTrue();
        double[][] x = java(s.inverse());
        assertThat(inverseResidual(a, x)).isLessThanOrEqualTo(C * n * eps(DataType.DOUBLE) * kappa * Math.sqrt(n));
        assertExactlySymmetricAndDense(x);
    }

    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("implementationsAndTypes")
    void spdInverse_smallScaledIdentity_isHundredTimesIdentity(String name, SymmetricLinearAlgebra la, DataType dt) {
        // ND4J's own InvertMatrix / matrix_inverse / cholesky reject this matrix (|det| = 1e-8).
        SpdInverse s = la.spdInverse(nd(LinalgOracles.diagonal(0.01, 0.01, 0.01, 0.01), dt));

        assertThat(s.succeeded()).as(s.failureReason()).isTrue();
        double[][] x = java(s.inverse());
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                assertThat(x[i][j]).isCloseTo(i == j ? 100 : 0, offset(C * 4 * eps(dt) * 100));
            }
        }
    }

    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("implementationsAndTypes")
    void spdInverse_notPositiveDefinite_reportsFailure(String name, SymmetricLinearAlgebra la, DataType dt) {
        SpdInverse diagonal = la.spdInverse(nd(LinalgOracles.diagonal(1, -1), dt));
        // dense, indefinite (eigenvalues 4, 1, −2), with a positive diagonal
        SpdInverse dense = la.spdInverse(nd(new double[][] {{1, 2, 0}, {2, 1, 0}, {0, 0, 3}}, dt));
        SpdInverse singular = la.spdInverse(nd(new double[][] {{1, 1}, {1, 1}}, dt));

        for (SpdInverse s : List.of(diagonal, dense, singular)) {
            assertThat(s.succeeded()).isFalse();
            assertThat(s.inverse()).isNull();
            assertThat(s.failure()).hasValueSatisfying(m -> assertThat(m).containsIgnoringCase("positive definite"));
        }
    }

    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("implementationsAndTypes")
    void nonFiniteInput_reportsFailureFromBothKernels(String name, SymmetricLinearAlgebra la, DataType dt) {
        List<double[][]> inputs = new ArrayList<>();
        inputs.add(new double[][] {{2, Double.NaN}, {Double.NaN, 2}});
        inputs.add(new double[][] {{2, 0, 0}, {0, 2, 0}, {Double.NaN, 0, 2}}); // only the lower triangle, which LAPACK never reads
        inputs.add(new double[][] {{Double.POSITIVE_INFINITY, 0}, {0, 1}});

        for (double[][] input : inputs) {
            EigenDecomposition e = la.eigh(nd(input, dt));
            SpdInverse s = la.spdInverse(nd(input, dt));
            assertThat(e.succeeded()).isFalse();
            assertThat(e.eigenvalues()).isNull();
            assertThat(e.failure()).hasValueSatisfying(m -> assertThat(m).contains("NaN or infinite"));
            assertThat(s.succeeded()).isFalse();
            assertThat(s.failure()).hasValueSatisfying(m -> assertThat(m).contains("NaN or infinite"));
        }
    }

    // ---------------------------------------------------------------- input and result handling

    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("implementationsAndTypes")
    void input_isBitIdenticalAfterEveryCall_forDenseFortranAndViewInputs(String name, SymmetricLinearAlgebra la,
            DataType dt) {
        int n = 7;
        double[][] spd = LinalgOracles.randomSpd(n, 21);
        INDArray dense = nd(spd, dt);
        INDArray fortran = dense.dup('f');
        double[][] padded = new double[n + 3][n + 3];
        for (int i = 0; i < n; i++) {
            System.arraycopy(spd[i], 0, padded[i + 2], 1, n);
        }
        INDArray view = nd(padded, dt).get(NDArrayIndex.interval(2, n + 2), NDArrayIndex.interval(1, n + 1));
        assertThat(view.isView()).isTrue();

        EigenDecomposition reference = la.eigh(dense.dup());
        SpdInverse referenceInverse = la.spdInverse(dense.dup());
        for (INDArray input : List.of(dense, fortran, view)) {
            INDArray before = input.dup();
            EigenDecomposition e = la.eigh(input);
            assertBitIdentical(input, before);
            SpdInverse s = la.spdInverse(input);
            assertBitIdentical(input, before);
            // the layout of the input does not change the answer
            assertBitIdentical(e.eigenvalues(), reference.eigenvalues());
            assertBitIdentical(e.eigenvectors(), reference.eigenvectors());
            assertBitIdentical(s.inverse(), referenceInverse.inverse());
        }
        // and neither does a failing call
        INDArray indefinite = nd(LinalgOracles.diagonal(1, -1), dt);
        INDArray before = indefinite.dup();
        la.spdInverse(indefinite);
        la.eigh(indefinite);
        assertBitIdentical(indefinite, before);
    }

    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("implementationsAndTypes")
    void results_areFreshCOrderedArraysOfTheInputType(String name, SymmetricLinearAlgebra la, DataType dt) {
        int n = 5;
        INDArray input = nd(LinalgOracles.randomSpd(n, 8), dt);
        INDArray before = input.dup();

        EigenDecomposition e = la.eigh(input);
        SpdInverse s = la.spdInverse(input);

        assertThat(e.succeeded()).isTrue();
        assertThat(s.succeeded()).isTrue();
        assertThat(e.eigenvalues().shape()).containsExactly(n);
        assertThat(e.eigenvectors().shape()).containsExactly(n, n);
        assertThat(s.inverse().shape()).containsExactly(n, n);
        for (INDArray result : List.of(e.eigenvalues(), e.eigenvectors(), s.inverse())) {
            assertThat(result.dataType()).isEqualTo(dt);
            assertThat(result.ordering()).isEqualTo('c');
            assertThat(result.isView()).isFalse();
            assertThat(result.isAttached()).isFalse();
            result.assign(42); // the caller owns the results: writing them leaves the input alone
        }
        assertBitIdentical(input, before);
    }

    @ParameterizedTest(name = "{0} {2}")
    @MethodSource("implementationsAndTypes")
    void oneByOne_isTrivial(String name, SymmetricLinearAlgebra la, DataType dt) {
        EigenDecomposition e = la.eigh(nd(new double[][] {{4}}, dt));
        SpdInverse s = la.spdInverse(nd(new double[][] {{4}}, dt));

        assertThat(javaVector(e.eigenvalues())).containsExactly(4.0);
        assertThat(Math.abs(java(e.eigenvectors())[0][0])).isEqualTo(1.0);
        assertThat(java(s.inverse())[0][0]).isEqualTo(0.25);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("implementations")
    void float64Decompositions_areCorrectOrReportedFailed_evenOnBrokenKernels(SymmetricLinearAlgebra la) {
        // Runs on every machine: where the float64 BLAS kernels are broken the result must be
        // reported as failed, never returned as a wrong answer.
        int n = 300;
        double[] lambda = LinalgOracles.logSpaced(n, 1, 100);
        double[][] a = LinalgOracles.withSpectrum(LinalgOracles.randomOrthogonal(n, new Random(9)), lambda);

        EigenDecomposition e = la.eigh(nd(a, DataType.DOUBLE));
        SpdInverse s = la.spdInverse(nd(a, DataType.DOUBLE));

        double tolerance = C * n * eps(DataType.DOUBLE) * frobenius(a);
        if (e.succeeded()) {
            double[] w = javaVector(e.eigenvalues());
            for (int k = 0; k < n; k++) {
                assertThat(w[k]).isCloseTo(lambda[k], offset(tolerance));
            }
            assertThat(eigenResidual(a, java(e.eigenvectors()), w)).isLessThanOrEqualTo(tolerance);
        } else {
            assertThat(Float64Kernels.HEALTHY).as("failure on healthy kernels: %s", e.failureReason()).isFalse();
        }
        if (s.succeeded()) {
            double kappa = 100;
            assertThat(inverseResidual(a, java(s.inverse())))
                    .isLessThanOrEqualTo(C * n * eps(DataType.DOUBLE) * kappa * Math.sqrt(n));
        } else {
            assertThat(Float64Kernels.HEALTHY).as("failure on healthy kernels: %s", s.failureReason()).isFalse();
        }
    }

    // ---------------------------------------------------------------- misuse

    @ParameterizedTest(name = "{0}")
    @MethodSource("implementations")
    void misuse_nonSquareWrongRankWrongTypeEmptyOrNull_throwsNamingTheProblem(SymmetricLinearAlgebra la) {
        List<Function<INDArray, Object>> operations = List.of(la::eigh, la::spdInverse);
        for (Function<INDArray, Object> op : operations) {
            assertThatThrownBy(() -> op.apply(Nd4j.zeros(DataType.DOUBLE, 2, 3)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("square")
                    .hasMessageContaining("[2, 3]");
            assertThatThrownBy(() -> op.apply(Nd4j.zeros(DataType.DOUBLE, 2, 2, 2)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rank 3");
            assertThatThrownBy(() -> op.apply(Nd4j.zeros(DataType.DOUBLE, 4)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("rank 1");
            assertThatThrownBy(() -> op.apply(Nd4j.eye(2).castTo(DataType.INT32)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("data type INT");
            assertThatThrownBy(() -> op.apply(Nd4j.eye(2).castTo(DataType.HALF)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("data type HALF")
                    .hasMessageContaining("FLOAT or DOUBLE");
            assertThatThrownBy(() -> op.apply(Nd4j.create(DataType.DOUBLE, 0, 0)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("non-empty");
            assertThatThrownBy(() -> op.apply(null)).isInstanceOf(NullPointerException.class);
        }
    }

    // ---------------------------------------------------------------- helpers

    private static int indexOf(double[] values, double value) {
        for (int i = 0; i < values.length; i++) {
            if (values[i] == value) {
                return i;
            }
        }
        throw new IllegalArgumentException(value + " not found");
    }

    /** Both triangles filled, x_ij == x_ji bit for bit. */
    static void assertExactlySymmetricAndDense(double[][] x) {
        int n = x.length;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < i; j++) {
                assertThat(x[i][j]).as("x[%d][%d] vs x[%d][%d]", i, j, j, i).isEqualTo(x[j][i]);
            }
        }
        assertThat(x[n - 1][0]).as("lower triangle filled").isNotZero();
    }

    static void assertBitIdentical(INDArray actual, INDArray expected) {
        assertThat(actual.dataType()).isEqualTo(expected.dataType());
        assertThat(actual.shape()).isEqualTo(expected.shape());
        if (actual.dataType() == DataType.DOUBLE) {
            double[] x = actual.dup('c').data().asDouble();
            double[] y = expected.dup('c').data().asDouble();
            assertThat(Arrays.stream(x).mapToLong(Double::doubleToRawLongBits).toArray())
                    .isEqualTo(Arrays.stream(y).mapToLong(Double::doubleToRawLongBits).toArray());
        } else {
            float[] x = actual.dup('c').data().asFloat();
            float[] y = expected.dup('c').data().asFloat();
            int[] xb = new int[x.length];
            int[] yb = new int[y.length];
            for (int i = 0; i < x.length; i++) {
                xb[i] = Float.floatToRawIntBits(x[i]);
                yb[i] = Float.floatToRawIntBits(y[i]);
            }
            assertThat(xb).isEqualTo(yb);
        }
    }
}
