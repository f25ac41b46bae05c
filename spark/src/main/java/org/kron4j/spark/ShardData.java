package org.kron4j.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One partition of the training set: the examples whose index i satisfies i mod shards = shard,
 * in index order (row r holds example shard + r·shards). Global batch t is the window of examples
 * (t·B + j) mod n, j &lt; B; {@link #batch} returns this shard's part of it, in window order, so the
 * shards of a batch partition it exactly and their sums add up to the whole batch's.
 *
 * @param shard        this partition's index, 0 ≤ shard &lt; shards
 * @param shards       the number of partitions (workers)
 * @param datasetSize  n, the number of examples of the whole set
 * @param x            this shard's features, one row per example
 * @param y            this shard's targets, one row per example
 */
public record ShardData(int shard, int shards, int datasetSize, ArrayPayload x, ArrayPayload y)
        implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Splits a data set held on the driver into its shards (for local masters and tests). */
    public static List<ShardData> split(INDArray x, INDArray y, int shards) {
        int n = (int) x.rows();
        if (y.rows() != n) {
            throw new IllegalArgumentException("x has " + n + " rows, y " + y.rows());
        }
        if (shards < 1 || shards > n) {
            throw new IllegalArgumentException("workers must be in [1, " + n + "] (the number of examples), got "
                    + shards);
        }
        List<ShardData> out = new ArrayList<>(shards);
        for (int k = 0; k < shards; k++) {
            int[] rows = rowsOf(k, shards, n);
            out.add(new ShardData(k, shards, n, ArrayPayload.of(x.getRows(rows)), ArrayPayload.of(y.getRows(rows))));
        }
        return out;
    }

    private static int[] rowsOf(int shard, int shards, int n) {
        int count = (n - shard + shards - 1) / shards;
        int[] rows = new int[count];
        for (int r = 0; r < count; r++) {
            rows[r] = shard + r * shards;
        }
        return rows;
    }

    /** The global indices of batch {@code step} of size B, in window order (the whole batch). */
    public static int[] window(long step, int batchSize, int datasetSize) {
        int[] rows = new int[batchSize];
        long start = Math.floorMod(step * (long) batchSize, (long) datasetSize);
        for (int j = 0; j < batchSize; j++) {
            rows[j] = (int) ((start + j) % datasetSize);
        }
        return rows;
    }

    /** This shard's rows of batch {@code step}, as local row numbers, in window order. */
    public int[] localRows(long step, int batchSize) {
        int[] window = window(step, batchSize, datasetSize);
        int count = 0;
        for (int g : window) {
            count += g % shards == shard ? 1 : 0;
        }
        int[] rows = new int[count];
        int i = 0;
        for (int g : window) {
            if (g % shards == shard) {
                rows[i++] = (g - shard) / shards;
            }
        }
        return rows;
    }

    /** This shard's part of batch {@code step}: {x, y}, or null when it holds none of it. */
    public INDArray[] batch(long step, int batchSize) {
        int[] rows = localRows(step, batchSize);
        if (rows.length == 0) {
            return null;
        }
        return new INDArray[] {x.toArray().getRows(rows), y.toArray().getRows(rows)};
    }
}
