package org.kron4j.api.store;

import java.util.Objects;
import org.kron4j.api.support.NdArrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A copy of one factor's moving average, with what a decomposition of it needs to know, taken on
 * the training thread by {@link SymmetricFactor#snapshot()} for a {@link FactorDecomposition} that
 * may run on another thread. Owns its array; holds no reference to the factor or the store.
 *
 * @param block         the owning block's name (for logs)
 * @param role          the factor's role in the block (for logs and result names)
 * @param average       dim×dim copy of the average, in the storage precision; not modified by anyone
 * @param decomposition the precision decompositions run in first
 * @param storage       the precision results are stored in
 */
public record FactorSnapshot(String block, String role, INDArray average, Precision decomposition,
        Precision storage) {

    public FactorSnapshot {
        Objects.requireNonNull(block, "block");
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(average, "average");
        Objects.requireNonNull(decomposition, "decomposition");
        Objects.requireNonNull(storage, "storage");
        if (average.rank() != 2 || average.rows() != average.columns()) {
            throw new IllegalArgumentException(block + "/" + role + ": a factor snapshot must be square, got "
                    + java.util.Arrays.toString(average.shape()));
        }
    }

    public int dim() {
        return Math.toIntExact(average.rows());
    }

    /** tr(F) / dim, as {@link SymmetricFactor#meanEigenvalue()} computes it. */
    public double meanEigenvalue() {
        return NdArrays.trace(average) / dim();
    }
}
