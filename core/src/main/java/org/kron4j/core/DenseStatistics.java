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
