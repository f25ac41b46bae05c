package org.kron4j.kfra;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.kron4j.api.BlockStatistics;
import org.kron4j.api.CurvatureBlock;
import org.kron4j.api.EstimatorContext;
import org.kron4j.api.Statistics;
import org.kron4j.api.capture.CaptureField;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.support.BlockwiseEstimator;
import org.kron4j.api.support.NdArrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * KFRA's model-level estimator: per-layer statistics as {@link KfraBlock} collects them, plus the
 * output Hessian on the last layer; on {@link #absorb} the backward recursion
 * H̄_l = (W̃_{l+1}ᵀ H̄_{l+1} W̃_{l+1}) ∘ E[f_l' f_l'ᵀ] from H̄_{L−1} = E[∂²ℓ/∂s²] on the (possibly
 * pooled) sums, and each block's G fed with its H̄_l. Refresh and preconditioning are per block,
 * as for K-FAC.
 *
 * <p>The recursion runs in the storage precision with ND4J operations only (two gemms and a
 * Hadamard product per layer), so it runs on any backend; each H̄_l is symmetrised, which keeps
 * rounding from accumulating an antisymmetric part down a deep net. H̄_l stays positive
 * semi-definite: W̃ᵀH̄W̃ is, and so is its Hadamard product with E[f' f'ᵀ] (Schur product theorem).
 */
final class KfraEstimator extends BlockwiseEstimator {
    private static final Logger LOG = LoggerFactory.getLogger(KfraEstimator.class);

    private final Set<CaptureField> fields;
    private final int outputs;
    private final DataType storage;

    private KfraEstimator(List<CurvatureBlock> blocks, int outputs, DataType storage) {
        super(blocks);
        EnumSet<CaptureField> all = EnumSet.of(CaptureField.OUTPUT_HESSIAN);
        all.addAll(super.statisticsFields());
        this.fields = Collections.unmodifiableSet(all);
        this.outputs = outputs;
        this.storage = storage;
    }

    /** The estimator of a model {@link KfraApproximation#validate} accepted. */
    static KfraEstimator create(KfraApproximation variant, EstimatorContext context) {
        List<CurvatureBlock> blocks = createBlocks(variant, context);
        int last = context.model().size() - 1;
        KfraEstimator estimator = new KfraEstimator(blocks, context.model().layer(last).outputs(),
                context.store().storagePrecision().dataType());
        LOG.debug("KFRA estimator for {} dense layers, loss {}; statistics need {}", blocks.size(),
                context.model().loss(), estimator.fields);
        return estimator;
    }

    /** The per-layer fields plus the model-level OUTPUT_HESSIAN; nothing else. */
    @Override
    public Set<CaptureField> statisticsFields() {
        return fields;
    }

    /**
     * Each layer's own sums (Σ āāᵀ, Σ f'f'ᵀ, B·W̃) and, on the last layer, B times the batch-mean
     * output Hessian. Pure; the recursion waits for {@link #absorb}, so that statistics of several
     * batches or workers can be added first.
     */
    @Override
    public Statistics collect(ModelCapture capture) {
        INDArray hessian = capture.outputHessian();
        if (hessian == null) {
            throw new IllegalStateException("the capture lacks " + CaptureField.OUTPUT_HESSIAN
                    + "; the engine must fill every field of the step plan");
        }
        if (hessian.rank() != 2 || hessian.rows() != outputs || hessian.columns() != outputs) {
            throw new IllegalArgumentException(CaptureField.OUTPUT_HESSIAN + " has shape "
                    + Arrays.toString(hessian.shape()) + ", expected [" + outputs + ", " + outputs + "]");
        }
        Statistics perLayer = super.collect(capture);
        int last = perLayer.blocks().size() - 1;
        BlockStatistics top = perLayer.block(last);
        Map<String, INDArray> sums = new LinkedHashMap<>(top.sums());
        sums.put(KfraBlock.OUTPUT_HESSIAN, NdArrays.copyAs(hessian, storage).muli(capture.batchSize()));
        List<BlockStatistics> blocks = new ArrayList<>(perLayer.blocks());
        blocks.set(last, BlockStatistics.of(top.count(), sums));
        return new Statistics(blocks);
    }

    /**
     * Runs the recursion on the statistics' means and folds A and H̄ into every block. When the
     * recursion overflows (finite but huge inputs), nothing is absorbed and a warning is logged.
     */
    @Override
    public void absorb(Statistics statistics) {
        List<CurvatureBlock> blocks = blocks();
        INDArray[] propagated = propagate(statistics);
        for (int l = 0; l < propagated.length; l++) {
            if (!NdArrays.isFinite(propagated[l])) {
                LOG.warn("KFRA's recursion overflowed at layer '{}'; these statistics are not absorbed",
                        blocks.get(l).layer().name());
                return;
            }
        }
        for (int l = 0; l < blocks.size(); l++) {
            BlockStatistics own = statistics.block(l);
            blocks.get(l).absorb(BlockStatistics.of(own.count(), Map.of(KfraBlock.INPUT, own.sum(KfraBlock.INPUT),
                    KfraBlock.OUTPUT, propagated[l].muli(own.count()))));
        }
    }

    /** H̄_l for every layer from the means of (possibly summed) statistics. */
    INDArray[] propagate(Statistics statistics) {
        int last = blocks().size() - 1;
        INDArray[] propagated = new INDArray[last + 1];
        BlockStatistics top = statistics.block(last);
        INDArray h = mean(top, KfraBlock.OUTPUT_HESSIAN);
        propagated[last] = h;
        for (int l = last - 1; l >= 0; l--) {
            h = propagate(h, mean(statistics.block(l + 1), KfraBlock.WEIGHTS),
                    mean(statistics.block(l), KfraBlock.DERIVATIVES));
            propagated[l] = h;
        }
        return propagated;
    }

    private INDArray mean(BlockStatistics statistics, String role) {
        return NdArrays.as(statistics.sum(role), storage).div(statistics.count());
    }

    /**
     * One step down: (W̃ᵀ H W̃) ∘ F, symmetrised.
     *
     * @param above           H̄_{l+1}, m_{l+1}×m_{l+1}
     * @param weightsAbove    W̃_{l+1}, m_{l+1}×m_l
     * @param derivativeOuter E[f_l' f_l'ᵀ], m_l×m_l
     * @return H̄_l, a new m_l×m_l array
     */
    static INDArray propagate(INDArray above, INDArray weightsAbove, INDArray derivativeOuter) {
        INDArray projected = Nd4j.gemm(weightsAbove, above.mmul(weightsAbove), true, false).muli(derivativeOuter);
        return projected.add(projected.transpose()).muli(0.5);
    }
}
