package org.kron4j.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.kron4j.api.linalg.LinearAlgebras;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The per-step products with reused intermediates ({@link ProductScratch}) against a float64
 * evaluation of the same expressions, and against the allocating forms of
 * {@link KroneckerAlgebra}, for 'c' and 'f' gradients (the DL4J adapter hands 'c', the reference
 * engine 'f'), with one scratch serving a shape that changes between calls (it reallocates) and
 * repeats (it reuses).
 *
 * <p><b>Tolerance.</b> The scratch forms run the same products, but with outputs in 'f' order
 * where the allocating forms may produce 'c' (ND4J picks the output order from the operands), so
 * BLAS may sum in another order: the two float32 results may differ in rounding. The inputs are
 * as in use: symmetric positive definite inverses scaled to norm ~1, or orthonormal eigenvectors
 * and denominators in [0.5, 1.5]. A float32 product with inner dimension k is off by at most
 * γ_k ≈ k·u (u = 2⁻²⁴) times |A||B| elementwise; with ‖·‖₂ ≤ 1 factors, four products of inner
 * dimensions m, c, m, c and a division by D ≥ 0.5 keep the normwise relative error below
 * 2·2(m + c)·u·√max(m, c) (the √ from |Q| versus Q in the Frobenius norm). At m = 300, c = 201
 * that is 2.4e-3; an indexing or transpose mistake gives errors of order 1.
 */
class KroneckerAlgebraScratchTest {

    private static INDArray spdInverseLike(int n, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.randn(DataType.DOUBLE, n, n);
        INDArray a = x.mmul(x.transpose()).divi(n).addi(Nd4j.eye(n).castTo(DataType.DOUBLE));
        return a.divi(a.norm2Number().doubleValue() / Math.sqrt(n)).castTo(DataType.FLOAT);
    }

    private static INDArray orthonormal(int n, long seed) {
        INDArray spd = spdInverseLike(n, seed).castTo(DataType.DOUBLE);
        return LinearAlgebras.lapack().eigh(spd.add(spd.transpose()).muli(0.5)).eigenvectors().castTo(DataType.FLOAT);
    }

    private static double relativeError(INDArray actual, INDArray expected) {
        INDArray e = expected.castTo(DataType.DOUBLE);
        return actual.castTo(DataType.DOUBLE).sub(e).norm2Number().doubleValue() / e.norm2Number().doubleValue();
    }

    private static INDArray d(INDArray a) {
        return a.castTo(DataType.DOUBLE);
    }

    @ParameterizedTest(name = "m={0} c={1} gradient order {2}")
    @CsvSource({"7,5,c", "7,5,f", "64,33,c", "300,201,f", "300,201,c", "1,9,c"})
    void scratchProducts_matchFloat64AndAllocatingProducts(int m, int c, char order) {
        double bound = 2 * 2 * (m + c) * Math.pow(2, -24) * Math.sqrt(Math.max(m, c));
        INDArray gInv = spdInverseLike(m, 1);
        INDArray aInv = spdInverseLike(c, 2);
        INDArray qG = orthonormal(m, 3);
        INDArray qA = orthonormal(c, 4);
        Nd4j.getRandom().setSeed(5);
        INDArray denominators = Nd4j.rand(DataType.FLOAT, m, c).addi(0.5f);
        ProductScratch scratch = new ProductScratch(2);
        // a first call on another shape, so the scratch must reallocate for this one
        KroneckerAlgebra.applyInverses(spdInverseLike(3, 6), Nd4j.ones(DataType.FLOAT, 3, 2), spdInverseLike(2, 7),
                scratch);
        for (int repeat = 0; repeat < 2; repeat++) {
            Nd4j.getRandom().setSeed(10 + repeat);
            INDArray v = Nd4j.randn(DataType.FLOAT, new long[] {m, c}).dup(order);

            INDArray factored = KroneckerAlgebra.applyInverses(gInv, v, aInv, scratch);
            INDArray factored64 = d(gInv).mmul(d(v)).mmul(d(aInv));
            assertThat(relativeError(factored, factored64)).isLessThan(bound);
            assertThat(relativeError(factored, KroneckerAlgebra.applyInverses(gInv, v, aInv))).isLessThan(bound);

            INDArray eigen = KroneckerAlgebra.applyEigenInverse(qG, v, qA, denominators, scratch);
            INDArray eigen64 = d(qG).mmul(d(qG).transpose().mmul(d(v)).mmul(d(qA)).divi(d(denominators)))
                    .mmul(d(qA).transpose());
            assertThat(relativeError(eigen, eigen64)).isLessThan(bound);
            assertThat(relativeError(eigen, KroneckerAlgebra.applyEigenInverse(qG, v, qA, denominators)))
                    .isLessThan(bound);
        }
    }
}
