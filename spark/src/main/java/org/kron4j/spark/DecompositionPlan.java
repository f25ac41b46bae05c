package org.kron4j.spark;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.model.ModelSpec;

/**
 * Which worker decomposes which block at a refresh step: greedy longest-processing-time
 * scheduling of the blocks' O(n³) costs over the decomposition workers (blocks in decreasing cost,
 * each to the least-loaded worker, ties to the lower index), which keeps the slowest worker within
 * 4/3 of the optimum (Graham 1969). Deterministic: the same model and worker count give the same
 * plan on every run.
 */
public final class DecompositionPlan {
    private final int[] owner;
    private final long[] loads;

    private DecompositionPlan(int[] owner, long[] loads) {
        this.owner = owner;
        this.loads = loads;
    }

    /** The plan for a model's blocks over {@code workers} workers. */
    public static DecompositionPlan of(ModelSpec model, int workers) {
        long[] costs = new long[model.size()];
        for (int i = 0; i < costs.length; i++) {
            costs[i] = cost(model.layer(i));
        }
        return of(costs, workers);
    }

    /** The plan for blocks of the given costs. */
    public static DecompositionPlan of(long[] costs, int workers) {
        if (workers < 1) {
            throw new IllegalArgumentException("decomposition workers must be >= 1, got " + workers);
        }
        int[] owner = new int[costs.length];
        long[] loads = new long[workers];
        Integer[] order = IntStream.range(0, costs.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.<Integer>comparingLong(i -> -costs[i]).thenComparingInt(i -> i));
        for (int block : order) {
            int best = 0;
            for (int w = 1; w < workers; w++) {
                if (loads[w] < loads[best]) {
                    best = w;
                }
            }
            owner[block] = best;
            loads[best] += costs[block];
        }
        return new DecompositionPlan(owner, loads);
    }

    /**
     * A block's decomposition cost in units of n³: the sum of d³ over the dimensions of its
     * gradient (for a Kronecker block the two factors' sizes, outputs and inputs + bias).
     */
    static long cost(LayerSpec layer) {
        long total = 0;
        for (long d : layer.gradientShape()) {
            total += d * d * d;
        }
        return total;
    }

    /** The worker of each block, in model order. */
    public int[] owners() {
        return owner.clone();
    }

    /** Each worker's total cost. */
    public long[] loads() {
        return loads.clone();
    }
}
