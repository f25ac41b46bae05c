package org.kron4j.reference.train;

import java.util.ArrayList;
import java.util.List;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.optim.transform.GradientUpdater;
import org.kron4j.api.optim.transform.HeavyBallMomentum;
import org.kron4j.api.optim.transform.NesterovMomentum;
import org.kron4j.api.optim.transform.ScaleByAdam;
import org.kron4j.api.optim.transform.ScaleByLearningRate;
import org.kron4j.api.optim.transform.TransformChain;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A first-order baseline as a {@link StepFunction}: kron4j's own first-order transforms run by a
 * {@link GradientUpdater}, with no preconditioning. The product modules (cli, benchmarks,
 * examples) use these instead of the test kit's baselines; the update rules are the same
 * transform classes.
 *
 * <ul>
 *   <li>{@link #adam}: Adam with bias correction (Kingma &amp; Ba 2015), {@link ScaleByAdam};</li>
 *   <li>{@link #heavyBall}: v ← μv + g, Δθ = −ηv ({@link HeavyBallMomentum}; μ = 0 is plain SGD);</li>
 *   <li>{@link #nesterov}: DL4J's {@code Nesterovs} formulation, v ← μv − ηg,
 *       Δθ = −μ v_prev + (1 + μ) v ({@link NesterovMomentum}).</li>
 * </ul>
 * Buffers are created on the first step with the gradients' shapes and data type.
 */
public final class FirstOrderRule implements StepFunction {
    private final String name;
    private final GradientUpdater updater;

    private FirstOrderRule(String name, GradientUpdater updater) {
        this.name = name;
        this.updater = updater;
    }

    /** Adam with the usual β₁ = 0.9, β₂ = 0.999, ε = 1e-8. */
    public static FirstOrderRule adam(double learningRate) {
        return adam(learningRate, 0.9, 0.999, 1e-8);
    }

    public static FirstOrderRule adam(double learningRate, double beta1, double beta2, double epsilon) {
        if (!(learningRate > 0) || !(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1) || !(epsilon > 0)) {
            throw new IllegalArgumentException("need learningRate > 0, beta1 and beta2 in [0, 1), epsilon > 0; got "
                    + learningRate + ", " + beta1 + ", " + beta2 + ", " + epsilon);
        }
        return new FirstOrderRule("adam(lr=" + learningRate + ")", new GradientUpdater(learningRate,
                (store, slots) -> TransformChain.of(ScaleByAdam.update(store, slots, "adam.", beta1, beta2, epsilon))));
    }

    /** SGD with heavy-ball momentum μ in [0, 1). */
    public static FirstOrderRule heavyBall(double learningRate, double momentum) {
        check(learningRate, momentum);
        return new FirstOrderRule("sgd(lr=" + learningRate + ", momentum=" + momentum + ")",
                new GradientUpdater(learningRate, (store, slots) -> TransformChain.of(
                        new HeavyBallMomentum(store, slots, "velocity", momentum), new ScaleByLearningRate())));
    }

    /** SGD with Nesterov momentum μ in [0, 1), as DL4J's {@code Nesterovs}. */
    public static FirstOrderRule nesterov(double learningRate, double momentum) {
        check(learningRate, momentum);
        return new FirstOrderRule("sgd(lr=" + learningRate + ", nesterov=" + momentum + ")",
                new GradientUpdater(learningRate,
                        (store, slots) -> TransformChain.of(new NesterovMomentum(store, slots, "", momentum))));
    }

    private static void check(double learningRate, double momentum) {
        if (!(learningRate > 0) || !(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("need learningRate > 0 and momentum in [0, 1), got " + learningRate
                    + ", " + momentum);
        }
    }

    @Override
    public List<INDArray> step(ModelCapture capture) {
        List<INDArray> gradients = new ArrayList<>(capture.layers().size());
        for (int l = 0; l < capture.layers().size(); l++) {
            gradients.add(capture.layer(l).gradient());
        }
        return updates(gradients);
    }

    /** The updates Δθ for these gradients, advancing the rule's state. */
    public List<INDArray> updates(List<INDArray> gradients) {
        return updater.updates(gradients);
    }

    /** Writes the rule's whole state (step count, every buffer) under {@code prefix}, see {@link GradientUpdater#save}. */
    public void save(org.kron4j.api.checkpoint.StateWriter writer, String prefix) {
        updater.save(writer, prefix);
    }

    /** Restores what {@link #save} wrote for a rule made with the same factory method and settings. */
    public void restore(org.kron4j.api.checkpoint.StateReader reader, String prefix) {
        updater.restore(reader, prefix);
    }

    /** Steps taken so far. */
    public long steps() {
        return updater.steps();
    }

    @Override
    public String name() {
        return name;
    }
}
