package org.kron4j.api.optim.transform;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.kron4j.api.linalg.LinearAlgebras;
import org.kron4j.api.store.FactorStore;
import org.kron4j.api.store.Precision;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Runs a first-order {@link TransformChain} on plain gradients, without a model, capture or
 * curvature: the support behind the baselines (SGD, Adam, Nesterov SGD). The chain and its own
 * {@link FactorStore} are created on the first call, with the gradients' shapes ("layer0",
 * "layer1", … as block names) and their precision, so state and updates keep the gradients'
 * type. Step t of the context is the number of earlier calls.
 *
 * <p>Not thread-safe.
 */
public final class GradientUpdater {

    /** Builds the chain once the slots are known. */
    @FunctionalInterface
    public interface ChainBuilder {
        TransformChain create(FactorStore store, List<ParameterSlot> slots);
    }

    private final double learningRate;
    private final ChainBuilder builder;
    private FactorStore store;
    private TransformChain chain;
    private int layers;
    private long steps;

    /**
     * @param learningRate η the context carries (for {@link ScaleByLearningRate} and the forms
     *                     that fold it in)
     * @param builder      makes the chain from the store and the slots
     */
    public GradientUpdater(double learningRate, ChainBuilder builder) {
        this.learningRate = learningRate;
        this.builder = Objects.requireNonNull(builder, "builder");
    }

    /**
     * The updates for these gradients (one per layer, not modified), committing the chain's state.
     *
     * @throws IllegalArgumentException when the layer count differs from the first call's, or the
     *     gradients are not all float32 or all float64
     */
    public List<INDArray> updates(List<INDArray> gradients) {
        if (chain == null) {
            store = new FactorStore(precisionOf(gradients), Precision.DOUBLE, 1.0, LinearAlgebras.portable());
            List<ParameterSlot> slots = new ArrayList<>(gradients.size());
            for (int l = 0; l < gradients.size(); l++) {
                slots.add(new ParameterSlot("layer" + l, gradients.get(l).shape()));
            }
            chain = builder.create(store, slots);
            layers = gradients.size();
        } else if (gradients.size() != layers) {
            throw new IllegalArgumentException("expected " + layers + " gradients, got " + gradients.size());
        }
        UpdateContext context = UpdateContext.builder(steps, gradients).learningRate(learningRate).build();
        TransformChain.Outcome outcome = chain.run(context);
        if (!outcome.committed()) {
            throw new IllegalStateException("a first-order chain rejected a step: " + outcome.rejection());
        }
        steps++;
        return outcome.updates();
    }

    private static Precision precisionOf(List<INDArray> gradients) {
        if (gradients.isEmpty()) {
            throw new IllegalArgumentException("no gradients");
        }
        DataType type = gradients.get(0).dataType();
        for (INDArray gradient : gradients) {
            if (gradient.dataType() != type) {
                throw new IllegalArgumentException("gradients of mixed types: " + type + " and " + gradient.dataType());
            }
        }
        return switch (type) {
            case FLOAT -> Precision.FLOAT;
            case DOUBLE -> Precision.DOUBLE;
            default -> throw new IllegalArgumentException("gradients must be float32 or float64, got " + type);
        };
    }

    /** Calls of {@link #updates} so far. */
    public long steps() {
        return steps;
    }

    /** The state of the chain (null before the first call). */
    public FactorStore store() {
        return store;
    }
}
