package org.kron4j.api.support;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.kron4j.api.BlockStatistics;
import org.kron4j.api.CurvatureApproximation;
import org.kron4j.api.CurvatureBlock;
import org.kron4j.api.CurvatureEstimator;
import org.kron4j.api.EstimatorContext;
import org.kron4j.api.Statistics;
import org.kron4j.api.UnsupportedModelException;
import org.kron4j.api.capture.CaptureField;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.optim.OptimizerSettings;
import org.kron4j.api.optim.UnsupportedLayerPolicy;
import org.kron4j.api.store.StateTransaction;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The estimator for variants whose blocks are independent: each layer's statistics come from its
 * own capture. Layers the variant does not support follow the {@code unsupportedLayers} policy.
 * Variants with cross-layer statistics (KFRA) extend it and override {@link #collect}.
 */
public class BlockwiseEstimator implements CurvatureEstimator {
    private static final Logger LOG = LoggerFactory.getLogger(BlockwiseEstimator.class);

    private final List<CurvatureBlock> blocks;
    private final Set<CaptureField> fields;

    protected BlockwiseEstimator(List<CurvatureBlock> blocks) {
        this.blocks = List.copyOf(blocks);
        EnumSet<CaptureField> union = EnumSet.noneOf(CaptureField.class);
        this.blocks.forEach(b -> union.addAll(b.statisticsFields()));
        this.fields = Collections.unmodifiableSet(union);
    }

    /** Builds one block per layer with {@code variant.createBlock}, applying the unsupported-layer policy. */
    public static BlockwiseEstimator create(CurvatureApproximation variant, EstimatorContext context) {
        return new BlockwiseEstimator(createBlocks(variant, context));
    }

    /** The blocks {@link #create} would use, for subclasses. */
    protected static List<CurvatureBlock> createBlocks(CurvatureApproximation variant, EstimatorContext context) {
        UnsupportedLayerPolicy policy = context.settings().get(OptimizerSettings.UNSUPPORTED_LAYERS);
        List<CurvatureBlock> blocks = new ArrayList<>();
        for (int i = 0; i < context.model().size(); i++) {
            LayerSpec layer = context.model().layer(i);
            if (variant.supports(layer)) {
                blocks.add(variant.createBlock(context.block(i)));
            } else if (policy == UnsupportedLayerPolicy.PASS_THROUGH) {
                LOG.info("variant '{}' cannot precondition {}: it gets plain gradient steps (unsupportedLayers=pass_through)",
                        variant.name(), layer);
                blocks.add(new PassThroughBlock(layer));
            } else {
                throw new UnsupportedModelException("variant '" + variant.name() + "' cannot precondition layer "
                        + layer + "; set unsupportedLayers=pass_through to give it plain gradient steps");
            }
        }
        return blocks;
    }

    @Override
    public List<CurvatureBlock> blocks() {
        return blocks;
    }

    @Override
    public Set<CaptureField> statisticsFields() {
        return fields;
    }

    @Override
    public Statistics collect(ModelCapture capture) {
        List<BlockStatistics> result = new ArrayList<>(blocks.size());
        for (int i = 0; i < blocks.size(); i++) {
            result.add(blocks.get(i).collect(capture.layer(i), capture.batchSize()));
        }
        return new Statistics(result);
    }

    @Override
    public void absorb(Statistics statistics) {
        for (int i = 0; i < blocks.size(); i++) {
            BlockStatistics block = statistics.block(i);
            if (!block.isEmpty()) {
                blocks.get(i).absorb(block);
            }
        }
    }

    @Override
    public void refresh(double damping) {
        blocks.forEach(b -> b.refresh(damping));
    }

    @Override
    public List<INDArray> precondition(List<INDArray> gradients, double damping) {
        return precondition(gradients, damping, StateTransaction.IMMEDIATE);
    }

    @Override
    public List<INDArray> precondition(List<INDArray> gradients, double damping, StateTransaction transaction) {
        List<INDArray> directions = new ArrayList<>(blocks.size());
        for (int i = 0; i < blocks.size(); i++) {
            directions.add(blocks.get(i).precondition(gradients.get(i), damping, transaction));
        }
        return directions;
    }
}
