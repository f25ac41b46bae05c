package org.kron4j.api;

import java.util.List;
import java.util.Set;
import org.kron4j.api.capture.CaptureField;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.store.StateTransaction;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The curvature of a whole model: one {@link CurvatureBlock} per layer and the mapping from a
 * model capture to their statistics. Most variants use
 * {@link org.kron4j.api.support.BlockwiseEstimator}, which treats blocks independently; a variant
 * whose statistics flow between layers (KFRA's backward recursion) provides its own.
 *
 * <p>Same lifecycle and threading as {@link CurvatureBlock}: the optimizer calls it from one
 * thread, {@link #collect} is pure, and no method receives non-finite input.
 */
public interface CurvatureEstimator {

    /** The blocks, in model order. */
    List<CurvatureBlock> blocks();

    /** Capture fields needed on statistics steps (the union over blocks, plus model-level ones). */
    Set<CaptureField> statisticsFields();

    /** This step's statistics for every block, in additive form; no state changes. */
    Statistics collect(ModelCapture capture);

    /** Folds statistics into every block's moving averages. */
    void absorb(Statistics statistics);

    /** Refreshes every block's decompositions. */
    void refresh(double damping);

    /**
     * Preconditions every layer's gradient.
     *
     * @param gradients one per layer, in storage precision, not modified
     * @return new arrays, one per layer
     */
    List<INDArray> precondition(List<INDArray> gradients, double damping);

    /**
     * {@link #precondition(List, double)} inside an optimizer step, the blocks' per-step state
     * changes handed to {@code transaction} (see
     * {@link CurvatureBlock#precondition(INDArray, double, StateTransaction)}). The default ignores
     * the transaction.
     */
    default List<INDArray> precondition(List<INDArray> gradients, double damping, StateTransaction transaction) {
        return precondition(gradients, damping);
    }
}
