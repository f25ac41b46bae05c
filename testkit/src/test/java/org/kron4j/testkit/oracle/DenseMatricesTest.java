package org.kron4j.testkit.oracle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The plain-Java matrix helpers the oracles are built from. Tolerances: rounding of O(1) entries in ≤ 12×12 products. */
class DenseMatricesTest {

    private static double[][] random(int rows, int cols, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[][] a = new double[rows][cols];
        for (double[] row : a) {
            for (int c = 0; c < cols; c++) {
                row[c] = r.nextDouble() * 2 - 1;
            }
        }
        return a;
    }

    private static double[][] spd(int n, long seed) {
        double[][] b = random(n, n, seed);
        return DenseMatrices.addToDiagonal(DenseMatrices.multiply(b, DenseMatrices.transpose(b)), 0.1);
    }

    @Test
    void vecAndKron_satisfyTheKfacIdentity() {
        // vec(G V A) = (Aᵀ ⊗ G) vec(V), with column-major vec: the identity K-FAC's
        // (A ⊗ G)⁻¹ vec(V) = vec(G⁻¹ V A⁻¹) rests on.
        double[][] g = random(3, 3, 1);
        double[][] v = random(3, 4, 2);
        double[][] a = random(4, 4, 3);
        double[] left = DenseMatrices.vec(DenseMatrices.multiply(g, DenseMatrices.multiply(v, a)));
        double[] right = DenseMatrices.multiply(DenseMatrices.kron(DenseMatrices.transpose(a), g), DenseMatrices.vec(v));
        assertThat(DenseMatrices.maxAbsDifference(left, right)).isLessThan(1e-13);
        assertThat(DenseMatrices.vec(new double[][] {{1, 2}, {3, 4}})).containsExactly(1, 3, 2, 4);
        assertThat(DenseMatrices.maxAbsDifference(DenseMatrices.unvec(DenseMatrices.vec(v), 3, 4), v)).isZero();
        assertThat(DenseMatrices.kron(new double[][] {{1, 2}}, new double[][] {{1}, {10}}))
                .isDeepEqualTo(new double[][] {{1, 2}, {10, 20}});
    }

    @Test
    void inverses_invert() {
        double[][] a = random(6, 6, 4);
        assertThat(DenseMatrices.maxAbsDifference(DenseMatrices.multiply(a, DenseMatrices.inverse(a)),
                DenseMatrices.identity(6))).isLessThan(1e-11);
        double[][] s = spd(7, 5);
        double[][] inv = DenseMatrices.inverseSpd(s);
        assertThat(DenseMatrices.isSymmetric(inv, 0.0)).isTrue();
        assertThat(DenseMatrices.maxAbsDifference(DenseMatrices.multiply(s, inv), DenseMatrices.identity(7)))
                .isLessThan(1e-10);
        assertThat(DenseMatrices.maxAbsDifference(inv, DenseMatrices.inverse(s))).isLessThan(1e-9);
        double[][] l = DenseMatrices.cholesky(s);
        assertThat(DenseMatrices.maxAbsDifference(DenseMatrices.multiply(l, DenseMatrices.transpose(l)), s))
                .isLessThan(1e-13);
        assertThatThrownBy(() -> DenseMatrices.inverse(new double[][] {{1, 2}, {2, 4}}))
                .isInstanceOf(ArithmeticException.class);
        assertThatThrownBy(() -> DenseMatrices.cholesky(new double[][] {{1, 2}, {2, 1}}))
                .isInstanceOf(ArithmeticException.class);
    }

    @Test
    void symmetricEigen_reconstructsWithOrthonormalVectors() {
        double[][] s = DenseMatrices.symmetrize(random(12, 12, 6));
        DenseMatrices.SymmetricEigen eigen = DenseMatrices.symmetricEigen(s);
        double[][] q = eigen.vectors();
        double[][] rebuilt = DenseMatrices.multiply(q,
                DenseMatrices.multiply(DenseMatrices.diagonal(eigen.values()), DenseMatrices.transpose(q)));
        assertThat(DenseMatrices.maxAbsDifference(rebuilt, s)).isLessThan(1e-12);
        assertThat(DenseMatrices.maxAbsDifference(DenseMatrices.multiply(DenseMatrices.transpose(q), q),
                DenseMatrices.identity(12))).isLessThan(1e-12);
        for (int i = 1; i < 12; i++) {
            assertThat(eigen.values()[i]).isGreaterThanOrEqualTo(eigen.values()[i - 1]);
        }
        assertThat(DenseMatrices.symmetricEigen(DenseMatrices.diagonal(new double[] {3, -1, 2})).values())
                .containsExactly(-1, 2, 3);
        assertThat(DenseMatrices.trace(s)).isCloseTo(java.util.Arrays.stream(eigen.values()).sum(),
                org.assertj.core.data.Offset.offset(1e-12));
    }

    @Test
    void nd4jConversions_roundTrip() {
        double[][] a = random(3, 5, 7);
        INDArray nd = DenseMatrices.toINDArray(a, DataType.DOUBLE);
        assertThat(DenseMatrices.toDoubleArray(nd)).isDeepEqualTo(a);
        assertThat(DenseMatrices.toDoubleArray(nd.dup('f'))).isDeepEqualTo(a);
        // FLOAT: values survive up to float rounding (relative 6e-8)
        assertThat(DenseMatrices.maxAbsDifference(DenseMatrices.toDoubleArray(DenseMatrices.toINDArray(a,
                DataType.FLOAT)), a)).isLessThan(1e-7);
        double[] v = DenseMatrices.vec(a);
        assertThat(DenseMatrices.toDoubleArray(DenseMatrices.unvecToINDArray(v, 3, 5, DataType.DOUBLE))).isDeepEqualTo(a);
    }
}
