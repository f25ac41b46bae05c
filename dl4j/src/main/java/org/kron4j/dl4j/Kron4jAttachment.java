package org.kron4j.dl4j;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.kron4j.api.model.ModelSpec;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A kron4j optimizer attached to a {@link MultiLayerNetwork}, returned by
 * {@link Kron4jDl4j#attach}: the handle to its optimizer (settings, checkpoints with
 * {@link KroneckerOptimizer#save} / {@link KroneckerOptimizer#restore}), its diagnostics, and
 * {@link #detach()}.
 *
 * <p>The network keeps its own life: {@code fit}, listeners, evaluation and
 * {@code ModelSerializer} work as before; the DL4J model file holds the network and DL4J's
 * updater state, not kron4j's factors, which {@code optimizer().save(out)} writes.
 *
 * <p>The attachment is a DL4J {@code TrainingListener} on the network. Replacing the network's
 * listeners with {@code setListeners(...)} removes it (see {@link #isAttached()}); add further
 * listeners with {@code addListeners(...)}. Listeners that read gradients in
 * {@code onGradientCalculation} see DL4J's raw gradient if they were added before the attachment
 * and the preconditioned direction if added after. Not thread-safe, like the network's
 * {@code fit}.
 */
public final class Kron4jAttachment implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Kron4jAttachment.class);

    private final MultiLayerNetwork network;
    private final PreconditioningListener listener;
    private final ModelSpec model;
    private final Map<String, String> layout;
    private boolean detached;

    Kron4jAttachment(MultiLayerNetwork network, PreconditioningListener listener, ModelSpec model,
            Map<String, String> layout) {
        this.network = network;
        this.listener = listener;
        this.model = model;
        this.layout = Collections.unmodifiableMap(new LinkedHashMap<>(layout));
    }

    public MultiLayerNetwork network() {
        return network;
    }

    /** The optimizer: its settings, step count, factor store, checkpointing. */
    public KroneckerOptimizer optimizer() {
        return listener.optimizer();
    }

    /** The network as kron4j sees it: one block per dense layer, one tensor per other trainable parameter. */
    public ModelSpec modelSpec() {
        return model;
    }

    /**
     * Per DL4J layer index, how kron4j treats it: its role (dense, output, activation, dropout,
     * opaque, frozen) and the kron4j blocks mapped onto its parameters.
     */
    public Map<String, String> describe() {
        return layout;
    }

    /** A snapshot of what the optimizer has done so far. */
    public Dl4jDiagnostics diagnostics() {
        return listener.diagnostics();
    }

    /** True while the listener is still among the network's listeners and {@link #detach()} was not called. */
    /**
     * The optimizer's result of the last DL4J iteration (its {@code diagnostics()}: loss, damping λ,
     * reduction ratio ρ, learning rate α, momentum μ); empty before the first. Its arrays are
     * kron4j's layout ([Wᵀ | b] per dense layer) and valid until the next iteration.
     */
    public java.util.Optional<org.kron4j.api.optim.StepResult> lastStep() {
        return listener.lastStep();
    }

    public boolean isAttached() {
        return !detached && network.getListeners() != null && network.getListeners().contains(listener);
    }

    /**
     * Removes the listener from the network (its other listeners stay) and releases the sampling
     * generator; further {@code fit} calls train with DL4J's plain updater. The optimizer stays
     * readable. Idempotent.
     */
    public void detach() {
        if (detached) {
            return;
        }
        detached = true;
        List<TrainingListener> remaining = new ArrayList<>();
        if (network.getListeners() != null) {
            for (TrainingListener l : network.getListeners()) {
                if (l != listener) {
                    remaining.add(l);
                }
            }
        }
        network.setListeners(remaining);
        listener.close();
        LOG.info("kron4j '{}' detached after {}", optimizer().variant().name(), diagnostics());
    }

    /** {@link #detach()}. */
    @Override
    public void close() {
        detach();
    }

    @Override
    public String toString() {
        return "Kron4jAttachment{" + optimizer() + (detached ? ", detached" : "") + "}";
    }
}
