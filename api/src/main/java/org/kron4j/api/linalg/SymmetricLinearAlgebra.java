package org.kron4j.api.linalg;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The two dense kernels every curvature factor needs: the symmetric eigendecomposition and the
 * inverse of a symmetric positive-definite matrix.
 *
 * <p>Contract, shared by every implementation:
 * <ul>
 *   <li>Inputs are square, symmetric, 2-D and of data type {@code FLOAT} or {@code DOUBLE}. The
 *       computation runs in the input's data type and results come back in it; the caller (the
 *       factor store) converts to the decomposition precision first.</li>
 *   <li>The input is never modified; results are freshly allocated, contiguous, 'c'-ordered
 *       arrays that the caller owns.</li>
 *   <li>Numerical failure is reported, not thrown: a result says whether it succeeded and, when
 *       not, why ({@link Decomposition#failure()}). Only misuse (wrong shape or data type) throws
 *       {@link IllegalArgumentException}.</li>
 *   <li>Implementations are stateless and may be called from any thread.</li>
 * </ul>
 */
public interface SymmetricLinearAlgebra {

    /** A short, stable name for logs and benchmarks, e.g. {@code "lapack"} or {@code "nd4j"}. */
    String name();

    /**
     * Eigendecomposition {@code a = Q diag(w) Qᵀ} of a symmetric matrix.
     *
     * @param a symmetric n×n matrix, never null, not modified
     * @return eigenvalues in ascending order and orthonormal eigenvectors as the columns of Q
     */
    EigenDecomposition eigh(INDArray a);

    /**
     * Inverse of a symmetric positive-definite matrix, through its Cholesky factor where the
     * implementation can. A matrix that is not numerically positive definite fails.
     *
     * @param a symmetric positive-definite n×n matrix, never null, not modified
     * @return the full (both triangles filled) symmetric inverse
     */
    SpdInverse spdInverse(INDArray a);
}
