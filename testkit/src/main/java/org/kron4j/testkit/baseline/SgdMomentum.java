package org.kron4j.testkit.baseline;

import java.util.List;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.reference.train.FirstOrderRule;
import org.kron4j.reference.train.StepFunction;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Plain SGD with heavy-ball momentum: v ← μ v + g, Δθ = −η v (μ = 0 is plain SGD). The test kit's
 * name for the product's {@link FirstOrderRule#heavyBall} (the same {@code HeavyBallMomentum} and
 * {@code ScaleByLearningRate} transforms as kron4j's driver, run without preconditioning);
 * {@code BaselinesTest} checks it against a plain-Java recursion. Velocity buffers are created on
 * the first step with the gradients' shapes and data type.
 */
public final class SgdMomentum implements StepFunction {
    private final FirstOrderRule rule;

    /**
     * @param learningRate η &gt; 0
     * @param momentum     μ in [0, 1)
     */
    public SgdMomentum(double learningRate, double momentum) {
        this.rule = FirstOrderRule.heavyBall(learningRate, momentum);
    }

    @Override
    public List<INDArray> step(ModelCapture capture) {
        return rule.step(capture);
    }

    /** The updates Δθ for these gradients, advancing the momentum state. */
    public List<INDArray> updates(List<INDArray> gradients) {
        return rule.updates(gradients);
    }

    /** Steps taken so far. */
    public long steps() {
        return rule.steps();
    }

    @Override
    public String name() {
        return rule.name();
    }
}
