package org.kron4j.shampoo;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Mode-i unfoldings of a tensor block without forming them: the statistic G_(i) G_(i)ᵀ and the
 * chain of mode products G ×₁ R₁ ⋯ ×_k R_k. Orders 1 and 2 use plain matrix products; higher
 * orders use {@code tensorMmul}. ND4J operations only.
 */
final class ModeAlgebra {
    private ModeAlgebra() {
    }

    /**
     * G_(i) G_(i)ᵀ, the d_i × d_i Gram matrix of the mode-i fibres: entry (a, b) is the sum over all
     * other indices of G[…a…] G[…b…].
     *
     * <p>The result is made exactly symmetric, (S + Sᵀ)/2: a BLAS product XXᵀ is symmetric only up
     * to rounding (its two triangles are summed in different orders), and in float32 that
     * asymmetry (~1e-7·‖S‖) is enough for the factor store's a-posteriori eigendecomposition check,
     * which tests the whole matrix while LAPACK reads one triangle, to reject the result.
     *
     * @param block a dense tensor of order k ≥ 1 (not modified)
     */
    static INDArray statistic(INDArray block, int mode) {
        return symmetrized(gram(block, mode));
    }

    private static INDArray gram(INDArray block, int mode) {
        int k = block.rank();
        if (k == 1) {
            INDArray column = block.reshape(block.length(), 1);
            return Nd4j.gemm(column, column, false, true);
        }
        if (k == 2) {
            return mode == 0 ? Nd4j.gemm(block, block, false, true) : Nd4j.gemm(block, block, true, false);
        }
        int[] others = new int[k - 1];
        for (int j = 0, o = 0; j < k; j++) {
            if (j != mode) {
                others[o++] = j;
            }
        }
        return Nd4j.tensorMmul(block, block, new int[][] {others, others});
    }

    /**
     * (S + Sᵀ)/2 as a new array: exactly symmetric, since floating-point addition commutes. The
     * transpose is copied into S's own ordering first: adding a transposed view directly takes
     * ND4J's mixed-order path, about three times slower.
     */
    static INDArray symmetrized(INDArray square) {
        return square.transpose().dup(square.ordering()).addi(square).muli(0.5);
    }

    /**
     * G ×₁ R₁ ⋯ ×_k R_k for symmetric R_i: (G ×_i R)[…a…] = Σ_j R[a, j] G[…j…]. For order 2 this is
     * R₁ G R₂. Higher orders contract the leading mode k times: each contraction moves the new
     * mode to the end, so after k of them the modes are back in their original order.
     *
     * @param block a tensor of order k (not modified)
     * @param roots k symmetric matrices, roots[i] of size d_i × d_i, of the block's data type
     * @return a new tensor of the block's shape
     */
    static INDArray apply(INDArray block, INDArray[] roots) {
        int k = block.rank();
        if (k == 1) {
            return roots[0].mmul(block.reshape(block.length(), 1)).reshape(block.length());
        }
        if (k == 2) {
            return roots[0].mmul(block).mmul(roots[1]);
        }
        INDArray result = block;
        for (int i = 0; i < k; i++) {
            result = Nd4j.tensorMmul(result, roots[i], new int[][] {{0}, {0}});
        }
        return result;
    }
}
