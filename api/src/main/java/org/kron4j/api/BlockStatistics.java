package org.kron4j.api;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.kron4j.api.support.NdArrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One block's curvature statistics from one step, in additive form: named sums and the number of
 * terms behind them. Contributions of several batches or workers combine with {@link #plus}
 * before they are folded into moving averages, which is what makes statistics all-reducible.
 */
public final class BlockStatistics {
    private static final BlockStatistics EMPTY = new BlockStatistics(Map.of(), 0);

    private final Map<String, INDArray> sums;
    private final double count;

    private BlockStatistics(Map<String, INDArray> sums, double count) {
        this.sums = sums;
        this.count = count;
    }

    /**
     * @param count the number of terms (examples) behind every sum, ≥ 1
     * @param sums  role → sum; the arrays become owned by this object
     */
    public static BlockStatistics of(double count, Map<String, INDArray> sums) {
        if (!(count > 0)) {
            throw new IllegalArgumentException("count must be > 0, got " + count);
        }
        return new BlockStatistics(Collections.unmodifiableMap(new LinkedHashMap<>(sums)), count);
    }

    /** No statistics (a block that collects nothing, or a step that collected nothing). */
    public static BlockStatistics empty() {
        return EMPTY;
    }

    public boolean isEmpty() {
        return sums.isEmpty();
    }

    public double count() {
        return count;
    }

    /** The sum for a role; throws naming the role when absent. */
    public INDArray sum(String role) {
        INDArray sum = sums.get(role);
        if (sum == null) {
            throw new IllegalArgumentException("no statistic '" + role + "'; present: " + sums.keySet());
        }
        return sum;
    }

    public Map<String, INDArray> sums() {
        return sums;
    }

    /** The sum of two contributions with the same roles (new arrays; neither input changes). */
    public BlockStatistics plus(BlockStatistics other) {
        if (isEmpty()) {
            return other;
        }
        if (other.isEmpty()) {
            return this;
        }
        if (!sums.keySet().equals(other.sums.keySet())) {
            throw new IllegalArgumentException("cannot add statistics with roles " + sums.keySet() + " and "
                    + other.sums.keySet());
        }
        Map<String, INDArray> total = new LinkedHashMap<>();
        sums.forEach((role, sum) -> total.put(role, sum.add(other.sums.get(role))));
        return of(count + other.count, total);
    }

    /** True when every sum is finite. */
    public boolean isFinite() {
        return sums.values().stream().allMatch(NdArrays::isFinite);
    }
}
