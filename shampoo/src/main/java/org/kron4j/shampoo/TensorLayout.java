package org.kron4j.shampoo;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * How Shampoo views one layer's gradient (Anil et al. 2020, "practical" Shampoo). The rules, in
 * order:
 * <ol>
 *   <li><b>Unit modes are dropped.</b> A mode of size 1 carries no cross-correlation: its
 *       statistic would be the scalar ‖G‖², whose root only rescales the step.</li>
 *   <li><b>Diagonal fallback.</b> A gradient with at most one mode left (a vector or a scalar), or
 *       with at most {@code diagonalMaxSize} entries (a tiny tensor), gets the diagonal method:
 *       d = g ∘ (D + ε_eff)^{-e} with D the moving average of g∘g (RMSProp / diagonal AdaGrad,
 *       e = 1/2 unless overridden).</li>
 *   <li><b>Merging</b> (when {@code mergeSmallDims} is on): adjacent modes are merged greedily from
 *       the first while their product stays ≤ {@code blockSize}, so a 3×3×64×128 kernel becomes
 *       576×128 and a 10×11 matrix one mode of 110 (a full-matrix preconditioner, e = 1/2).
 *       Merging never changes the order of entries ('c' order reshape).</li>
 *   <li><b>Blocking.</b> Every mode larger than {@code blockSize} is cut into consecutive chunks
 *       of {@code blockSize} (the last one shorter); the tensor is partitioned into the grid of
 *       sub-tensors these chunks span, and every sub-tensor is preconditioned by its own Shampoo
 *       (own statistics and roots). A 3000×500 gradient with blockSize 1024 makes 3 blocks of
 *       1024×500, 1024×500 and 952×500.</li>
 * </ol>
 * The order k of the result (the number of modes left) fixes the default exponent 1/(2k).
 *
 * <p>Memory of the statistics of a layer: Σ_blocks Σ_i d_i² values per statistic copy, at most
 * k·blockSize² per block.
 */
public final class TensorLayout {

    /** Which preconditioner a layer gets. */
    public enum Kind {
        /** Element-wise second-moment scaling (vectors and tiny tensors). */
        DIAGONAL,
        /** One Kronecker-factored Shampoo preconditioner per block. */
        KRONECKER
    }

    /**
     * One block of the partitioned (merged) gradient.
     *
     * @param offsets where the block starts, per mode
     * @param sizes   its extent, per mode
     */
    public record Block(long[] offsets, long[] sizes) {
        public Block {
            offsets = offsets.clone();
            sizes = sizes.clone();
        }

        @Override
        public long[] offsets() {
            return offsets.clone();
        }

        @Override
        public long[] sizes() {
            return sizes.clone();
        }

        /** The size of mode {@code i}. */
        public int size(int i) {
            return (int) sizes[i];
        }

        /** ND4J indices selecting this block from the merged gradient. */
        public INDArrayIndex[] indices() {
            INDArrayIndex[] indices = new INDArrayIndex[sizes.length];
            for (int i = 0; i < sizes.length; i++) {
                indices[i] = NDArrayIndex.interval(offsets[i], offsets[i] + sizes[i]);
            }
            return indices;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Block b && Arrays.equals(offsets, b.offsets) && Arrays.equals(sizes, b.sizes);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(offsets) + Arrays.hashCode(sizes);
        }

        @Override
        public String toString() {
            return "Block{offsets=" + Arrays.toString(offsets) + ", sizes=" + Arrays.toString(sizes) + "}";
        }
    }

    private final long[] gradientShape;
    private final Kind kind;
    private final long[] shape;
    private final List<Block> blocks;

    private TensorLayout(long[] gradientShape, Kind kind, long[] shape, List<Block> blocks) {
        this.gradientShape = gradientShape;
        this.kind = kind;
        this.shape = shape;
        this.blocks = blocks;
    }

    /**
     * Applies the rules of the class comment.
     *
     * @param gradientShape   the layer's gradient shape, every size ≥ 1
     * @param blockSize       the largest mode a preconditioner may have, ≥ 1
     * @param mergeSmallDims  whether adjacent small modes are merged
     * @param diagonalMaxSize tensors with at most this many entries use the diagonal method
     */
    public static TensorLayout of(long[] gradientShape, int blockSize, boolean mergeSmallDims, long diagonalMaxSize) {
        if (blockSize < 1) {
            throw new IllegalArgumentException("blockSize must be >= 1, got " + blockSize);
        }
        long[] original = gradientShape.clone();
        long count = 1;
        for (long d : original) {
            if (d < 1) {
                throw new IllegalArgumentException("every dimension must be >= 1, got " + Arrays.toString(original));
            }
            count *= d;
        }
        long[] squeezed = Arrays.stream(original).filter(d -> d > 1).toArray();
        if (squeezed.length <= 1 || count <= diagonalMaxSize) {
            return new TensorLayout(original, Kind.DIAGONAL, original.clone(), List.of());
        }
        long[] shape = mergeSmallDims ? merge(squeezed, blockSize) : squeezed;
        return new TensorLayout(original, Kind.KRONECKER, shape, partition(shape, blockSize));
    }

    /** Greedy left-to-right merge of adjacent modes while the product stays ≤ {@code limit}. */
    static long[] merge(long[] dims, long limit) {
        List<Long> merged = new ArrayList<>();
        long product = 1;
        for (long d : dims) {
            if (product * d <= limit) {
                product *= d;
            } else {
                if (product > 1) {
                    merged.add(product);
                }
                product = d;
            }
        }
        if (product > 1) {
            merged.add(product);
        }
        return merged.stream().mapToLong(Long::longValue).toArray();
    }

    private static List<Block> partition(long[] shape, int blockSize) {
        List<Block> result = new ArrayList<>();
        long[] counts = new long[shape.length];
        long total = 1;
        for (int i = 0; i < shape.length; i++) {
            counts[i] = (shape[i] + blockSize - 1) / blockSize;
            total *= counts[i];
        }
        long[] position = new long[shape.length];
        for (long b = 0; b < total; b++) {
            long[] offsets = new long[shape.length];
            long[] sizes = new long[shape.length];
            for (int i = 0; i < shape.length; i++) {
                offsets[i] = position[i] * blockSize;
                sizes[i] = Math.min(blockSize, shape[i] - offsets[i]);
            }
            result.add(new Block(offsets, sizes));
            for (int i = shape.length - 1; i >= 0; i--) {
                if (++position[i] < counts[i]) {
                    break;
                }
                position[i] = 0;
            }
        }
        return List.copyOf(result);
    }

    public Kind kind() {
        return kind;
    }

    public boolean isDiagonal() {
        return kind == Kind.DIAGONAL;
    }

    /** The layer's gradient shape. */
    public long[] gradientShape() {
        return gradientShape.clone();
    }

    /** The shape Shampoo works on: unit modes dropped and small modes merged (the gradient shape when diagonal). */
    public long[] shape() {
        return shape.clone();
    }

    /** k, the number of preconditioned modes (0 when diagonal). */
    public int order() {
        return kind == Kind.DIAGONAL ? 0 : shape.length;
    }

    /** The blocks in row-major grid order (empty when diagonal). */
    public List<Block> blocks() {
        return blocks;
    }

    /** Values held by one copy of every statistic: Σ_blocks Σ_i d_i² (the gradient's size when diagonal). */
    public long statisticValues() {
        if (kind == Kind.DIAGONAL) {
            long count = 1;
            for (long d : gradientShape) {
                count *= d;
            }
            return count;
        }
        long total = 0;
        for (Block block : blocks) {
            for (long d : block.sizes) {
                total += d * d;
            }
        }
        return total;
    }

    @Override
    public String toString() {
        return kind == Kind.DIAGONAL ? "diagonal " + Arrays.toString(gradientShape)
                : "kronecker " + Arrays.toString(gradientShape) + " -> " + Arrays.toString(shape) + " in "
                        + blocks.size() + " block(s)";
    }
}
