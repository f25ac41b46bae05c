package org.kron4j.testkit.baseline;

import java.util.ArrayList;
import java.util.List;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.optim.transform.GradientUpdater;
import org.kron4j.api.optim.transform.HeavyBallMomentum;
import org.kron4j.api.optim.transform.ScaleByLearningRate;
import org.kron4j.api.optim.transform.TransformChain;
import org.kron4j.reference.train.StepFunction;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Plain SGD with heavy-ball momentum: v ← μ v + g, Δθ = −η v (μ = 0 is plain SGD): the same
 * {@link HeavyBallMomentum} and {@link ScaleByLearningRate} transforms as kron4j's driver, run
 * by a {@link GradientUpdater} without preconditioning. Velocity buffers are created on the
 * first step with the gradients' shapes and data type.
 */
public final class SgdMomentum implements StepFunction {
    private final double learningRate;
    private final double momentum;
    private final GradientUpdater updater;

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
        this.updater = new GradientUpdater(learningRate, (store, slots) -> TransformChain.of(
                new HeavyBallMomentum(store, slots, "velocity", momentum), new ScaleByLearningRate()));
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
        return updater.updates(gradients);
    }

    /** Steps taken so far. */
    public long steps() {
        return updater.steps();
    }

    @Override
    public String name() {
        return "sgd(lr=" + learningRate + ", momentum=" + momentum + ")";
    }
}
