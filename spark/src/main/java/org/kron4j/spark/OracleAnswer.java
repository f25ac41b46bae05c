package org.kron4j.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * A shard's answer to an {@link OracleRequest}, times its example count B_k: a scalar (LOSS_AT),
 * a vector (GN_TIMES) or a Gram matrix (GRAM), and the longest task's compute time. Additive like
 * {@link ShardResult}.
 */
record OracleAnswer(int examples, double[] values, List<ArrayPayload> vector, long computeNanos) implements Serializable {
    private static final long serialVersionUID = 1L;

    static final OracleAnswer EMPTY = new OracleAnswer(0, null, null, 0);

    OracleAnswer plus(OracleAnswer other) {
        if (other.examples == 0) {
            return new OracleAnswer(examples, values, vector, Math.max(computeNanos, other.computeNanos));
        }
        if (examples == 0) {
            return new OracleAnswer(other.examples, other.values, other.vector, Math.max(computeNanos,
                    other.computeNanos));
        }
        double[] sum = null;
        if (values != null) {
            sum = values.clone();
            for (int i = 0; i < sum.length; i++) {
                sum[i] += other.values[i];
            }
        }
        List<ArrayPayload> v = null;
        if (vector != null) {
            v = new ArrayList<>(vector.size());
            for (int l = 0; l < vector.size(); l++) {
                v.add(ArrayPayload.of(vector.get(l).toArray().addi(other.vector.get(l).toArray())));
            }
        }
        return new OracleAnswer(examples + other.examples, sum, v, Math.max(computeNanos, other.computeNanos));
    }

    long bytes() {
        return (values == null ? 0 : 8L * values.length) + (vector == null ? 0 : ArrayPayload.bytes(vector));
    }
}
