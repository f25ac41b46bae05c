package org.kron4j.spark;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.kron4j.api.capture.BatchOracle;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The {@link BatchOracle} of a global batch spread over Spark partitions: every question is one
 * Spark job (one round trip) whose tasks answer for their shard at the step's parameters, summed
 * in partition order on the driver and divided by B. Adaptive K-FAC asks for the Gram matrix of
 * its one or two update candidates and, every dampingInterval steps, the loss at the chosen
 * update: one or two extra round trips on those steps, each moving a few vectors of the
 * parameters' size down and a few numbers up.
 */
final class SparkBatchOracle implements BatchOracle {
    private final int batchSize;
    private final double loss;
    private final Function<OracleRequest, OracleAnswer> cluster;

    /**
     * @param batchSize B
     * @param loss      h(θ), already summed from the step's results
     * @param cluster   runs a request on every shard and returns the summed answer
     */
    SparkBatchOracle(int batchSize, double loss, Function<OracleRequest, OracleAnswer> cluster) {
        this.batchSize = batchSize;
        this.loss = loss;
        this.cluster = cluster;
    }

    @Override
    public int batchSize() {
        return batchSize;
    }

    @Override
    public double loss() {
        return loss;
    }

    @Override
    public double lossAt(List<INDArray> delta) {
        OracleAnswer answer = ask(OracleRequest.Kind.LOSS_AT, List.of(delta));
        return answer.values()[0] / batchSize;
    }

    @Override
    public List<INDArray> gaussNewtonTimes(List<INDArray> vector) {
        OracleAnswer answer = ask(OracleRequest.Kind.GN_TIMES, List.of(vector));
        List<INDArray> out = new ArrayList<>();
        for (INDArray sum : ArrayPayload.toArrays(answer.vector())) {
            out.add(sum.divi(batchSize));
        }
        return out;
    }

    @Override
    public double[][] gaussNewtonGram(List<List<INDArray>> vectors) {
        OracleAnswer answer = ask(OracleRequest.Kind.GRAM, vectors);
        int n = vectors.size();
        double[][] gram = new double[n][n];
        for (int a = 0; a < n; a++) {
            for (int b = 0; b < n; b++) {
                gram[a][b] = answer.values()[a * n + b] / batchSize;
            }
        }
        return gram;
    }

    private OracleAnswer ask(OracleRequest.Kind kind, List<List<INDArray>> vectors) {
        List<List<ArrayPayload>> payloads = new ArrayList<>(vectors.size());
        vectors.forEach(v -> payloads.add(ArrayPayload.of(v)));
        OracleAnswer answer = cluster.apply(new OracleRequest(kind, payloads));
        if (answer.examples() != batchSize) {
            throw new IllegalStateException("the shards answered for " + answer.examples() + " examples, the batch has "
                    + batchSize);
        }
        return answer;
    }
}
