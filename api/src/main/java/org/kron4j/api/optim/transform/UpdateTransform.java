package org.kron4j.api.optim.transform;

import java.util.List;
import java.util.Set;
import org.kron4j.api.capture.CaptureField;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One stage of an optimizer's update: receives one array per layer and returns one array per
 * layer (optax's {@code GradientTransformation}, with the state kept in the factor store rather
 * than passed around).
 *
 * <p>Contract, which every implementation must keep:
 * <ul>
 *   <li>It must not modify the arrays it receives (earlier stages and
 *       {@link RecordDirections} may hold them); it returns new arrays or the received ones
 *       unchanged.</li>
 *   <li>It allocates its state when it is constructed, in the
 *       {@link org.kron4j.api.store.FactorStore} (so {@code save}/{@code restore} cover it), and
 *       never changes that state during {@link #update}: it hands the new values to
 *       {@link UpdateContext#stage} or {@link UpdateContext#onCommit}. The owner of the chain
 *       commits them once every stage has run and none rejected the step; a rejected step
 *       therefore leaves all state bit-identical.</li>
 *   <li>To refuse the step it calls {@link UpdateContext#reject} and returns; the remaining
 *       stages do not run.</li>
 * </ul>
 * Not thread-safe: one training loop drives a chain.
 */
public interface UpdateTransform {

    /**
     * Transforms the updates.
     *
     * @param updates one array per layer, as the previous stage left them (the first stage gets
     *                {@link UpdateContext#gradients()}); not to be modified
     * @param context the step: its index, capture, gradients, estimator, damping and learning rate
     * @return one array per layer, in the same shapes
     */
    List<INDArray> update(List<INDArray> updates, UpdateContext context);

    /** Capture fields this transform needs on every step, beyond the gradient (none by default). */
    default Set<CaptureField> requiredFields() {
        return Set.of();
    }

    /**
     * Whether this stage may reject steps and needs a rejection to leave the whole optimizer state
     * bit-identical, including the statistics folded in and the refresh done before the chain
     * runs (an adaptive-damping rule that rejects a step on the reduction ratio). The driver then
     * keeps an in-memory checkpoint of its state on statistics and refresh steps and restores it
     * on any rejection. False by default: a rejection drops what the chain staged, and the step's
     * statistics and refresh are kept.
     */
    default boolean mayRejectSteps() {
        return false;
    }

    /**
     * Whether this stage may reject the step with this index ({@link #mayRejectSteps()} by
     * default); a stage that can reject only on some steps (every T₁-th) says so (informational:
     * the driver keeps its in-memory checkpoint on every statistics and refresh step anyway).
     */
    default boolean mayRejectAt(long step) {
        return mayRejectSteps();
    }

    /** A short name with the hyperparameters, for logs. */
    default String name() {
        return getClass().getSimpleName();
    }
}
