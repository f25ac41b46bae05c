package org.kron4j.cli.engine;

import java.util.ArrayList;
import java.util.List;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.optim.transform.GradientUpdater;
import org.kron4j.api.optim.transform.NesterovMomentum;
import org.kron4j.api.optim.transform.TransformChain;
import org.kron4j.reference.train.StepFunction;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * SGD with Nesterov momentum in DL4J's formulation ({@code Nesterovs}), for the test-kit engine:
 * v ← μ v − η g, Δθ = −μ v_prev + (1 + μ) v — kron4j's {@link NesterovMomentum} transform run by
 * a {@link GradientUpdater}. Velocity buffers are created on the first step. Memory: one buffer
 * per layer.
 */
public final class NesterovSgd implements StepFunction {
    private final double learningRate;
    private final double momentum;
    private final GradientUpdater updater;

    public NesterovSgd(double learningRate, double momentum) {
        this.learningRate = learningRate;
        this.momentum = momentum;
        this.updater = new GradientUpdater(learningRate,
                (store, slots) -> TransformChain.of(new NesterovMomentum(store, slots, "", momentum)));
    }

    @Override
    public List<INDArray> step(ModelCapture capture) {
        int layers = capture.layers().size();
        List<INDArray> gradients = new ArrayList<>(layers);
        for (int l = 0; l < layers; l++) {
            gradients.add(capture.layer(l).gradient());
        }
        return updater.updates(gradients);
    }

    @Override
    public String name() {
        return "sgd(lr=" + learningRate + ", nesterov=" + momentum + ")";
    }
}
