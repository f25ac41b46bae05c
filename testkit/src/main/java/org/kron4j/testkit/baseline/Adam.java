package org.kron4j.testkit.baseline;

import java.util.ArrayList;
import java.util.List;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.optim.transform.GradientUpdater;
import org.kron4j.api.optim.transform.ScaleByAdam;
import org.kron4j.api.optim.transform.TransformChain;
import org.kron4j.reference.train.StepFunction;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Adam (Kingma &amp; Ba 2015) with bias correction:
 * m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ),
 * Δθ = −η m̂ / (√v̂ + ε): kron4j's {@link ScaleByAdam} transform in its update form, run by a
 * {@link GradientUpdater}. Moment buffers are created on the first step with the gradients'
 * shapes and data type.
 */
public final class Adam implements StepFunction {
    private final double learningRate;
    private final double beta1;
    private final double beta2;
    private final double epsilon;
    private final GradientUpdater updater;

    /** Adam with the usual β₁ = 0.9, β₂ = 0.999, ε = 1e-8. */
    public Adam(double learningRate) {
        this(learningRate, 0.9, 0.999, 1e-8);
    }

    public Adam(double learningRate, double beta1, double beta2, double epsilon) {
        if (!(learningRate > 0) || !(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1) || !(epsilon > 0)) {
            throw new IllegalArgumentException("need learningRate > 0, beta1 and beta2 in [0, 1), epsilon > 0; got "
                    + learningRate + ", " + beta1 + ", " + beta2 + ", " + epsilon);
        }
        this.learningRate = learningRate;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        this.updater = new GradientUpdater(learningRate, (store, slots) -> TransformChain.of(
                ScaleByAdam.update(store, slots, "adam.", beta1, beta2, epsilon)));
    }

    @Override
    public List<INDArray> step(ModelCapture capture) {
        List<INDArray> gradients = new ArrayList<>(capture.layers().size());
        for (int l = 0; l < capture.layers().size(); l++) {
            gradients.add(capture.layer(l).gradient());
        }
        return updates(gradients);
    }

    /** The updates Δθ for these gradients, advancing the moment estimates. */
    public List<INDArray> updates(List<INDArray> gradients) {
        return updater.updates(gradients);
    }

    /** Steps taken so far (t). */
    public long steps() {
        return updater.steps();
    }

    @Override
    public String name() {
        return "adam(lr=" + learningRate + ")";
    }
}
