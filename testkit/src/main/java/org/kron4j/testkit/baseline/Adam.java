package org.kron4j.testkit.baseline;

import java.util.ArrayList;
import java.util.List;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.reference.train.StepFunction;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Adam (Kingma &amp; Ba 2015) with bias correction:
 * m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ),
 * Δθ = −η m̂ / (√v̂ + ε). Written independently of kron4j's driver, for baselines. Moment buffers
 * are created on the first step with the gradients' shapes and data types.
 */
public final class Adam implements StepFunction {
    private final double learningRate;
    private final double beta1;
    private final double beta2;
    private final double epsilon;
    private List<INDArray> first;
    private List<INDArray> second;
    private long steps;

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
        if (first == null) {
            first = new ArrayList<>(gradients.size());
            second = new ArrayList<>(gradients.size());
            for (INDArray g : gradients) {
                first.add(g.ulike().assign(0.0));
                second.add(g.ulike().assign(0.0));
            }
        } else if (first.size() != gradients.size()) {
            throw new IllegalArgumentException("expected " + first.size() + " gradients, got " + gradients.size());
        }
        steps++;
        double correction1 = 1.0 - Math.pow(beta1, steps);
        double correction2 = 1.0 - Math.pow(beta2, steps);
        List<INDArray> updates = new ArrayList<>(gradients.size());
        for (int l = 0; l < gradients.size(); l++) {
            INDArray g = gradients.get(l);
            INDArray m = first.get(l).muli(beta1).addi(g.mul(1.0 - beta1));
            INDArray v = second.get(l).muli(beta2).addi(g.mul(g).muli(1.0 - beta2));
            // −η m̂ / (√v̂ + ε) = −η (m / c₁) / (√(v / c₂) + ε)
            INDArray denominator = Transforms.sqrt(v.div(correction2), false).addi(epsilon);
            updates.add(m.div(denominator).muli(-learningRate / correction1));
        }
        return updates;
    }

    /** Steps taken so far (t). */
    public long steps() {
        return steps;
    }

    @Override
    public String name() {
        return "adam(lr=" + learningRate + ")";
    }
}
