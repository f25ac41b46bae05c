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
 * A {@link Conv2d} layer's factor statistics, KFC (Grosse and Martens, "A Kronecker-factored
 * approximate Fisher matrix for convolution layers", ICML 2016).
 *
 * <p>Per example the kernel's gradient is Σ_t g_t ā_tᵀ over the |T| output positions t, with ā_t
 * the position's im2col patch plus the homogeneous 1 and g_t = ∂ℓ/∂s_t. Under KFC's assumptions
 * (activations independent of derivatives, spatial homogeneity, spatially uncorrelated
 * derivatives) the Fisher block is Σ_t E[ā_tā_tᵀ] ⊗ E[g_tg_tᵀ] = |T| M ⊗ Γ with
 * M = E[ā_tā_tᵀ] and Γ = E[g_tg_tᵀ] (both averaged over positions). This class puts the factor |T|
 * on the output side:
 * <ul>
 *   <li>A = M = E_example[(1/|T|) Σ_t ā_tā_tᵀ]: the patches' second moment averaged over examples
 *       and positions; sum role {@code "A"} = Σ_b Σ_t ā ā ᵀ / |T|;</li>
 *   <li>G = |T| Γ = E_example[Σ_t g_tg_tᵀ]: summed over positions, averaged over examples; sum
 *       role {@code "G"} = Σ_r Σ_t g g ᵀ over the R gradient rows;</li>
 * </ul>
 * count B, so A ⊗ G is KFC's Ω ⊗ Γ and, with one output position, exactly the dense layer's
 * K-FAC. The scale matters: a G averaged over positions would make the block |T| times too small
 * and the step |T| times too long.
 *
 * <p>Capture fields: {@link CaptureField#LAYER_INPUTS} holds the patches, B×|T|×(C·kH·kW) without
 * the homogeneous coordinate ({@link ConvGeometry#patches} of the NCHW input), and
 * {@link CaptureField#OUTPUT_GRADIENTS} the per-position output gradients of single examples,
 * R×O×outH×outW (NCHW), row r belonging to example r mod B as for dense layers.
 *
 * <p>Cost: O(B|T|(C·kH·kW+1)² + R|T|O²) per statistics step; memory of the factors
 * (C·kH·kW+1)² + O².
 */
public final class Conv2dStatistics implements FactorStatistics {
    private static final Set<CaptureField> FIELDS = Set.of(CaptureField.LAYER_INPUTS, CaptureField.OUTPUT_GRADIENTS);

    private final LayerSpec layer;
    private final DataType storage;

    public Conv2dStatistics(LayerSpec layer, DataType storage) {
        if (!layer.kind().equals(Conv2d.KIND)) {
            throw new IllegalArgumentException("layer " + layer + " is not " + Conv2d.KIND);
        }
        this.layer = layer;
        this.storage = storage;
    }

    @Override
    public Set<CaptureField> fields() {
        return FIELDS;
    }

    @Override
    public BlockStatistics collect(LayerCapture capture, int batchSize) {
        INDArray patches = patchRows(capture);
        long positions = capture.require(CaptureField.LAYER_INPUTS).size(1);
        INDArray a = NdArrays.rowOuterProductSum(patches).divi(positions);
        INDArray g = NdArrays.rowOuterProductSum(gradientRows(capture));
        return BlockStatistics.of(batchSize, Map.of(KroneckerFactors.INPUT, a, KroneckerFactors.OUTPUT, g));
    }

    /** The patches ā_t as (B·|T|)×(C·kH·kW[+1]) rows, example-major, in storage precision. */
    public INDArray patchRows(LayerCapture capture) {
        INDArray p = capture.require(CaptureField.LAYER_INPUTS);
        int k = Conv2d.patchLength(layer);
        if (p.rank() != 3 || p.size(2) != k) {
            throw new IllegalArgumentException(layer.name() + ": expected patches B×|T|×" + k + ", got "
                    + java.util.Arrays.toString(p.shape()));
        }
        INDArray rows = NdArrays.as(p, storage).dup('c').reshape('c', p.size(0) * p.size(1), k);
        return layer.hasBias() ? NdArrays.appendOnes(rows) : rows;
    }

    /** The output gradients g_t as (R·|T|)×O rows, example-major, in storage precision. */
    public INDArray gradientRows(LayerCapture capture) {
        INDArray g = capture.require(CaptureField.OUTPUT_GRADIENTS);
        long outChannels = layer.gradientShape()[0];
        if (g.rank() != 4 || g.size(1) != outChannels) {
            throw new IllegalArgumentException(layer.name() + ": expected output gradients R×" + outChannels
                    + "×outH×outW, got " + java.util.Arrays.toString(g.shape()));
        }
        return NdArrays.as(g, storage).permute(0, 2, 3, 1).dup('c').reshape('c', g.size(0) * g.size(2) * g.size(3),
                outChannels);
    }

    /**
     * EKFAC's scalings sum: Σ_r (Q_Gᵀ [Σ_t g_{r,t} ā_{r mod B,t}ᵀ] Q_A)^{∘2}, the squared
     * projections of the per-example (per-row) kernel gradients, summed over positions before
     * squaring (George et al. 2018). O(R|T|(O² + K² + OK)) for K = C·kH·kW+1.
     */
    @Override
    public INDArray projectedGradientSquares(LayerCapture capture, int batchSize, INDArray inputVectors,
            INDArray outputVectors) {
        INDArray patches = patchRows(capture);
        INDArray gradients = gradientRows(capture);
        long positions = capture.require(CaptureField.LAYER_INPUTS).size(1);
        long rows = gradients.rows() / positions;
        if (patches.rows() != batchSize * positions || rows % batchSize != 0) {
            throw new IllegalArgumentException(layer.name() + ": expected " + batchSize + " examples and a multiple of "
                    + batchSize + " gradient rows, got " + patches.rows() / positions + " and " + rows);
        }
        INDArray projectedInputs = patches.mmul(inputVectors);
        INDArray projectedOutputs = gradients.mmul(outputVectors);
        INDArray sum = Nd4j.zeros(projectedOutputs.dataType(), projectedOutputs.columns(), projectedInputs.columns());
        for (long r = 0; r < rows; r++) {
            long b = r % batchSize;
            INDArray pg = projectedOutputs.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(r * positions,
                    (r + 1) * positions), org.nd4j.linalg.indexing.NDArrayIndex.all());
            INDArray pa = projectedInputs.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(b * positions,
                    (b + 1) * positions), org.nd4j.linalg.indexing.NDArrayIndex.all());
            INDArray example = Nd4j.gemm(pg, pa, true, false);
            sum.addi(example.muli(example));
        }
        return sum;
    }
}
