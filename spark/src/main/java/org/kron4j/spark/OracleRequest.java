package org.kron4j.spark;

import java.io.Serializable;
import java.util.List;

/**
 * A batch-oracle question the driver's {@link SparkBatchOracle} sends to every shard: the loss at
 * displaced parameters, a Gauss-Newton product, or a Gauss-Newton Gram matrix. Every answer is a
 * sum over examples, so each shard answers B_k times its shard's mean and the driver divides the
 * total by B.
 *
 * @param kind    what is asked
 * @param vectors the displacement (LOSS_AT), the vector (GN_TIMES) or the vectors (GRAM), each one
 *                array per layer
 */
record OracleRequest(Kind kind, List<List<ArrayPayload>> vectors) implements Serializable {
    private static final long serialVersionUID = 1L;

    enum Kind { LOSS_AT, GN_TIMES, GRAM }

    long bytes() {
        return vectors.stream().mapToLong(ArrayPayload::bytes).sum();
    }
}
