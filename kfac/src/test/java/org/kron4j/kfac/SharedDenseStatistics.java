package org.kron4j.kfac;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.kron4j.api.BlockStatistics;
import org.kron4j.api.capture.CaptureField;
import org.kron4j.api.capture.LayerCapture;
import org.kron4j.api.model.LayerKind;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.support.NdArrays;
import org.kron4j.core.FactorStatistics;
import org.kron4j.core.KroneckerFactors;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A layer kind defined outside {@code api} for the tests, with its own statistics class: a dense
 * map s_t = W ā_t applied with shared weights at T positions of every example (a time-distributed
 * dense layer, i.e. a 1-D convolution of width 1). Dimensions {n, m, T}; the gradient is m×(n+1)
 * with a bias (not decayed). The capture holds B·T rows of inputs and output gradients, example
 * by example. Statistics in the spirit of KFC (Grosse and Martens 2016): A = E[(1/T) Σ_t ā_t ā_tᵀ],
 * G = E[Σ_t g_t g_tᵀ], so that A ⊗ G is the Gauss-Newton block when positions are uncorrelated.
 */
final class SharedDenseStatistics implements FactorStatistics {

    static final LayerKind SHARED_DENSE = LayerKind.define("SHARED_DENSE", new LayerKind.Layout() {
        @Override
        public long[] gradientShape(long[] dimensions, boolean bias) {
            return new long[] {dimensions[1], dimensions[0] + (bias ? 1 : 0)};
        }

        @Override
        public List<INDArrayIndex[]> notDecayed(long[] dimensions, boolean bias) {
            return bias ? List.<INDArrayIndex[]>of(new INDArrayIndex[] {NDArrayIndex.all(),
                    NDArrayIndex.point(dimensions[0])}) : List.of();
        }

        @Override
        public void validate(long[] dimensions, boolean bias) {
            if (dimensions.length != 3) {
                throw new IllegalArgumentException("a shared dense layer has dimensions {inputs, outputs, positions}");
            }
        }
    });

    private final LayerSpec layer;
    private final DataType storage;
    private final long positions;

    SharedDenseStatistics(LayerSpec layer, DataType storage) {
        this.layer = layer;
        this.storage = storage;
        this.positions = layer.dimensions()[2];
    }

    static LayerSpec layer(String name, int inputs, int outputs, int positions) {
        return LayerSpec.of(name, SHARED_DENSE, new long[] {inputs, outputs, positions}, true,
                org.kron4j.api.model.Activation.IDENTITY);
    }

    @Override
    public Set<CaptureField> fields() {
        return Set.of(CaptureField.LAYER_INPUTS, CaptureField.OUTPUT_GRADIENTS);
    }

    @Override
    public BlockStatistics collect(LayerCapture capture, int batchSize) {
        INDArray inputs = NdArrays.as(capture.require(CaptureField.LAYER_INPUTS), storage);
        INDArray outputs = NdArrays.as(capture.require(CaptureField.OUTPUT_GRADIENTS), storage);
        if (inputs.rows() != batchSize * positions || outputs.rows() != batchSize * positions) {
            throw new IllegalArgumentException(layer.name() + ": expected " + batchSize * positions + " rows");
        }
        INDArray a = layer.hasBias() ? NdArrays.appendOnes(inputs) : inputs;
        return BlockStatistics.of(batchSize, Map.of(
                KroneckerFactors.INPUT, NdArrays.rowOuterProductSum(a).divi(positions),
                KroneckerFactors.OUTPUT, NdArrays.rowOuterProductSum(outputs)));
    }
}
