package org.kron4j.api.store;

import org.kron4j.api.checkpoint.StateReader;
import org.kron4j.api.checkpoint.StateWriter;
import org.kron4j.api.support.NdArrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A plain array of block state kept by the store (EKFAC's scalings, momentum buffers, grafting
 * accumulators), so that it is counted, checkpointed and allocated outside workspaces like the
 * factors. Holders mutate it in place through {@link #value()} or replace it with
 * {@link #assign(INDArray)}.
 */
public final class StateArray implements StoreEntry {
    private final String block;
    private final String role;
    private final INDArray value;

    StateArray(String block, String role, INDArray value) {
        this.block = block;
        this.role = role;
        this.value = value;
    }

    /** The live array, in the store's storage precision. */
    public INDArray value() {
        return value;
    }

    /** Copies {@code source} (same shape, any floating type) into the array. */
    public void assign(INDArray source) {
        value.assign(source);
    }

    @Override
    public String block() {
        return block;
    }

    @Override
    public String role() {
        return role;
    }

    @Override
    public long bytes() {
        return value.length() * value.dataType().width();
    }

    @Override
    public void write(StateWriter writer, String key) {
        writer.putArray(key, value);
    }

    @Override
    public void read(StateReader reader, String key) {
        INDArray stored = reader.array(key, value.dataType(), value.shape());
        NdArrays.detached(() -> {
            value.assign(stored);
        });
    }
}
