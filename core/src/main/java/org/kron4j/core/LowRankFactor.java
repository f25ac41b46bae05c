package org.kron4j.core;

import org.kron4j.api.support.NdArrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A symmetric factor F (dim×dim) kept as its top-k eigenpairs and one scalar for the rest of its
 * spectrum: F ≈ U diag(f) Uᵀ + f̄ (I − U Uᵀ), U the k eigenvectors of the largest eigenvalues f and
 * f̄ the mean of the dim − k discarded eigenvalues (so the trace is kept). Made from a full
 * eigendecomposition by truncation (O(dim·k) copy); when k ≥ dim the factor is kept whole and
 * {@link #truncated()} is false.
 *
 * @param vectors   U, dim×k' with k' = min(k, dim), 'c'-ordered, eigenvectors of the largest eigenvalues
 * @param values    f, length k', in the same (ascending) order as the columns
 * @param rest      f̄, the mean discarded eigenvalue; 0 when nothing is discarded
 * @param dim       the factor's dimension
 */
public record LowRankFactor(INDArray vectors, INDArray values, double rest, long dim) {

    /**
     * The top-k truncation of an eigendecomposition with ascending eigenvalues (the store's order).
     *
     * @throws IllegalArgumentException when k &lt; 1
     */
    public static LowRankFactor truncate(INDArray eigenvalues, INDArray eigenvectors, int k) {
        if (k < 1) {
            throw new IllegalArgumentException("rank must be >= 1, got " + k);
        }
        long dim = eigenvalues.length();
        long kept = Math.min(k, dim);
        return NdArrays.detached(() -> {
            INDArray values = eigenvalues.reshape(dim);
            if (kept == dim) {
                return new LowRankFactor(eigenvectors, values, 0.0, dim);
            }
            INDArray top = eigenvectors.get(NDArrayIndex.all(), NDArrayIndex.interval(dim - kept, dim)).dup('c');
            INDArray topValues = values.get(NDArrayIndex.interval(dim - kept, dim)).dup();
            double rest = values.get(NDArrayIndex.interval(0, dim - kept)).meanNumber().doubleValue();
            return new LowRankFactor(top, topValues, rest, dim);
        });
    }

    /** True when part of the spectrum is replaced by {@link #rest()}. */
    public boolean truncated() {
        return vectors.columns() < dim;
    }

    /** k', the number of eigenpairs kept. */
    public long rank() {
        return vectors.columns();
    }
}
