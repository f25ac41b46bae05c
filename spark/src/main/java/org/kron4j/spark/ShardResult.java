package org.kron4j.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.kron4j.api.Statistics;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One task's contribution to a step, in additive form: the number of examples, the loss and
 * gradient summed over them (B_k times the shard's means) and, on statistics steps, the shard's
 * {@link Statistics}. Sums of results are results ({@link #plus}); the driver divides by B once.
 *
 * @param examples      B_k
 * @param lossSum       B_k · h_k(θ)
 * @param gradientSums  B_k · ∇h_k(θ), one per layer (kron4j's layout)
 * @param statistics    the shard's statistics, or null on steps without statistics
 * @param computeNanos  the longest task's compute time (max over summed results)
 * @param taskNanos     the tasks' compute time, summed
 */
record ShardResult(int examples, double lossSum, List<ArrayPayload> gradientSums, StatisticsPayload statistics,
        long computeNanos, long taskNanos) implements Serializable {
    private static final long serialVersionUID = 1L;

    static final ShardResult EMPTY = new ShardResult(0, 0.0, null, null, 0, 0);

    boolean isEmpty() {
        return examples == 0;
    }

    /** The sum of two results (this one first); arrays added in the result's own precision. */
    ShardResult plus(ShardResult other) {
        if (other.isEmpty()) {
            return isEmpty() ? new ShardResult(0, 0.0, null, null, Math.max(computeNanos, other.computeNanos),
                    taskNanos + other.taskNanos) : withTimes(other);
        }
        if (isEmpty()) {
            return other.withTimes(this);
        }
        List<ArrayPayload> gradients = new ArrayList<>(gradientSums.size());
        for (int l = 0; l < gradientSums.size(); l++) {
            gradients.add(ArrayPayload.of(gradientSums.get(l).toArray().addi(other.gradientSums.get(l).toArray())));
        }
        StatisticsPayload stats = statistics == null ? null
                : StatisticsPayload.of(statistics.toStatistics().plus(other.statistics.toStatistics()));
        return new ShardResult(examples + other.examples, lossSum + other.lossSum, gradients, stats,
                Math.max(computeNanos, other.computeNanos), taskNanos + other.taskNanos);
    }

    private ShardResult withTimes(ShardResult other) {
        return new ShardResult(examples, lossSum, gradientSums, statistics, Math.max(computeNanos, other.computeNanos),
                taskNanos + other.taskNanos);
    }

    /** Bytes of the arrays this result carries. */
    long bytes() {
        return (gradientSums == null ? 0 : ArrayPayload.bytes(gradientSums))
                + (statistics == null ? 0 : statistics.bytes());
    }

    List<INDArray> gradients() {
        return ArrayPayload.toArrays(gradientSums);
    }
}
