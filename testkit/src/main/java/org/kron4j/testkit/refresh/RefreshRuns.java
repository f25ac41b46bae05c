package org.kron4j.testkit.refresh;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.kron4j.api.capture.StepPlan;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.Loss;
import org.kron4j.api.model.ModelSpec;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.optim.StepResult;
import org.kron4j.reference.mlp.ReferenceMlp;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Trains a 6 → 8 → 5 → 3 tanh network with softmax cross-entropy (float32, a fixed seed) for a
 * number of steps on fixed random batches of 16 (one-hot labels), with the optimizer a test
 * configures, keeping every step's result and the final state bytes. Two runs from the same seed
 * see the same batches and MC Fisher targets, so runs whose optimizers compute the same things are
 * bit-identical.
 */
public final class RefreshRuns {
    private static final int[] SIZES = {6, 8, 5, 3};
    private static final int BATCH = 16;

    private RefreshRuns() {
    }

    /** What a run produced. */
    public record Run(List<StepResult> results, List<INDArray> parameters, byte[] state, KroneckerOptimizer optimizer) {
    }

    /** The model the runs train, for configuring optimizers. */
    public static ModelSpec model() {
        return network(0).modelSpec();
    }

    private static ReferenceMlp network(long seed) {
        return new ReferenceMlp(SIZES, Activation.TANH, Loss.SOFTMAX_CROSS_ENTROPY, DataType.FLOAT, seed);
    }

    /**
     * Runs {@code steps} optimizer steps.
     *
     * @param optimizer a builder for the run's model (the model is set by the caller from the argument)
     * @param steps     how many calls of {@code step}
     * @param seed      seed of the weights, the batches and the MC Fisher targets
     */
    public static Run train(Function<ModelSpec, KroneckerOptimizer.Builder> optimizer, int steps, long seed) {
        return train(optimizer, steps, seed, (t, kron) -> { });
    }

    /** {@link #train(Function, int, long)}, calling {@code beforeStep} with the step index and the optimizer before each step. */
    public static Run train(Function<ModelSpec, KroneckerOptimizer.Builder> optimizer, int steps, long seed,
            java.util.function.BiConsumer<Integer, KroneckerOptimizer> beforeStep) {
        ReferenceMlp net = network(seed);
        KroneckerOptimizer kron = optimizer.apply(net.modelSpec()).build();
        List<StepResult> results = new ArrayList<>(steps);
        for (int t = 0; t < steps; t++) {
            Nd4j.getRandom().setSeed(seed * 1000 + t); // the batch, then the MC Fisher targets
            INDArray x = Nd4j.randn(DataType.FLOAT, BATCH, SIZES[0]);
            INDArray labels = Nd4j.zeros(DataType.FLOAT, BATCH, SIZES[SIZES.length - 1]);
            for (int i = 0; i < BATCH; i++) {
                labels.putScalar(i, (i * 7 + t) % SIZES[SIZES.length - 1], 1.0);
            }
            beforeStep.accept(t, kron);
            StepPlan plan = kron.plan();
            StepResult result = kron.step(net.capture(x, labels, plan, null));
            if (result.applied()) {
                net.addToParameters(result.updates());
            }
            results.add(result);
        }
        return new Run(results, net.copyParameters(), kron.stateBytes(), kron);
    }

    /**
     * The first difference between two runs, bit for bit (applied flags, updates, damping and
     * decomposition age of every step, final parameters, final state bytes); empty when identical.
     */
    public static java.util.Optional<String> firstDifference(Run actual, Run expected) {
        if (actual.results().size() != expected.results().size()) {
            return java.util.Optional.of("step counts differ: " + actual.results().size() + " vs "
                    + expected.results().size());
        }
        for (int t = 0; t < expected.results().size(); t++) {
            StepResult a = actual.results().get(t);
            StepResult e = expected.results().get(t);
            if (a.applied() != e.applied()) {
                return java.util.Optional.of("step " + t + ": applied " + a.applied() + " vs " + e.applied());
            }
            if (!a.updates().equals(e.updates())) {
                return java.util.Optional.of("step " + t + ": updates differ");
            }
            if (Double.compare(a.diagnostics().damping(), e.diagnostics().damping()) != 0) {
                return java.util.Optional.of("step " + t + ": damping " + a.diagnostics().damping() + " vs "
                        + e.diagnostics().damping());
            }
            if (a.diagnostics().decompositionAge() != e.diagnostics().decompositionAge()) {
                return java.util.Optional.of("step " + t + ": decomposition age " + a.diagnostics().decompositionAge()
                        + " vs " + e.diagnostics().decompositionAge());
            }
        }
        if (!actual.parameters().equals(expected.parameters())) {
            return java.util.Optional.of("final parameters differ");
        }
        if (!java.util.Arrays.equals(actual.state(), expected.state())) {
            return java.util.Optional.of("final optimizer states differ");
        }
        return java.util.Optional.empty();
    }
}
