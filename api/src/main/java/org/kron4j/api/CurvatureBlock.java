package org.kron4j.api;

import java.util.Optional;
import java.util.Set;
import org.kron4j.api.capture.CaptureField;
import org.kron4j.api.capture.LayerCapture;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.refresh.RefreshJob;
import org.kron4j.api.refresh.RefreshResult;
import org.kron4j.api.store.StateTransaction;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The curvature of one layer: K-FAC's A ⊗ G, EKFAC's rescaled eigenbasis, a Shampoo
 * preconditioner. Created by {@link CurvatureApproximation#createBlock}; all of its persistent
 * state lives in the {@link org.kron4j.api.store.FactorStore} it was given.
 *
 * <p><b>Lifecycle</b>, driven by the optimizer from a single thread, in this order within a step:
 * <ol>
 *   <li>on statistics steps (every {@code tCov}): {@link #collect} then, once the whole step's
 *       statistics passed the finiteness guard, {@link #absorb};</li>
 *   <li>on refresh steps (every {@code tInv}, and the first step): {@link #refresh}, or its two
 *       halves {@link #prepareRefresh} and, once the job computed elsewhere finished,
 *       {@link #install} (at the start of a later step under asynchronous refresh);</li>
 *   <li>every step that is not skipped: {@link #precondition}.</li>
 * </ol>
 * The driver never calls a block with non-finite input. Step 0 is always a statistics and
 * refresh step, so {@code precondition} always follows at least one {@code refresh}.
 *
 * <p>Implementations must not keep references to capture arrays past the call, must not print,
 * and must not throw for numerical trouble (the store's fallback chain handles decompositions).
 */
public interface CurvatureBlock {

    /** The layer this block preconditions. */
    LayerSpec layer();

    /** The capture fields {@link #collect} reads; empty for blocks that need only gradients. */
    Set<CaptureField> statisticsFields();

    /**
     * Computes this step's statistics from the layer's capture, in additive form. Must be pure:
     * no state changes (so several workers' results can be summed before {@link #absorb}).
     *
     * @param capture   the layer's capture, holding every field of {@link #statisticsFields()}
     * @param batchSize B, the number of examples in the capture
     */
    BlockStatistics collect(LayerCapture capture, int batchSize);

    /** Folds (possibly summed) statistics into the moving averages. */
    void absorb(BlockStatistics statistics);

    /**
     * Recomputes whatever decompositions {@link #precondition} uses from the current averages,
     * through the store (which keeps the last good one on failure).
     *
     * @param damping the optimizer's current damping λ ≥ 0
     */
    void refresh(double damping);

    /**
     * The first half of {@link #refresh} for a refresh computed elsewhere (a background thread, a
     * worker): copies what the decompositions need from the current averages into a
     * {@link RefreshJob} that holds no reference to this block. Training thread; O(size of the
     * factors). A block that splits its refresh guarantees that
     * {@code install(prepareRefresh(λ).compute())} has the effect of {@code refresh(λ)}, bit for bit.
     *
     * <p>The default does not split: its job computes nothing and {@link #install} then runs
     * {@link #refresh} itself, so every block works under an asynchronous driver (synchronously).
     *
     * @param damping the optimizer's current damping λ ≥ 0 (what {@link #refresh} would get)
     */
    default RefreshJob prepareRefresh(double damping) {
        return RefreshJob.synchronous(layer().name(), damping);
    }

    /**
     * The second half of {@link #refresh}: swaps in the decompositions of a job made by this block's
     * {@link #prepareRefresh}, finishing the store's fallback chain (a failed decomposition keeps
     * the last good one, counted and logged). Training thread, between steps. The caller installs
     * results in the order their jobs were prepared and prepares no other job in between (so
     * whatever a job read from the decompositions in use is still what is in use).
     *
     * @throws IllegalArgumentException when the result is not one of this block type's
     */
    default void install(RefreshResult result) {
        if (!result.isSynchronous()) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " for layer '" + layer().name()
                    + "' cannot install " + result + ": it does not split its refresh");
        }
        refresh(result.scalar(RefreshResult.DAMPING));
    }

    /**
     * Maps a gradient to the preconditioned direction (an approximation of (F + λI)⁻¹ g). May
     * update per-step state (e.g. grafting moments) but nothing the statistics own.
     *
     * @param gradient the gradient in {@link LayerSpec#gradientShape()}, in the store's storage
     *                 precision; not modified
     * @param damping  the optimizer's current damping λ ≥ 0
     * @return a new array of the gradient's shape and data type
     */
    INDArray precondition(INDArray gradient, double damping);

    /**
     * {@link #precondition(INDArray, double)} inside an optimizer step: a block that keeps
     * per-step state must override this and hand its changes to {@code transaction} rather than
     * make them, so that a step the update chain rejects leaves the block bit-identical. The
     * default, for blocks without per-step state, ignores the transaction.
     */
    default INDArray precondition(INDArray gradient, double damping, StateTransaction transaction) {
        return precondition(gradient, damping);
    }

    /**
     * Multiplies a vector by the block's damped curvature: (C + λ) v, where C is the curvature this
     * block approximates and "+ λ" is the damping exactly as {@link #precondition} applies it, so that
     * {@code precondition(multiply(v, λ), λ)} = v (up to rounding) right after {@code refresh(λ)}, and
     * {@code multiply(v, 0)} is the undamped product C v. Implementations state in their Javadoc
     * which matrix C is, how the damping enters, and which state (current moving averages or the
     * last refresh's decompositions) the product uses. Pure: changes no state.
     *
     * <p>The default throws: a block that cannot multiply must say so, never approximate silently.
     *
     * @param vector  in {@link LayerSpec#gradientShape()}, in the store's storage precision; not modified
     * @param damping λ ≥ 0; 0 gives the undamped product
     * @return a new array of the vector's shape and data type
     * @throws UnsupportedOperationException when the block cannot multiply by its curvature
     */
    default INDArray multiply(INDArray vector, double damping) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " for layer '" + layer().name()
                + "' cannot multiply by its curvature");
    }

    /**
     * The damping this block's current preconditioner really applies, after any raise by the
     * store's fallback chain; empty before the block has preconditioned with any damping, or when the
     * variant does not use the optimizer's damping (Shampoo). Diagnostic: not checkpointed.
     */
    default Optional<DampingInUse> dampingInUse() {
        return Optional.empty();
    }

    /**
     * The block's curvature approximation as an explicit matrix, undamped, over the layer's
     * parameters in column-major vec order (so a dense block's index is row + m·column), when the
     * variant can state one. For verification on small layers only: it is (m(n+1))² values.
     */
    default Optional<INDArray> curvatureMatrix() {
        return Optional.empty();
    }
}
