package org.kron4j.api.linalg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.kron4j.api.linalg.LinalgOracles.C;
import static org.kron4j.api.linalg.LinalgOracles.column;
import static org.kron4j.api.linalg.LinalgOracles.columnResiduals;
import static org.kron4j.api.linalg.LinalgOracles.distanceUpToSign;
import static org.kron4j.api.linalg.LinalgOracles.eps;
import static org.kron4j.api.linalg.LinalgOracles.frobenius;
import static org.kron4j.api.linalg.LinalgOracles.inverseResidual;
import static org.kron4j.api.linalg.LinalgOracles.java;
import static org.kron4j.api.linalg.LinalgOracles.javaVector;
import static org.kron4j.api.linalg.LinalgOracles.nd;
import static org.kron4j.api.linalg.LinalgOracles.orthogonalityError;

import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The GPU-capable portable path gives the numbers of the CPU LAPACK path, on random SPD
 * matrices X·Xᵀ/n + I.
 *
 * <p>Both results are compared through a-posteriori error bounds computed in plain Java from
 * their own residuals against the input, so the tolerances are as tight as the results allow
 * and do not trust either implementation:
 * <ul>
 *   <li>eigenvalues: with R = A·Q̂ − Q̂·Ŵ and Q̂ orthonormal to 1e-3, the sorted ŵ lie within
 *       ‖R‖₂/σ_min(Q̂) ≤ 2‖R‖_F of A's sorted eigenvalues (Kahan's residual theorem), so the two
 *       sets differ by at most E = 2(‖R_lapack‖_F + ‖R_nd4j‖_F);</li>
 *   <li>eigenvectors, up to sign: by the gap theorem (Davis–Kahan sin θ for one vector) a
 *       unit vector with residual r is within angle r/δ of the
 *       eigenvector, δ being its distance to the rest of the spectrum, which is at least the
 *       computed gap minus 4E; columns whose eigenvalue is not separated by more than that are
 *       not determined and are not compared;</li>
 *   <li>inverses: ‖X̂ − A⁻¹‖_F ≤ ‖A⁻¹‖₂·‖A·X̂ − I‖_F and ‖A⁻¹‖₂ ≤ 1/(1 − ε‖A‖_F) because A's
 *       smallest eigenvalue is at least 1 before rounding to the working type.</li>
 * </ul>
 * Each residual is also held to the backward-error bound of {@link LinalgOracles}.
 */
class PortableAgreesWithLapackTest {

    static Stream<Arguments> sizesAndTypes() {
        return IntStream.of(1, 2, 7, 64, 300).boxed().flatMap(n -> Stream.of(
                Arguments.of(n, DataType.FLOAT), Arguments.of(n, DataType.DOUBLE)));
    }

    @ParameterizedTest(name = "n={0} {1}")
    @MethodSource("sizesAndTypes")
    void eigh_randomSpd_portableMatchesLapack(int n, DataType dt) {
        Float64Kernels.assumeCorrectFor(dt, n);
        INDArray input = nd(LinalgOracles.randomSpd(n, 1000L + n), dt);
        double[][] a = java(input);
        double backward = C * n * eps(dt) * frobenius(a);

        EigenDecomposition lapack = LinearAlgebras.lapack().eigh(input);
        EigenDecomposition portable = LinearAlgebras.portable().eigh(input);

        assertThat(lapack.succeeded()).as(lapack.failureReason()).isTrue();
        assertThat(portable.succeeded()).as(portable.failureReason()).isTrue();
        double[] wl = javaVector(lapack.eigenvalues());
        double[] wp = javaVector(portable.eigenvalues());
        double[][] ql = java(lapack.eigenvectors());
        double[][] qp = java(portable.eigenvectors());
        double[] computedL = columnResiduals(a, ql, wl);
        double[] computedP = columnResiduals(a, qp, wp);
        assertThat(norm(computedL)).isLessThanOrEqualTo(backward);
        assertThat(norm(computedP)).isLessThanOrEqualTo(backward);
        double[] rl = upperBound(computedL, a, wl);
        double[] rp = upperBound(computedP, a, wp);
        double residualL = norm(rl);
        double residualP = norm(rp);
        assertThat(orthogonalityError(ql)).isLessThanOrEqualTo(Math.min(1e-3, C * n * eps(dt) * Math.sqrt(n)));
        assertThat(orthogonalityError(qp)).isLessThanOrEqualTo(Math.min(1e-3, C * n * eps(dt) * Math.sqrt(n)));

        double e = 2 * (residualL + residualP);
        for (int k = 0; k < n; k++) {
            assertThat(Math.abs(wl[k] - wp[k])).as("eigenvalue %d", k).isLessThanOrEqualTo(e);
        }

        int compared = 0;
        for (int k = 0; k < n; k++) {
            double gap = Double.POSITIVE_INFINITY;
            for (int j = 0; j < n; j++) {
                if (j != k) {
                    gap = Math.min(gap, Math.abs(wl[j] - wl[k]));
                }
            }
            double delta = gap - 4 * e;
            if (delta <= 0) {
                continue;
            }
            double[] xl = column(ql, k);
            double[] xp = column(qp, k);
            double nl = Math.sqrt(LinalgOracles.dot(xl, xl));
            double np = Math.sqrt(LinalgOracles.dot(xp, xp));
            double tolerance = Math.sqrt(2) * (rl[k] / nl + rp[k] / np) / delta
                    + Math.abs(nl - 1) + Math.abs(np - 1) + C * n * eps(dt);
            assertThat(distanceUpToSign(xl, xp)).as("eigenvector %d (tolerance %.3g)", k, tolerance)
                    .isLessThanOrEqualTo(tolerance);
            compared++;
        }
        // The spectrum of X·Xᵀ/n + I is spread over [1, 5]: nearly every column is determined.
        assertThat(compared).isGreaterThanOrEqualTo(n * 9 / 10);
    }

    @ParameterizedTest(name = "n={0} {1}")
    @MethodSource("sizesAndTypes")
    void spdInverse_randomSpd_portableMatchesLapack(int n, DataType dt) {
        Float64Kernels.assumeCorrectFor(dt, n);
        INDArray input = nd(LinalgOracles.randomSpd(n, 2000L + n), dt);
        double[][] a = java(input);
        double inverseNormBound = 1 / (1 - eps(dt) * frobenius(a));
        double kappaBound = frobenius(a) * inverseNormBound;

        SpdInverse lapack = LinearAlgebras.lapack().spdInverse(input);
        SpdInverse portable = LinearAlgebras.portable().spdInverse(input);

        assertThat(lapack.succeeded()).as(lapack.failureReason()).isTrue();
        assertThat(portable.succeeded()).as(portable.failureReason()).isTrue();
        double[][] xl = java(lapack.inverse());
        double[][] xp = java(portable.inverse());
        double backward = C * n * eps(dt) * kappaBound * Math.sqrt(n);
        assertThat(inverseResidual(a, xl)).isLessThanOrEqualTo(backward);
        assertThat(inverseResidual(a, xp)).isLessThanOrEqualTo(backward);
        // plus the rounding of the plain-Java product itself: |fl(A·X) − A·X| ≤ n·ε₆₄·‖A‖_F·‖X‖_F
        double residualL = inverseResidual(a, xl) + n * Math.ulp(1.0) * frobenius(a) * frobenius(xl);
        double residualP = inverseResidual(a, xp) + n * Math.ulp(1.0) * frobenius(a) * frobenius(xp);

        double[][] difference = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                difference[i][j] = xl[i][j] - xp[i][j];
            }
        }
        assertThat(frobenius(difference)).isLessThanOrEqualTo(inverseNormBound * (residualL + residualP));
        SymmetricLinearAlgebraContractTest.assertExactlySymmetricAndDense(xl);
        SymmetricLinearAlgebraContractTest.assertExactlySymmetricAndDense(xp);
    }

    /**
     * The column residuals computed in float64 plus a bound on that computation's own rounding,
     * n·ε₆₄·(‖A‖_F + |w_k|), so that they bound the exact residuals.
     */
    private static double[] upperBound(double[] residuals, double[][] a, double[] w) {
        int n = w.length;
        double normA = frobenius(a);
        double[] r = new double[n];
        for (int k = 0; k < n; k++) {
            r[k] = residuals[k] + n * Math.ulp(1.0) * (normA + Math.abs(w[k]));
        }
        return r;
    }

    private static double norm(double[] v) {
        return Math.sqrt(LinalgOracles.dot(v, v));
    }
}
