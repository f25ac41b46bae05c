package org.kron4j.testkit.baseline;

import java.util.List;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.reference.train.FirstOrderRule;
import org.kron4j.reference.train.StepFunction;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Adam (Kingma &amp; Ba 2015) with bias correction:
 * m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ),
 * Δθ = −η m̂ / (√v̂ + ε). The test kit's name for the product's {@link FirstOrderRule#adam}
 * (kron4j's {@code ScaleByAdam} transform run by a {@code GradientUpdater}); what keeps comparisons
 * against it honest is {@code BaselinesTest}, which checks it against a plain-Java recursion.
 * Moment buffers are created on the first step with the gradients' shapes and data type.
 */
public final class Adam implements StepFunction {
    private final FirstOrderRule rule;

    /** Adam with the usual β₁ = 0.9, β₂ = 0.999, ε = 1e-8. */
    public Adam(double learningRate) {
        this(learningRate, 0.9, 0.999, 1e-8);
    }

    public Adam(double learningRate, double beta1, double beta2, double epsilon) {
        this.rule = FirstOrderRule.adam(learningRate, beta1, beta2, epsilon);
    }

    @Override
    public List<INDArray> step(ModelCapture capture) {
        return rule.step(capture);
    }

    /** The updates Δθ for these gradients, advancing the moment estimates. */
    public List<INDArray> updates(List<INDArray> gradients) {
        return rule.updates(gradients);
    }

    /** Steps taken so far (t). */
    public long steps() {
        return rule.steps();
    }

    @Override
    public String name() {
        return rule.name();
    }
}
