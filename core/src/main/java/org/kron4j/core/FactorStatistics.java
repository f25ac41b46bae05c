package org.kron4j.core;

import java.util.Set;
import org.kron4j.api.BlockStatistics;
import org.kron4j.api.capture.CaptureField;
import org.kron4j.api.capture.LayerCapture;
import org.kron4j.api.model.LayerSpec;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * How one layer kind turns a capture into the statistics of its two Kronecker factors: the only
 * layer-kind-specific part of a K-FAC block (the factors' moving averages, refresh,
 * preconditioning and curvature × vector are {@link KroneckerFactors} and {@link KfacBlock}'s).
 * Adding a layer kind to K-FAC means one implementation of this interface and one
 * {@link LayerKindMap} entry.
 *
 * <p>The layer's gradient must be a matrix (rows × columns); the curvature is approximated by
 * A ⊗ G with A over the columns (K-FAC's input side) and G over the rows (the output side), so
 * that the direction is G⁻¹ V A⁻¹.
 *
 * <p>Implementations must be pure and must not keep references to capture arrays.
 */
public interface FactorStatistics {

    /** Creates the statistics of one layer; {@code storage} is the store's storage type. */
    @FunctionalInterface
    interface Factory {
        FactorStatistics create(LayerSpec layer, DataType storage);

        /**
         * The block of a kind whose curvature is not a Kronecker product, which a variant uses
         * instead of its own Kronecker block ({@link ScaleShiftStatistics#FACTORY}); empty, the
         * default, for Kronecker kinds.
         */
        default java.util.Optional<org.kron4j.api.CurvatureBlock> ownBlock(LayerSpec layer,
                org.kron4j.api.store.FactorStore store) {
            return java.util.Optional.empty();
        }
    }

    /** The capture fields {@link #collect} reads. */
    Set<CaptureField> fields();

    /**
     * This step's statistics in additive form, count B: {@value KroneckerFactors#INPUT} (columns ×
     * columns) and {@value KroneckerFactors#OUTPUT} (rows × rows), whose means over the count
     * estimate A and G. May add further roles, which {@link KroneckerFactors#absorb} ignores.
     */
    BlockStatistics collect(LayerCapture capture, int batchSize);

    /**
     * EKFAC's scalings sum for this step (George et al. 2018): Σ_r (Q_Gᵀ ∇W_r Q_A)^{∘2} over the
     * capture's per-example (per output-gradient row) gradients ∇W_r, rows × columns like the
     * gradient, computed from the same fields as {@link #collect}. Kinds whose per-example
     * gradients are not known from the capture keep the default, which throws.
     *
     * @param inputVectors  Q_A, columns × columns
     * @param outputVectors Q_G, rows × rows
     */
    default INDArray projectedGradientSquares(LayerCapture capture, int batchSize, INDArray inputVectors,
            INDArray outputVectors) {
        throw new UnsupportedOperationException(getClass().getSimpleName()
                + " cannot form per-example gradients from its capture");
    }
}
