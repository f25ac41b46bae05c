package org.kron4j.api.linalg;

import java.util.Objects;
import java.util.Optional;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Result of {@link SymmetricLinearAlgebra#eigh}: {@code a = Q diag(w) Qᵀ}.
 *
 * @param eigenvalues  vector of length n, ascending; null when failed
 * @param eigenvectors n×n, eigenvector i in column i; null when failed
 * @param failureReason null when succeeded
 */
public record EigenDecomposition(INDArray eigenvalues, INDArray eigenvectors, String failureReason)
        implements Decomposition {

    public static EigenDecomposition of(INDArray eigenvalues, INDArray eigenvectors) {
        return new EigenDecomposition(
                Objects.requireNonNull(eigenvalues), Objects.requireNonNull(eigenvectors), null);
    }

    public static EigenDecomposition failed(String reason) {
        return new EigenDecomposition(null, null, Objects.requireNonNull(reason));
    }

    @Override
    public boolean succeeded() {
        return failureReason == null;
    }

    @Override
    public Optional<String> failure() {
        return Optional.ofNullable(failureReason);
    }
}
