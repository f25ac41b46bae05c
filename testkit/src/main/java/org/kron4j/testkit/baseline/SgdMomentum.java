package org.kron4j.testkit.baseline;

import java.util.ArrayList;
import java.util.List;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.reference.train.StepFunction;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Plain SGD with heavy-ball momentum: v ← μ v + g, Δθ = −η v (μ = 0 is plain SGD). Written
 * independently of kron4j's driver so that it can serve as a baseline for it. Velocity buffers
 * are created on the first step with the gradients' shapes and data types.
 */
public final class SgdMomentum implements StepFunction {
    private final double learningRate;
    private final double momentum;
    private List<INDArray> velocity;
    private long steps;

    /**
     * @param learningRate η &gt; 0
     * @param momentum     μ in [0, 1)
     */
    public SgdMomentum(double learningRate, double momentum) {
        if (!(learningRate > 0) || !(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("need learningRate > 0 and momentum in [0, 1), got " + learningRate
                    + ", " + momentum);
        }
        this.learningRate = learningRate;
        this.momentum = momentum;
    }

    @Override
    public List<INDArray> step(ModelCapture capture) {
        List<INDArray> gradients = new ArrayList<>(capture.layers().size());
        for (int l = 0; l < capture.layers().size(); l++) {
            gradients.add(capture.layer(l).gradient());
        }
        return updates(gradients);
    }

    /** The updates Δθ for these gradients, advancing the momentum state. */
    public List<INDArray> updates(List<INDArray> gradients) {
        if (velocity == null) {
            velocity = new ArrayList<>(gradients.size());
            for (INDArray g : gradients) {
                velocity.add(g.ulike().assign(0.0));
            }
        } else if (velocity.size() != gradients.size()) {
            throw new IllegalArgumentException("expected " + velocity.size() + " gradients, got " + gradients.size());
        }
        List<INDArray> updates = new ArrayList<>(gradients.size());
        for (int l = 0; l < gradients.size(); l++) {
            INDArray v = velocity.get(l).muli(momentum).addi(gradients.get(l));
            updates.add(v.mul(-learningRate));
        }
        steps++;
        return updates;
    }

    /** Steps taken so far. */
    public long steps() {
        return steps;
    }

    @Override
    public String name() {
        return "sgd(lr=" + learningRate + ", momentum=" + momentum + ")";
    }
}
