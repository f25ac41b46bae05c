package org.kron4j.reference.train;

import java.util.EnumSet;
import java.util.List;
import org.kron4j.api.capture.CaptureField;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.capture.StepPlan;
import org.kron4j.api.capture.TargetSource;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An update rule a {@link TrainingRun} drives: it says what it needs captured ({@link #plan()}),
 * then turns the capture into parameter updates Δθ to add, one per layer in the gradient's
 * shape. An empty list means the step was skipped and the parameters stay as they are.
 *
 * <p>A kron4j optimizer plugs in with {@link #of(KroneckerOptimizer)}; the first-order baselines
 * ({@link FirstOrderRule}) implement it directly; a lambda over the gradients works too:
 * {@code capture -> myUpdates(capture)}.
 */
@FunctionalInterface
public interface StepFunction {

    /** The plan of a rule that needs nothing but the gradient. */
    StepPlan GRADIENT_ONLY = new StepPlan(0, EnumSet.of(CaptureField.GRADIENT), TargetSource.EMPIRICAL);

    /** The updates Δθ to add per layer; empty when the step was skipped. */
    List<INDArray> step(ModelCapture capture);

    /** What the engine must capture for the next step; called once before every {@link #step}. */
    default StepPlan plan() {
        return GRADIENT_ONLY;
    }

    /** A short name for logs and reports. */
    default String name() {
        return getClass().getSimpleName();
    }

    /** A kron4j optimizer as a step function: its plan, and its {@code StepResult.updates()}. */
    static StepFunction of(KroneckerOptimizer optimizer) {
        return new StepFunction() {
            @Override
            public List<INDArray> step(ModelCapture capture) {
                return optimizer.step(capture).updates();
            }

            @Override
            public StepPlan plan() {
                return optimizer.plan();
            }

            @Override
            public String name() {
                return optimizer.variant().name();
            }
        };
    }
}
