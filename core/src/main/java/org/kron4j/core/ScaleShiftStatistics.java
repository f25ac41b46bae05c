package org.kron4j.core;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.kron4j.api.BlockStatistics;
import org.kron4j.api.CurvatureBlock;
import org.kron4j.api.capture.CaptureField;
import org.kron4j.api.capture.LayerCapture;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.store.FactorStore;
import org.kron4j.api.support.NdArrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A {@link ScaleShift} layer's statistics: per channel c, the sum over the capture's rows r of the
 * outer product of the per-example gradient pair g_{r,c} = (Σ_t x̂_{r,c,t} δ_{r,c,t}, Σ_t δ_{r,c,t}),
 * t over spatial positions (none for B×C input), x̂ the normalized input (LAYER_INPUTS, B×C×H×W or
 * B×C; row r uses example r mod B) and δ the output gradient (OUTPUT_GRADIENTS, R×C×H×W or R×C,
 * R a multiple of B). Role {@value #ROLE}: C×3 holding (Σ g_γ², Σ g_γ g_β, Σ g_β²) per channel,
 * count B, so the average over the count is the per-channel 2×2 Fisher block E[g gᵀ] with the
 * targets the plan sampled (MC) or the labels (empirical). O(R·C·H·W).
 *
 * <p>Its {@link Factory} builds {@link ScaleShiftBlock}s: the curvature is block-diagonal per
 * channel, not a Kronecker product.
 */
public final class ScaleShiftStatistics implements FactorStatistics {
    /** The statistic's role: per-channel (Σ g_γ², Σ g_γ g_β, Σ g_β²). */
    public static final String ROLE = "F";

    /** The factory to put in a variant's {@link LayerKindMap} for {@link ScaleShift#KIND}. */
    public static final FactorStatistics.Factory FACTORY = new FactorStatistics.Factory() {
        @Override
        public FactorStatistics create(LayerSpec layer, DataType storage) {
            return new ScaleShiftStatistics(layer, storage);
        }

        @Override
        public Optional<CurvatureBlock> ownBlock(LayerSpec layer, FactorStore store) {
            return Optional.of(new ScaleShiftBlock(layer, store, new ScaleShiftStatistics(layer,
                    store.storagePrecision().dataType())));
        }
    };

    private static final Set<CaptureField> FIELDS = Set.of(CaptureField.LAYER_INPUTS, CaptureField.OUTPUT_GRADIENTS);

    private final LayerSpec layer;
    private final DataType storage;

    public ScaleShiftStatistics(LayerSpec layer, DataType storage) {
        this.layer = layer;
        this.storage = storage;
    }

    /** The normalized input and the per-example output gradients. */
    @Override
    public Set<CaptureField> fields() {
        return FIELDS;
    }

    @Override
    public BlockStatistics collect(LayerCapture capture, int batchSize) {
        INDArray[] g = perExampleGradients(capture, batchSize);
        INDArray sums = Nd4j.createUninitialized(storage, g[0].size(1), 3);
        sums.getColumn(0).assign(g[0].mul(g[0]).sum(0));
        sums.getColumn(1).assign(g[0].mul(g[1]).sum(0));
        sums.getColumn(2).assign(g[1].mul(g[1]).sum(0));
        return BlockStatistics.of(batchSize, Map.of(ROLE, sums));
    }

    /**
     * {∂γ, ∂β}, each R×C: row r the gradient of example r mod B's loss (replica r / B) with respect
     * to the channels' scale and shift, in storage precision.
     */
    public INDArray[] perExampleGradients(LayerCapture capture, int batchSize) {
        INDArray xHat = NdArrays.as(capture.require(CaptureField.LAYER_INPUTS), storage);
        INDArray delta = NdArrays.as(capture.require(CaptureField.OUTPUT_GRADIENTS), storage);
        long channels = layer.dimensions()[0];
        long rows = delta.size(0);
        if (xHat.size(0) != batchSize || rows % batchSize != 0 || xHat.size(1) != channels
                || delta.size(1) != channels) {
            throw new IllegalArgumentException(layer.name() + ": expected normalized input B×" + channels
                    + "(×H×W) with B = " + batchSize + " and output gradients R×" + channels
                    + "(×H×W) with R a multiple of B, got " + java.util.Arrays.toString(xHat.shape()) + " and "
                    + java.util.Arrays.toString(delta.shape()));
        }
        long positions = xHat.length() / (batchSize * channels);
        INDArray x = xHat.reshape('c', batchSize, channels, positions);
        INDArray d = delta.reshape('c', rows, channels, positions);
        if (rows > batchSize) {
            x = Nd4j.tile(x, (int) (rows / batchSize), 1, 1);
        }
        return new INDArray[] {x.mul(d).sum(2), d.sum(2)};
    }
}
