package org.kron4j.api.optim.transform;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.kron4j.api.CurvatureEstimator;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.model.ModelSpec;
import org.kron4j.api.store.StateArray;
import org.kron4j.api.store.StateTransaction;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What the transforms of one step see and how they change state: the step index, the engine's
 * capture (gradients, parameters, statistics inputs and whatever else the engine provides, such
 * as the batch loss), the raw gradients in storage precision, the curvature estimator
 * (preconditioning and whatever products its blocks offer), the damping and the learning rate,
 * a typed scratch space for values one stage leaves for another ({@link ContextKey}), and the
 * staged state changes.
 *
 * <p><b>Transactions.</b> Transforms never write their state directly: {@link #stage} records a
 * new value for a store array, {@link #onCommit} any other change, {@link #setDamping} and
 * {@link #setLearningRate} new scalars. {@link TransformChain#run} applies them, in the order
 * they were staged, after the last stage ran without {@link #reject}; after a rejection it drops
 * them, so the step leaves every array and scalar bit-identical. A context serves one step.
 * A context built with {@link Builder#stagingInto} hands its changes (and a rejection) to that
 * enclosing transaction instead: a block that runs a chain of its own inside the optimizer's step
 * (Shampoo's grafting) stays part of the step's transaction.
 *
 * <p>Not thread-safe.
 */
public final class UpdateContext implements StateTransaction {
    private final long step;
    private final List<INDArray> gradients;
    private final ModelCapture capture;
    private final ModelSpec model;
    private final CurvatureEstimator estimator;
    private final StateTransaction enclosing;
    private double damping;
    private double learningRate;
    private final Map<ContextKey<?>, Object> values = new IdentityHashMap<>();
    private final List<Runnable> staged = new ArrayList<>();
    private String rejection;
    private double dampingAfterRejection = Double.NaN;
    private boolean committed;

    private UpdateContext(Builder builder) {
        this.step = builder.step;
        this.gradients = List.copyOf(builder.gradients);
        this.capture = builder.capture;
        this.model = builder.model;
        this.estimator = builder.estimator;
        this.enclosing = builder.enclosing;
        this.damping = builder.damping;
        this.learningRate = builder.learningRate;
    }

    /**
     * A context for step {@code step} (0-based: the number of steps applied before this one) with
     * these gradients, one per layer, in the precision the transforms' state is stored in.
     */
    public static Builder builder(long step, List<INDArray> gradients) {
        return new Builder(step, gradients);
    }

    /** The index of this step: how many steps were applied before it (0 on the first). */
    public long step() {
        return step;
    }

    /** The raw gradients g, one per layer, in storage precision; not to be modified. */
    public List<INDArray> gradients() {
        return gradients;
    }

    /**
     * The engine's capture of this step.
     *
     * @throws IllegalStateException when the chain runs without one (plain first-order use)
     */
    public ModelCapture capture() {
        return require(capture, "capture");
    }

    /** Whether a capture is available. */
    public boolean hasCapture() {
        return capture != null;
    }

    /**
     * The model the chain updates.
     *
     * @throws IllegalStateException when the chain runs without one
     */
    public ModelSpec model() {
        return require(model, "model");
    }

    /**
     * The curvature estimator (preconditioning through the variant's blocks).
     *
     * @throws IllegalStateException when the chain runs without one (plain first-order use)
     */
    public CurvatureEstimator estimator() {
        return require(estimator, "estimator");
    }

    private static <T> T require(T value, String what) {
        if (value == null) {
            throw new IllegalStateException("this update chain runs without a " + what);
        }
        return value;
    }

    /** The damping λ in effect for this step, including a change staged by an earlier stage. */
    public double damping() {
        return damping;
    }

    /**
     * Stages a new damping: later stages of this step see it, and the chain's owner keeps it for
     * the following steps (and refreshes) only when the step commits.
     */
    public void setDamping(double damping) {
        if (!(damping >= 0) || Double.isInfinite(damping)) {
            throw new IllegalArgumentException("damping must be in [0, ∞), got " + damping);
        }
        this.damping = damping;
    }

    /** The learning rate η for this step, including a change staged by an earlier stage. */
    public double learningRate() {
        return learningRate;
    }

    /** Stages a new learning rate, kept by the chain's owner only when the step commits. */
    public void setLearningRate(double learningRate) {
        if (!(learningRate > 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learningRate must be in (0, ∞), got " + learningRate);
        }
        this.learningRate = learningRate;
    }

    /** Leaves a value for later stages or the chain's owner (replacing an earlier one). */
    public <T> void put(ContextKey<T> key, T value) {
        values.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
    }

    /** The value left under {@code key}, if any. */
    public <T> Optional<T> get(ContextKey<T> key) {
        return Optional.ofNullable(key.cast(values.get(key)));
    }

    /**
     * Stages {@code target ← value} (a copy, exact when the types agree), applied on commit.
     * {@code value} must not be modified afterwards.
     */
    @Override
    public void stage(StateArray target, INDArray value) {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(value, "value");
        if (enclosing != null) {
            enclosing.stage(target, value);
        } else {
            staged.add(() -> target.assign(value));
        }
    }

    /** Stages any other state change (a scalar field of a transform), run on commit in staging order. */
    @Override
    public void onCommit(Runnable change) {
        Objects.requireNonNull(change, "change");
        if (enclosing != null) {
            enclosing.onCommit(change);
        } else {
            staged.add(change);
        }
    }

    /**
     * Refuses the step: the stages after the caller do not run, nothing staged is applied, and
     * the chain's owner reports the step as skipped with this reason.
     */
    public void reject(String reason) {
        if (rejection == null) {
            rejection = Objects.requireNonNull(reason, "reason");
            if (enclosing instanceof UpdateContext outer) {
                outer.reject(reason);
            }
        }
    }

    /**
     * Refuses the step like {@link #reject(String)}, and asks the chain's owner to continue with
     * the damping {@code damping} nonetheless (the Levenberg-Marquardt increase after a rejected
     * step): the only change a rejected step leaves.
     */
    public void reject(String reason, double damping) {
        if (!(damping >= 0) || Double.isInfinite(damping)) {
            throw new IllegalArgumentException("damping must be in [0, ∞), got " + damping);
        }
        if (rejection == null) {
            dampingAfterRejection = damping;
        }
        reject(reason);
    }

    /** The damping a rejecting stage asked to keep ({@link #reject(String, double)}), if any. */
    public java.util.OptionalDouble dampingAfterRejection() {
        return Double.isNaN(dampingAfterRejection) ? java.util.OptionalDouble.empty()
                : java.util.OptionalDouble.of(dampingAfterRejection);
    }

    public boolean isRejected() {
        return rejection != null;
    }

    /** Why the step was rejected, if it was. */
    public Optional<String> rejection() {
        return Optional.ofNullable(rejection);
    }

    /** Applies every staged change in staging order, once (with an enclosing transaction: nothing, it holds them). */
    void commit() {
        if (rejection != null) {
            throw new IllegalStateException("a rejected step cannot commit: " + rejection);
        }
        if (committed) {
            throw new IllegalStateException("this step was already committed");
        }
        committed = true;
        staged.forEach(Runnable::run);
        staged.clear();
    }

    /** Builds an {@link UpdateContext}; everything but the step and the gradients is optional. */
    public static final class Builder {
        private final long step;
        private final List<INDArray> gradients;
        private ModelCapture capture;
        private ModelSpec model;
        private CurvatureEstimator estimator;
        private StateTransaction enclosing;
        private double damping;
        private double learningRate = 1.0;

        private Builder(long step, List<INDArray> gradients) {
            if (step < 0) {
                throw new IllegalArgumentException("step must be >= 0, got " + step);
            }
            this.step = step;
            this.gradients = Objects.requireNonNull(gradients, "gradients");
        }

        public Builder capture(ModelCapture capture) {
            this.capture = capture;
            return this;
        }

        public Builder model(ModelSpec model) {
            this.model = model;
            return this;
        }

        public Builder estimator(CurvatureEstimator estimator) {
            this.estimator = estimator;
            return this;
        }

        /**
         * Hands every staged change to {@code transaction} instead of keeping it for this
         * context's commit ({@link StateTransaction#IMMEDIATE}: applied at once); a rejection is
         * passed on when the transaction is itself an {@link UpdateContext}.
         */
        public Builder stagingInto(StateTransaction transaction) {
            this.enclosing = Objects.requireNonNull(transaction, "transaction");
            return this;
        }

        /** The damping λ (0 by default). */
        public Builder damping(double damping) {
            this.damping = damping;
            return this;
        }

        /** The learning rate η (1 by default). */
        public Builder learningRate(double learningRate) {
            this.learningRate = learningRate;
            return this;
        }

        public UpdateContext build() {
            return new UpdateContext(this);
        }
    }
}
