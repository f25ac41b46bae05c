package org.kron4j.cli.engine;

import java.util.ArrayList;
import java.util.List;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.reference.train.StepFunction;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * SGD with Nesterov momentum in DL4J's formulation ({@code Nesterovs}), for the test-kit engine:
 * v ← μ v − η g, Δθ = −μ v_prev + (1 + μ) v. Velocity buffers are created on the first step.
 * Memory: one buffer per layer.
 */
public final class NesterovSgd implements StepFunction {
    private final double learningRate;
    private final double momentum;
    private List<INDArray> velocity;

    public NesterovSgd(double learningRate, double momentum) {
        this.learningRate = learningRate;
        this.momentum = momentum;
    }

    @Override
    public List<INDArray> step(ModelCapture capture) {
        int layers = capture.layers().size();
        if (velocity == null) {
            velocity = new ArrayList<>(layers);
            for (int l = 0; l < layers; l++) {
                velocity.add(capture.layer(l).gradient().ulike().assign(0.0));
            }
        }
        List<INDArray> updates = new ArrayList<>(layers);
        for (int l = 0; l < layers; l++) {
            INDArray v = velocity.get(l);
            INDArray previous = v.mul(momentum);
            v.muli(momentum).subi(capture.layer(l).gradient().mul(learningRate));
            updates.add(v.mul(1.0 + momentum).subi(previous));
        }
        return updates;
    }

    @Override
    public String name() {
        return "sgd(lr=" + learningRate + ", nesterov=" + momentum + ")";
    }
}
