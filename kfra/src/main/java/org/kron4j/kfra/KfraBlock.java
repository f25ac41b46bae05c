package org.kron4j.kfra;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.kron4j.api.BlockStatistics;
import org.kron4j.api.CurvatureBlock;
import org.kron4j.api.DampingInUse;
import org.kron4j.api.capture.CaptureField;
import org.kron4j.api.capture.LayerCapture;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.refresh.RefreshJob;
import org.kron4j.api.refresh.RefreshResult;
import org.kron4j.api.support.NdArrays;
import org.kron4j.core.DenseStatistics;
import org.kron4j.core.KfacBlock;
import org.kron4j.core.KroneckerFactors;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * One dense layer under KFRA: K-FAC's {@link KfacBlock} (A and G in the factor store, the
 * same refresh and preconditioning), whose G receives the recursively propagated H̄ instead of
 * sampled gradient outer products.
 *
 * <p>{@link #collect} gathers this layer's own part of the recursion's inputs, in additive form
 * with count B:
 * <ul>
 *   <li>{@value #INPUT}: Σ ā āᵀ, (n+1)×(n+1) — K-FAC's input statistic;</li>
 *   <li>{@value #DERIVATIVES}: Σ f'(s) f'(s)ᵀ, m×m — every layer but the last;</li>
 *   <li>{@value #WEIGHTS}: B·W̃, m×n, the weights without the bias column — every layer but the first.</li>
 * </ul>
 * The estimator adds the output Hessian to the last layer's statistics, runs the recursion on the
 * pooled sums and hands each block {@value #INPUT} and {@value #OUTPUT} = count·H̄ to
 * {@link #absorb}.
 *
 * <p>Memory: K-FAC's, 2((n+1)² + m²) values.
 */
final class KfraBlock implements CurvatureBlock {
    /** Σ ā āᵀ (K-FAC's role name). */
    static final String INPUT = KroneckerFactors.INPUT;
    /** count·H̄, the propagated curvature the estimator absorbs as G (K-FAC's role name). */
    static final String OUTPUT = KroneckerFactors.OUTPUT;
    /** Σ f'(s) f'(s)ᵀ. */
    static final String DERIVATIVES = "D";
    /** B·W̃: the weights without the bias column, once per example so that sums stay additive. */
    static final String WEIGHTS = "W";
    /** B·H̄_{L−1} = Σᵢ ∂²ℓᵢ/∂s²: on the last layer, added by the estimator. */
    static final String OUTPUT_HESSIAN = "H";

    private final KfacBlock kfac;
    private final DenseStatistics dense;
    private final boolean collectsDerivatives;
    private final boolean collectsWeights;
    private final DataType storage;
    private final Set<CaptureField> fields;

    /**
     * @param kfac                the K-FAC block whose factors this block fills
     * @param collectsDerivatives whether the recursion needs this layer's f' (every layer but the last)
     * @param collectsWeights     whether the recursion needs this layer's W̃ (every layer but the first)
     * @param storage             the store's storage type
     */
    KfraBlock(KfacBlock kfac, boolean collectsDerivatives, boolean collectsWeights, DataType storage) {
        this.kfac = kfac;
        this.dense = new DenseStatistics(kfac.layer(), storage);
        this.collectsDerivatives = collectsDerivatives;
        this.collectsWeights = collectsWeights;
        this.storage = storage;
        EnumSet<CaptureField> needed = EnumSet.of(CaptureField.LAYER_INPUTS);
        if (collectsDerivatives) {
            needed.add(CaptureField.ACTIVATION_DERIVATIVES);
        }
        if (collectsWeights) {
            needed.add(CaptureField.PARAMETERS);
        }
        this.fields = Set.copyOf(needed);
    }

    /** A and G (= H̄) in the store. */
    KroneckerFactors factors() {
        return kfac.factors();
    }

    @Override
    public LayerSpec layer() {
        return kfac.layer();
    }

    @Override
    public Set<CaptureField> statisticsFields() {
        return fields;
    }

    /** This layer's inputs to the recursion (see the class comment). Pure. */
    @Override
    public BlockStatistics collect(LayerCapture capture, int batchSize) {
        LayerSpec layer = layer();
        Map<String, INDArray> sums = new LinkedHashMap<>();
        sums.put(INPUT, NdArrays.rowOuterProductSum(dense.inputRows(capture)));
        if (collectsDerivatives) {
            INDArray derivatives = capture.require(CaptureField.ACTIVATION_DERIVATIVES);
            requireShape(derivatives, CaptureField.ACTIVATION_DERIVATIVES, batchSize, layer.outputs());
            sums.put(DERIVATIVES, NdArrays.rowOuterProductSum(NdArrays.as(derivatives, storage)));
        }
        if (collectsWeights) {
            INDArray parameters = capture.require(CaptureField.PARAMETERS);
            requireShape(parameters, CaptureField.PARAMETERS, layer.outputs(), layer.augmentedInputs());
            INDArray withoutBias = layer.hasBias()
                    ? parameters.get(NDArrayIndex.all(), NDArrayIndex.interval(0, layer.inputs()))
                    : parameters;
            sums.put(WEIGHTS, NdArrays.copyAs(withoutBias, storage).muli(batchSize));
        }
        return BlockStatistics.of(batchSize, sums);
    }

    private void requireShape(INDArray array, CaptureField field, long rows, long columns) {
        if (array.rank() != 2 || array.rows() != rows || array.columns() != columns) {
            throw new IllegalArgumentException("layer '" + layer().name() + "': " + field + " has shape "
                    + Arrays.toString(array.shape()) + ", expected [" + rows + ", " + columns + "]");
        }
    }

    /**
     * Folds completed statistics into A and G. They must hold {@value #INPUT} and the propagated
     * {@value #OUTPUT}, which only the KFRA estimator can compute: a block cannot run the
     * recursion on its own.
     */
    @Override
    public void absorb(BlockStatistics statistics) {
        if (!statistics.sums().containsKey(OUTPUT)) {
            throw new IllegalArgumentException("layer '" + layer().name() + "': KFRA statistics need the propagated '"
                    + OUTPUT + "', which the KFRA estimator computes across layers; got " + statistics.sums().keySet());
        }
        kfac.absorb(BlockStatistics.of(statistics.count(),
                Map.of(INPUT, statistics.sum(INPUT), OUTPUT, statistics.sum(OUTPUT))));
    }

    @Override
    public void refresh(double damping) {
        kfac.refresh(damping);
    }

    @Override
    public RefreshJob prepareRefresh(double damping) {
        return kfac.prepareRefresh(damping);
    }

    @Override
    public void install(RefreshResult result) {
        kfac.install(result);
    }

    @Override
    public INDArray precondition(INDArray gradient, double damping) {
        return kfac.precondition(gradient, damping);
    }

    /** (A ⊗ H̄ + λ) vec(V): K-FAC's product with H̄ as G (see {@link KfacBlock#multiply}). */
    @Override
    public INDArray multiply(INDArray vector, double damping) {
        return kfac.multiply(vector, damping);
    }

    @Override
    public Optional<DampingInUse> dampingInUse() {
        return kfac.dampingInUse();
    }

    /** A ⊗ H̄ over the column-major vec of the weights. */
    @Override
    public Optional<INDArray> curvatureMatrix() {
        return kfac.curvatureMatrix();
    }

    @Override
    public String toString() {
        return "KfraBlock{" + layer() + "}";
    }
}
