package org.kron4j.core;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The intermediate arrays of a block's per-step products (G⁻¹V before ·A⁻¹; Q_GᵀV and its
 * rotations), kept by the block and reused every step while their shape and type stay the same,
 * so a step allocates only the direction it returns. Matrix products write into them through
 * {@code gemm} with output ('f' order, the order ND4J's own {@code mmul} gives 'f' operands, so
 * the values are those of the allocating products).
 *
 * <p>Not thread-safe: a block preconditions on one thread (the training thread).
 */
public final class ProductScratch {
    private final INDArray[] slots;

    /** @param slots how many distinct intermediates one product chain needs at the same time */
    public ProductScratch(int slots) {
        this.slots = new INDArray[slots];
    }

    /** Slot {@code slot} as a rows×cols 'f' array of {@code type}; contents undefined. */
    public INDArray get(int slot, DataType type, long rows, long cols) {
        INDArray current = slots[slot];
        if (current == null || current.dataType() != type || !Arrays.equals(current.shape(), new long[] {rows, cols})) {
            current = Nd4j.createUninitialized(type, new long[] {rows, cols}, 'f');
            slots[slot] = current;
        }
        return current;
    }
}
