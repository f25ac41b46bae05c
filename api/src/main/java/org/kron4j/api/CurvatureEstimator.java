package org.kron4j.api;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.kron4j.api.capture.CaptureField;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.refresh.RefreshJob;
import org.kron4j.api.refresh.RefreshResult;
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
     * Every block's {@link CurvatureBlock#prepareRefresh}, in model order: the jobs of one refresh,
     * which together with {@link #install} have the effect of {@link #refresh}. The driver refreshes
     * through {@link #refresh} when synchronous and through these two under asynchronous refresh, so
     * an estimator that overrides one must override the others consistently.
     */
    default List<RefreshJob> prepareRefresh(double damping) {
        List<RefreshJob> jobs = new ArrayList<>(blocks().size());
        for (CurvatureBlock block : blocks()) {
            jobs.add(block.prepareRefresh(damping));
        }
        return jobs;
    }

    /**
     * Installs the results of the jobs of one {@link #prepareRefresh}, one per block in model
     * order, all in this call (no step sees some blocks refreshed and others not).
     */
    default void install(List<RefreshResult> results) {
        List<CurvatureBlock> blocks = blocks();
        if (results.size() != blocks.size()) {
            throw new IllegalArgumentException("expected " + blocks.size() + " refresh results, got " + results.size());
        }
        for (int i = 0; i < blocks.size(); i++) {
            blocks.get(i).install(results.get(i));
        }
    }

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

    /**
     * Multiplies every layer's vector by its block's damped curvature, the counterpart of
     * {@link #precondition}: the block-diagonal (C + λ) applied to the model's vector. Pure. The
     * default calls {@link CurvatureBlock#multiply} block by block.
     *
     * @param vectors one per layer in its gradient shape, in storage precision, not modified
     * @param damping λ ≥ 0; 0 gives the undamped product
     * @return new arrays, one per layer
     * @throws UnsupportedOperationException when a block cannot multiply by its curvature
     */
    default List<INDArray> multiply(List<INDArray> vectors, double damping) {
        List<CurvatureBlock> blocks = blocks();
        if (vectors.size() != blocks.size()) {
            throw new IllegalArgumentException("expected " + blocks.size() + " vectors, got " + vectors.size());
        }
        List<INDArray> products = new ArrayList<>(blocks.size());
        for (int i = 0; i < blocks.size(); i++) {
            products.add(blocks.get(i).multiply(vectors.get(i), damping));
        }
        return products;
    }
}
