package org.kron4j.api.linalg;

import java.util.Objects;
import java.util.Optional;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Result of {@link SymmetricLinearAlgebra#spdInverse}.
 *
 * @param inverse       the symmetric inverse, both triangles filled; null when failed
 * @param failureReason null when succeeded
 */
public record SpdInverse(INDArray inverse, String failureReason) implements Decomposition {

    public static SpdInverse of(INDArray inverse) {
        return new SpdInverse(Objects.requireNonNull(inverse), null);
    }

    public static SpdInverse failed(String reason) {
        return new SpdInverse(null, Objects.requireNonNull(reason));
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
