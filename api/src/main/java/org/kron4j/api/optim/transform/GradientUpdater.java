package org.kron4j.api.optim.transform;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.kron4j.api.checkpoint.CheckpointFormatException;
import org.kron4j.api.checkpoint.StateReader;
import org.kron4j.api.checkpoint.StateWriter;
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
    private List<ParameterSlot> slots = List.of();
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
            List<ParameterSlot> created = new ArrayList<>(gradients.size());
            for (int l = 0; l < gradients.size(); l++) {
                created.add(new ParameterSlot("layer" + l, gradients.get(l).shape()));
            }
            build(precisionOf(gradients), created);
        } else if (gradients.size() != slots.size()) {
            throw new IllegalArgumentException("expected " + slots.size() + " gradients, got " + gradients.size());
        }
        UpdateContext context = UpdateContext.builder(steps, gradients).learningRate(learningRate).build();
        TransformChain.Outcome outcome = chain.run(context);
        if (!outcome.committed()) {
            throw new IllegalStateException("a first-order chain rejected a step: " + outcome.rejection());
        }
        steps++;
        return outcome.updates();
    }

    private void build(Precision precision, List<ParameterSlot> parameterSlots) {
        FactorStore created = new FactorStore(precision, Precision.DOUBLE, 1.0, LinearAlgebras.portable());
        chain = builder.create(created, parameterSlots);
        store = created;
        slots = List.copyOf(parameterSlots);
    }

    /**
     * Writes the updater's whole state under {@code prefix}: the step count and, once a step was
     * taken, the gradients' precision and shapes and every buffer of the chain's store. With
     * {@link #restore} an updater continues bit for bit (checkpoints of first-order baselines).
     */
    public void save(StateWriter writer, String prefix) {
        writer.putLong(prefix + "steps", steps);
        writer.putLong(prefix + "layers", chain == null ? 0 : slots.size());
        if (chain == null) {
            return;
        }
        writer.putString(prefix + "precision", store.storagePrecision().name());
        for (int l = 0; l < slots.size(); l++) {
            long[] shape = slots.get(l).shape();
            writer.putLong(prefix + "rank." + l, shape.length);
            for (int d = 0; d < shape.length; d++) {
                writer.putLong(prefix + "dim." + l + "." + d, shape[d]);
            }
        }
        store.write(writer, prefix + "store/");
    }

    /**
     * Restores what {@link #save} wrote into an updater made with the same chain (same rule and
     * settings); the chain is rebuilt for the saved shapes. Nothing changes when the state does
     * not fit.
     *
     * @throws CheckpointFormatException when the state is not an updater's or not this chain's
     */
    public void restore(StateReader reader, String prefix) {
        long savedSteps = reader.getLong(prefix + "steps");
        long count = reader.getLong(prefix + "layers");
        if (savedSteps < 0 || count < 0 || count > 100_000) {
            throw new CheckpointFormatException("not a first-order updater's state (steps " + savedSteps + ", layers "
                    + count + ")");
        }
        if (count == 0) {
            store = null;
            chain = null;
            slots = List.of();
            steps = savedSteps;
            return;
        }
        Precision precision;
        try {
            precision = Precision.valueOf(reader.getString(prefix + "precision"));
        } catch (IllegalArgumentException e) {
            throw new CheckpointFormatException("unknown precision '" + reader.getString(prefix + "precision") + "'");
        }
        List<ParameterSlot> saved = new ArrayList<>();
        for (int l = 0; l < count; l++) {
            long rank = reader.getLong(prefix + "rank." + l);
            if (rank < 0 || rank > 8) {
                throw new CheckpointFormatException("bad rank " + rank + " of slot " + l);
            }
            long[] shape = new long[(int) rank];
            for (int d = 0; d < rank; d++) {
                shape[d] = reader.getLong(prefix + "dim." + l + "." + d);
            }
            saved.add(new ParameterSlot("layer" + l, shape));
        }
        FactorStore previousStore = store;
        TransformChain previousChain = chain;
        List<ParameterSlot> previousSlots = slots;
        try {
            build(precision, saved);
            store.read(reader, prefix + "store/");
        } catch (RuntimeException e) {
            store = previousStore;
            chain = previousChain;
            slots = previousSlots;
            throw e;
        }
        steps = savedSteps;
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
