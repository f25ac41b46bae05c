package org.kron4j.api.support;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.function.Supplier;

/**
 * Small array helpers shared by the store, the driver and the variants, written with ND4J
 * operations only so that they run on any backend (no host-side loops over buffers).
 */
public final class NdArrays {
    private NdArrays() {
    }

    /**
     * True when every entry is finite. One reduction: a sum is NaN or infinite exactly when some
     * entry is (or when finite entries overflow the type, which is as untrustworthy).
     */
    public static boolean isFinite(INDArray array) {
        if (array.isEmpty()) {
            return true;
        }
        return Double.isFinite(array.sumNumber().doubleValue());
    }

    /** A new 'c'-ordered array with the values of {@code source} in {@code type}; never the source itself. */
    public static INDArray copyAs(INDArray source, DataType type) {
        if (source.dataType() == type) {
            return source.dup('c');
        }
        INDArray cast = source.castTo(type);
        return cast.ordering() == 'c' && !cast.isView() ? cast : cast.dup('c');
    }

    /**
     * The diagonal of a contiguous square matrix as a strided view (no copy): writes go to the
     * matrix, so {@code diagonal(m).addi(d)} adds d to the diagonal in one O(n) operation.
     */
    public static INDArray diagonal(INDArray square) {
        long n = square.rows();
        if (square.rank() != 2 || square.columns() != n) {
            throw new IllegalArgumentException("diagonal needs a square matrix, got " + java.util.Arrays.toString(
                    square.shape()));
        }
        INDArray target = square.isView() || square.ordering() != 'c' ? null : square;
        if (target == null) {
            throw new IllegalArgumentException("diagonal needs a contiguous 'c'-ordered matrix");
        }
        INDArray flat = target.reshape(n * n);
        // ND4J rejects a strided interval longer than a 1-element array, so 1×1 is its own diagonal
        return n == 1 ? flat : flat.get(NDArrayIndex.interval(0, n + 1, n * n));
    }

    /** tr(M) of a contiguous square matrix, one reduction over its diagonal. */
    public static double trace(INDArray square) {
        return diagonal(square).sumNumber().doubleValue();
    }

    /** The array in {@code type}: the array itself when it already is, a converted copy otherwise. */
    public static INDArray as(INDArray source, DataType type) {
        return source.dataType() == type ? source : source.castTo(type);
    }

    /** Adds {@code value} to the diagonal of a contiguous square matrix, in place, and returns it. */
    public static INDArray addToDiagonal(INDArray square, double value) {
        if (value != 0.0) {
            diagonal(square).addi(value);
        }
        return square;
    }

    /** Σ xᵢ xᵢᵀ over the rows of x (B×d) as a d×d matrix: one gemm, xᵀx. */
    public static INDArray rowOuterProductSum(INDArray rows) {
        return Nd4j.gemm(rows, rows, true, false);
    }

    /** [x, 1]: the rows of x with a homogeneous 1 appended (B×d → B×(d+1)). */
    public static INDArray appendOnes(INDArray rows) {
        return Nd4j.hstack(rows, Nd4j.ones(rows.dataType(), rows.rows(), 1));
    }

    /**
     * Runs {@code work} with every allocation outside any active ND4J workspace, so that state the
     * optimizer keeps across steps never lives in memory an engine (DL4J) recycles.
     */
    public static <T> T detached(Supplier<T> work) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            return work.get();
        }
    }

    /** {@link #detached(Supplier)} for work without a result. */
    public static void detached(Runnable work) {
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            work.run();
        }
    }
}
