package org.kron4j.core;

import java.util.Map;
import java.util.Set;
import org.kron4j.api.BlockStatistics;
import org.kron4j.api.capture.CaptureField;
import org.kron4j.api.capture.LayerCapture;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.support.NdArrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A dense layer's factor statistics (Martens and Grosse 2015): {@code "A"} = Σᵢ āᵢāᵢᵀ over the
 * batch's inputs with the homogeneous 1 appended when the layer has a bias, and {@code "G"} =
 * Σᵣ gᵣgᵣᵀ over the rows of the output gradients, count B. One gemm each, O(B(n+1)² + Bm²).
 * Used by K-FAC, EKFAC and (for A) KFRA.
 */
public final class DenseStatistics implements FactorStatistics {
    private static final Set<CaptureField> FIELDS = Set.of(CaptureField.LAYER_INPUTS, CaptureField.OUTPUT_GRADIENTS);

    private final LayerSpec layer;
    private final DataType storage;

    public DenseStatistics(LayerSpec layer, DataType storage) {
        this.layer = layer;
        this.storage = storage;
    }

    /** Layer inputs and per-example output gradients. */
    @Override
    public Set<CaptureField> fields() {
        return FIELDS;
    }

    @Override
    public BlockStatistics collect(LayerCapture capture, int batchSize) {
        INDArray a = inputRows(capture);
        INDArray g = outputRows(capture);
        return BlockStatistics.of(batchSize, Map.of(KroneckerFactors.INPUT, NdArrays.rowOuterProductSum(a),
                KroneckerFactors.OUTPUT, NdArrays.rowOuterProductSum(g)));
    }

    /** Σ_r (Q_Gᵀ g_r)^{∘2} ((Q_Aᵀ ā_{r mod B})^{∘2})ᵀ, see {@link #scalingsSum}. */
    @Override
    public INDArray projectedGradientSquares(LayerCapture capture, int batchSize, INDArray inputVectors,
            INDArray outputVectors) {
        return scalingsSum(inputRows(capture), outputRows(capture), inputVectors, outputVectors, batchSize);
    }

    /**
     * Σ_r (Q_Gᵀ g_r)^{∘2} ((Q_Aᵀ ā_{r mod B})^{∘2})ᵀ over the R rows of the output gradients, as one
     * product: with P_G = (G_rows Q_G)^{∘2} (R×m) and P_A = (Ā Q_A)^{∘2} (B×(n+1)), and the k = R/B
     * row blocks of P_G summed first (they share their example's ā), the sum is P_Gᵀ P_A. A dense
     * layer's per-example gradient is rank one, g āᵀ, so its squared projection factorises.
     *
     * @param inputs          ā rows, B×(n+1)
     * @param outputGradients g rows, R×m with R a multiple of B, row r belonging to example r mod B
     */
    public static INDArray scalingsSum(INDArray inputs, INDArray outputGradients, INDArray inputVectors,
            INDArray outputVectors, int batchSize) {
        long rows = outputGradients.rows();
        if (inputs.rows() != batchSize || rows % batchSize != 0) {
            throw new IllegalArgumentException("expected " + batchSize + " input rows and a multiple of " + batchSize
                    + " output-gradient rows, got " + inputs.rows() + " and " + rows);
        }
        long m = outputGradients.columns();
        INDArray projectedOutputs = outputGradients.mmul(outputVectors);
        projectedOutputs.muli(projectedOutputs);
        if (rows > batchSize) {
            projectedOutputs = projectedOutputs.reshape('c', rows / batchSize, batchSize, m).sum(0);
        }
        INDArray projectedInputs = inputs.mmul(inputVectors);
        projectedInputs.muli(projectedInputs);
        return Nd4j.gemm(projectedOutputs, projectedInputs, true, false);
    }

    /** The batch's ā rows (B×(n+1), or B×n without a bias) in storage precision. */
    public INDArray inputRows(LayerCapture capture) {
        INDArray a = NdArrays.as(capture.require(CaptureField.LAYER_INPUTS), storage);
        return layer.hasBias() ? NdArrays.appendOnes(a) : a;
    }

    /** The output-gradient rows (R×m, R a multiple of B) in storage precision. */
    public INDArray outputRows(LayerCapture capture) {
        return NdArrays.as(capture.require(CaptureField.OUTPUT_GRADIENTS), storage);
    }
}
