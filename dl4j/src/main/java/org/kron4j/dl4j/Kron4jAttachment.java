package org.kron4j.dl4j;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.kron4j.api.checkpoint.AtomicFiles;
import org.kron4j.api.checkpoint.CheckpointFormatException;
import org.kron4j.api.model.ModelSpec;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A kron4j optimizer attached to a {@link MultiLayerNetwork}, returned by
 * {@link Kron4jDl4j#attach}: the handle to its optimizer (settings, step count, factor store),
 * kron4j's checkpoints ({@link #save} / {@link #restore}), its diagnostics, and {@link #detach()}.
 *
 * <p>The network keeps its own life: {@code fit}, listeners, evaluation and
 * {@code ModelSerializer} work as before; the DL4J model file holds the network and DL4J's
 * updater state, not kron4j's, which {@link #save} writes: the optimizer's whole state and the
 * position of the generator that samples Monte-Carlo Fisher targets. To resume a run, restore the
 * DL4J model, attach with the same settings and {@link #restore} kron4j's state: the run then
 * continues bit for bit as if it had not stopped.
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
    private static final String SAMPLING_ROOT = "dl4j/sampling.rootState";
    private static final String SAMPLING_NODE = "dl4j/sampling.nodeState";

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

    /**
     * Writes kron4j's state for this network — the optimizer's (see {@link KroneckerOptimizer#save})
     * and the sampling generator's position — as one checksummed K4JS state.
     */
    public void save(OutputStream out) {
        long[] sampling = listener.samplingState();
        optimizer().save(out, writer -> {
            writer.putLong(SAMPLING_ROOT, sampling[0]);
            writer.putLong(SAMPLING_NODE, sampling[1]);
        });
    }

    /** {@link #save(OutputStream)} to a file, atomically: the file holds the old state or the new one, whole. */
    public void save(Path file) {
        AtomicFiles.write(file, this::save);
    }

    /**
     * Restores what {@link #save} wrote for a network of the same shape attached with the same
     * settings. A damaged, foreign or mismatched state is refused and nothing changes.
     *
     * @throws CheckpointFormatException naming the problem (and, for damage, the byte or entry)
     */
    public void restore(InputStream in) {
        optimizer().restore(in, reader -> {
            if (!reader.has(SAMPLING_ROOT) || !reader.has(SAMPLING_NODE)) {
                throw new CheckpointFormatException("the state has no sampling generator: it was written by "
                        + "KroneckerOptimizer.save, not Kron4jAttachment.save; restore it with optimizer().restore "
                        + "if the run does not sample (targets=empirical)");
            }
            listener.restoreSamplingState(reader.getLong(SAMPLING_ROOT), reader.getLong(SAMPLING_NODE));
        });
    }

    /** {@link #restore(InputStream)} from a file {@link #save(Path)} wrote. */
    public void restore(Path file) {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            restore(in);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + file + " failed", e);
        } catch (CheckpointFormatException e) {
            throw new CheckpointFormatException(file + ": " + e.getMessage());
        }
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
