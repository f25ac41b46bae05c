package org.kron4j.api.support;

import java.util.Set;
import org.kron4j.api.BlockStatistics;
import org.kron4j.api.CurvatureBlock;
import org.kron4j.api.capture.CaptureField;
import org.kron4j.api.capture.LayerCapture;
import org.kron4j.api.model.LayerSpec;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The identity preconditioner: for layers a variant leaves to plain gradient steps. No state. */
public final class PassThroughBlock implements CurvatureBlock {
    private final LayerSpec layer;

    public PassThroughBlock(LayerSpec layer) {
        this.layer = layer;
    }

    @Override
    public LayerSpec layer() {
        return layer;
    }

    @Override
    public Set<CaptureField> statisticsFields() {
        return Set.of();
    }

    @Override
    public BlockStatistics collect(LayerCapture capture, int batchSize) {
        return BlockStatistics.empty();
    }

    @Override
    public void absorb(BlockStatistics statistics) {
    }

    @Override
    public void refresh(double damping) {
    }

    @Override
    public INDArray precondition(INDArray gradient, double damping) {
        return gradient.dup();
    }

    /** The identity, as {@link #precondition}: the curvature of a layer left to plain gradient steps is taken as I. */
    @Override
    public INDArray multiply(INDArray vector, double damping) {
        return vector.dup();
    }
}
