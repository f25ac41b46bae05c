package org.kron4j.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.kron4j.api.linalg.LinearAlgebras;
import org.kron4j.api.optim.DampingMode;
import org.kron4j.api.store.FactorStore;
import org.kron4j.api.store.Precision;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.LayerSpec;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Low-rank application of (Ã ⊗ G̃ + λI)⁻¹ against the explicit Kronecker algebra, in float64 on
 * constructed spectra (known eigenvalues, random orthonormal eigenvectors). Tolerances: every
 * quantity here is O(1/λ) ≤ 10² with condition numbers ≤ 10⁵, so float64 rounding stays below
 * 10⁵·10⁻¹⁶·(m + n) ≈ 10⁻⁹ relative; 1e-9 is used.
 */
class LowRankApplicationTest {
    private static final int M = 7;
    private static final int N = 9;
    private static final double LAMBDA = 0.01;

    /** A random n×n orthonormal matrix (the eigenvectors of a random symmetric matrix). */
    private static INDArray orthonormal(int n, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray r = Nd4j.randn(DataType.DOUBLE, n, n);
        return LinearAlgebras.forCurrentBackend().eigh(r.add(r.transpose())).eigenvectors();
    }

    /** Ascending eigenvalues spread over five decades. */
    private static INDArray spectrum(int n, double top) {
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            values[i] = top * Math.pow(10, -5.0 * (n - 1 - i) / (n - 1));
        }
        return Nd4j.createFromArray(values);
    }

    private static INDArray compose(INDArray vectors, INDArray values) {
        return vectors.mulRowVector(values.reshape(1, values.length())).mmul(vectors.transpose());
    }

    /** (A ⊗ G + λI)⁻¹ vec(V) by the dense Kronecker product, reshaped back to m×n (column-major vec). */
    private static INDArray denseInverse(INDArray a, INDArray g, INDArray v, double lambda) {
        INDArray k = KroneckerAlgebra.kron(a, g).addi(Nd4j.eye(a.rows() * g.rows()).castTo(DataType.DOUBLE).muli(lambda));
        INDArray vec = Nd4j.toFlattened('f', v).reshape(v.length(), 1);
        INDArray solved = LinearAlgebras.forCurrentBackend().spdInverse(k).inverse().mmul(vec);
        return solved.reshape('f', v.rows(), v.columns());
    }

    private static double relative(INDArray actual, INDArray expected) {
        return actual.sub(expected).norm2Number().doubleValue() / expected.norm2Number().doubleValue();
    }

    @Test
    void fullRank_equalsTheExactInverse() {
        INDArray qa = orthonormal(N, 1);
        INDArray qg = orthonormal(M, 2);
        INDArray a = spectrum(N, 2.0);
        INDArray g = spectrum(M, 3.0);
        INDArray v = Nd4j.randn(DataType.DOUBLE, M, N);
        LowRankFactor fullA = LowRankFactor.truncate(a, qa, N);
        LowRankFactor fullG = LowRankFactor.truncate(g, qg, M + 5); // k above dim: kept whole
        assertThat(fullA.truncated()).isFalse();
        assertThat(fullG.truncated()).isFalse();
        INDArray lowRank = KroneckerAlgebra.applyLowRank(fullG, v, fullA, LAMBDA, true);
        INDArray exact = denseInverse(compose(qa, a), compose(qg, g), v, LAMBDA);
        assertThat(relative(lowRank, exact)).isLessThan(1e-9);
    }

    @Test
    void truncated_actsOnEachKroneckerEigendirectionAsTheTruncatedSpectrumSays() {
        int kA = 3;
        int kG = 2;
        INDArray qa = orthonormal(N, 3);
        INDArray qg = orthonormal(M, 4);
        INDArray a = spectrum(N, 2.0);
        INDArray g = spectrum(M, 3.0);
        LowRankFactor lowA = LowRankFactor.truncate(a, qa, kA);
        LowRankFactor lowG = LowRankFactor.truncate(g, qg, kG);
        double meanA = a.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, N - kA)).meanNumber().doubleValue();
        double meanG = g.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, M - kG)).meanNumber().doubleValue();
        assertThat(lowA.rest()).isCloseTo(meanA, org.assertj.core.data.Offset.offset(1e-15));
        assertThat(lowG.rest()).isCloseTo(meanG, org.assertj.core.data.Offset.offset(1e-15));
        double worst = 0;
        for (int i = 0; i < M; i++) {
            for (int j = 0; j < N; j++) {
                // E = q_G,i q_A,jᵀ is an eigenvector of A ⊗ G (eigenvalue g_i a_j) and of Ã ⊗ G̃
                INDArray e = qg.getColumn(i).reshape(M, 1).mmul(qa.getColumn(j).reshape(1, N));
                double gi = i >= M - kG ? g.getDouble(i) : meanG;
                double aj = j >= N - kA ? a.getDouble(j) : meanA;
                INDArray applied = KroneckerAlgebra.applyLowRank(lowG, e, lowA, LAMBDA, true);
                assertThat(relative(applied, e.mul(1 / (gi * aj + LAMBDA)))).as("direction (%d, %d)", i, j)
                        .isLessThan(1e-9);
                worst = Math.max(worst, Math.abs(1 / (gi * aj + LAMBDA) - 1 / (g.getDouble(i) * a.getDouble(j) + LAMBDA)));
            }
        }
        // on any V the error against the full inverse is at most the discarded spectrum's bound
        // max |1/(g̃ ã + λ) − 1/(g a + λ)| · ‖V‖_F (both operators are diagonal in the same basis)
        INDArray exactA = compose(qa, a);
        INDArray exactG = compose(qg, g);
        for (long seed = 10; seed < 15; seed++) {
            Nd4j.getRandom().setSeed(seed);
            INDArray v = Nd4j.randn(DataType.DOUBLE, M, N);
            double error = KroneckerAlgebra.applyLowRank(lowG, v, lowA, LAMBDA, true)
                    .sub(denseInverse(exactA, exactG, v, LAMBDA)).norm2Number().doubleValue();
            assertThat(error).isLessThanOrEqualTo(worst * v.norm2Number().doubleValue() * (1 + 1e-9));
        }
        assertThat(worst).isPositive();
    }

    @Test
    void productAndInverse_undoEachOther() {
        LowRankFactor lowA = LowRankFactor.truncate(spectrum(N, 2.0), orthonormal(N, 5), 4);
        LowRankFactor lowG = LowRankFactor.truncate(spectrum(M, 3.0), orthonormal(M, 6), 3);
        INDArray v = Nd4j.randn(DataType.DOUBLE, M, N);
        INDArray back = KroneckerAlgebra.applyLowRank(lowG, KroneckerAlgebra.applyLowRank(lowG, v, lowA, LAMBDA, false),
                lowA, LAMBDA, true);
        assertThat(relative(back, v)).isLessThan(1e-9);
    }

    @Test
    void lowRank_needsEigenDamping_andIsValidated() {
        FactorStore store = new FactorStore(Precision.FLOAT, Precision.DOUBLE, 0.9, LinearAlgebras.forCurrentBackend());
        LayerSpec layer = LayerSpec.dense("wide", 8, 4, true, Activation.TANH);
        assertThatThrownBy(() -> KfacBlock.create(layer, store, DenseStatistics::new, DampingMode.FACTORED, 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'lowRank'").hasMessageContaining("dampingMode=eigen");
        assertThatThrownBy(() -> LowRankFactor.truncate(spectrum(3, 1), orthonormal(3, 1), 0))
                .hasMessageContaining("rank must be >= 1");
    }
}
