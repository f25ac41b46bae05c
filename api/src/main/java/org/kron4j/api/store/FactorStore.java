package org.kron4j.api.store;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.kron4j.api.checkpoint.CheckpointFormatException;
import org.kron4j.api.checkpoint.StateReader;
import org.kron4j.api.checkpoint.StateWriter;
import org.kron4j.api.linalg.SymmetricLinearAlgebra;
import org.kron4j.api.support.NdArrays;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Owns every array of curvature state of one optimizer: the symmetric factors with their moving
 * averages and cached decompositions ({@link SymmetricFactor}), and plain state arrays
 * ({@link StateArray}). One mechanism for every variant, so that precision, memory accounting,
 * the decomposition fallback chain and checkpointing are done once.
 *
 * <p>Arrays are allocated outside any ND4J workspace and stored in the storage precision
 * (float32 by default); decompositions run in the decomposition precision (float64 by default)
 * and are stored back in the storage precision. Entries are keyed "block/role" and written in
 * creation order.
 *
 * <p>Not thread-safe: the optimizer that owns the store calls it from one thread.
 */
public final class FactorStore {
    private final Precision storage;
    private final Precision decomposition;
    private final double decay;
    private final SymmetricLinearAlgebra linearAlgebra;
    private final Map<String, StoreEntry> entries = new LinkedHashMap<>();
    private final DecompositionCounters counters = new DecompositionCounters();

    /**
     * @param storage        precision of stored factors and state
     * @param decomposition  precision decompositions are computed in
     * @param decay          moving-average decay β in (0, 1]
     * @param linearAlgebra  the kernels decompositions run on
     */
    public FactorStore(Precision storage, Precision decomposition, double decay, SymmetricLinearAlgebra linearAlgebra) {
        this.storage = Objects.requireNonNull(storage, "storage");
        this.decomposition = Objects.requireNonNull(decomposition, "decomposition");
        if (!(decay > 0 && decay <= 1)) {
            throw new IllegalArgumentException("statisticsDecay must be in (0, 1], got " + decay);
        }
        this.decay = decay;
        this.linearAlgebra = Objects.requireNonNull(linearAlgebra, "linearAlgebra");
    }

    /** Creates and registers a dim×dim factor, initially zero. */
    public SymmetricFactor symmetricFactor(String block, String role, int dim) {
        if (dim < 1) {
            throw new IllegalArgumentException(block + "/" + role + ": factor dimension must be >= 1, got " + dim);
        }
        return register(NdArrays.detached(() -> new SymmetricFactor(this, block, role, dim)));
    }

    /** Creates and registers a zero-filled state array of the given shape in the storage precision. */
    public StateArray array(String block, String role, long... shape) {
        return register(NdArrays.detached(
                () -> new StateArray(block, role, Nd4j.zeros(storage.dataType(), shape))));
    }

    private <E extends StoreEntry> E register(E entry) {
        String key = key(entry.block(), entry.role());
        if (entries.containsKey(key)) {
            throw new IllegalArgumentException("the store already holds '" + key + "'");
        }
        entries.put(key, entry);
        return entry;
    }

    private static String key(String block, String role) {
        return block + "/" + role;
    }

    public Precision storagePrecision() {
        return storage;
    }

    public Precision decompositionPrecision() {
        return decomposition;
    }

    /** The moving-average decay β. */
    public double decay() {
        return decay;
    }

    public SymmetricLinearAlgebra linearAlgebra() {
        return linearAlgebra;
    }

    /** Outcomes of every refresh so far. */
    public DecompositionCounters counters() {
        return counters;
    }

    /** Bytes held right now by every entry. */
    public long bytes() {
        return entries.values().stream().mapToLong(StoreEntry::bytes).sum();
    }

    /** Bytes held right now by the entries of one block. */
    public long bytes(String block) {
        return entries.values().stream().filter(e -> e.block().equals(block)).mapToLong(StoreEntry::bytes).sum();
    }

    /** Bytes per block, in creation order. */
    public Map<String, Long> bytesByBlock() {
        Map<String, Long> result = new LinkedHashMap<>();
        for (StoreEntry entry : entries.values()) {
            result.merge(entry.block(), entry.bytes(), Long::sum);
        }
        return Collections.unmodifiableMap(result);
    }

    /** Writes every entry under {@code prefix}. */
    public void write(StateWriter writer, String prefix) {
        writer.putLong(prefix + "entries", entries.size());
        entries.forEach((key, entry) -> entry.write(writer, prefix + key));
    }

    /**
     * Restores every entry from {@code reader}; the store must hold the same entries (same model,
     * variant and precision) as the one that wrote it.
     *
     * @throws CheckpointFormatException when the state does not match this store
     */
    public void read(StateReader reader, String prefix) {
        long count = reader.getLong(prefix + "entries");
        if (count != entries.size()) {
            throw new CheckpointFormatException("the checkpoint holds " + count + " store entries, this optimizer "
                    + entries.size() + ": different model or variant");
        }
        entries.forEach((key, entry) -> entry.read(reader, prefix + key));
    }

    @Override
    public String toString() {
        return "FactorStore{storage=" + storage + ", decomposition=" + decomposition + ", decay=" + decay
                + ", entries=" + entries.size() + ", bytes=" + bytes() + ", linearAlgebra=" + linearAlgebra.name() + "}";
    }
}
