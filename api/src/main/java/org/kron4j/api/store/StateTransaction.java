package org.kron4j.api.store;

import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Where per-step state changes go until the step is known to be applied: the optimizer's update
 * chain ({@link org.kron4j.api.optim.transform.UpdateContext}) applies them when the step commits
 * and drops them when a stage rejects it, so a rejected step leaves the state bit-identical.
 * {@link #IMMEDIATE} applies every change at once, for callers outside a step.
 */
public interface StateTransaction {

    /** Applies every change as it is staged. */
    StateTransaction IMMEDIATE = new StateTransaction() {
        @Override
        public void stage(StateArray target, INDArray value) {
            target.assign(Objects.requireNonNull(value, "value"));
        }

        @Override
        public void onCommit(Runnable change) {
            change.run();
        }
    };

    /**
     * Records {@code target ← value} (a copy, exact when the types agree). {@code value} must not
     * be modified afterwards.
     */
    void stage(StateArray target, INDArray value);

    /** Records any other state change, run at commit in staging order. */
    void onCommit(Runnable change);
}
