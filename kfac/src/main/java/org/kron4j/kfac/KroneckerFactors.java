package org.kron4j.kfac;

import java.util.Map;
import java.util.Set;
import org.kron4j.api.BlockStatistics;
import org.kron4j.api.capture.CaptureField;
import org.kron4j.api.capture.LayerCapture;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.store.FactorStore;
import org.kron4j.api.store.SymmetricFactor;
import org.kron4j.api.support.NdArrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The two Kronecker factors of a dense layer, kept in the factor store: the input factor
 * A = E[ā āᵀ] ((n+1)×(n+1) with a bias, ā = [a; 1]) and the output-gradient factor
 * G = E[g gᵀ] (m×m), so that the layer's Fisher block is approximated by A ⊗ G (Martens and
 * Grosse 2015). Shared by K-FAC, EKFAC and KFRA (which fills G from its recursion instead of
 * sampled gradients).
 *
 * <p>Statistics are collected in additive form: {@code "A"} = Σᵢ āᵢāᵢᵀ and {@code "G"} =
 * Σᵢ gᵢgᵢᵀ over the batch, with count B; one gemm each, O(B(n+1)² + Bm²).
 *
 * <p>Memory: (n+1)² + m² values for the averages, the same again per cached decomposition kind.
 */
public final class KroneckerFactors {
    /** Statistic roles in {@link BlockStatistics}. */
    public static final String INPUT = "A";
    public static final String OUTPUT = "G";

    private final LayerSpec layer;
    private final SymmetricFactor input;
    private final SymmetricFactor output;
    private final DataType storage;

    /** Registers A and G for a dense layer in the store. */
    public KroneckerFactors(LayerSpec layer, FactorStore store) {
        this.layer = layer;
        this.input = store.symmetricFactor(layer.name(), INPUT, layer.augmentedInputs());
        this.output = store.symmetricFactor(layer.name(), OUTPUT, layer.outputs());
        this.storage = store.storagePrecision().dataType();
    }

    /** What {@link #collect} reads: layer inputs and per-example output gradients. */
    public static Set<CaptureField> statisticsFields() {
        return Set.of(CaptureField.LAYER_INPUTS, CaptureField.OUTPUT_GRADIENTS);
    }

    public LayerSpec layer() {
        return layer;
    }

    /** The input factor A. */
    public SymmetricFactor input() {
        return input;
    }

    /** The output-gradient factor G. */
    public SymmetricFactor output() {
        return output;
    }

    /** Σ āāᵀ and Σ ggᵀ of the capture, with count B. Pure. */
    public BlockStatistics collect(LayerCapture capture, int batchSize) {
        INDArray a = inputsWithBias(capture);
        INDArray g = NdArrays.as(capture.require(CaptureField.OUTPUT_GRADIENTS), storage);
        return BlockStatistics.of(batchSize, Map.of(INPUT, NdArrays.rowOuterProductSum(a),
                OUTPUT, NdArrays.rowOuterProductSum(g)));
    }

    /** The batch's ā rows (B×(n+1), or B×n without a bias) in storage precision. */
    public INDArray inputsWithBias(LayerCapture capture) {
        INDArray a = NdArrays.as(capture.require(CaptureField.LAYER_INPUTS), storage);
        return layer.hasBias() ? NdArrays.appendOnes(a) : a;
    }

    /** Folds statistics holding "A" and "G" into the averages. */
    public void absorb(BlockStatistics statistics) {
        input.absorb(statistics.sum(INPUT), statistics.count());
        output.absorb(statistics.sum(OUTPUT), statistics.count());
    }

    /**
     * π = √((tr A / dim A) / (tr G / dim G)), the factor that balances factored Tikhonov damping
     * between A and G (Martens and Grosse 2015, §6.3); 1 when either trace vanishes.
     */
    public double pi() {
        double a = input.meanEigenvalue();
        double g = output.meanEigenvalue();
        if (!(a > 0) || !(g > 0) || !Double.isFinite(a / g)) {
            return 1.0;
        }
        return Math.sqrt(a / g);
    }
}
