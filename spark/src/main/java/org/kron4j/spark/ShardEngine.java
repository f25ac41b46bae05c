package org.kron4j.spark;

import java.util.List;
import org.kron4j.api.capture.BatchOracle;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.capture.StepPlan;
import org.kron4j.api.model.ModelSpec;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;

/**
 * One copy of the model, on the driver or in a task: what a data-parallel step needs from an
 * engine. Parameters and vectors are in kron4j's layout (one array per layer, the layer's
 * gradient shape). Not thread-safe: a task owns its engine while it runs.
 */
public interface ShardEngine {

    ModelSpec modelSpec();

    /** The current parameters, copies in kron4j's layout. */
    List<INDArray> parameters();

    /** Replaces the parameters (kron4j's layout). */
    void setParameters(List<INDArray> parameters);

    /**
     * The capture of the plan's fields on the batch (x, y) at the current parameters: the
     * batch-mean gradient, the statistics fields, the batch-mean loss when planned.
     * BATCH_ORACLE is never asked of a shard engine (the driver's oracle spans the shards).
     */
    ModelCapture capture(INDArray x, INDArray y, StepPlan plan, Random random);

    /** The batch oracle of (x, y) at the current parameters. */
    BatchOracle oracle(INDArray x, INDArray y);

    /** The batch-mean loss of (x, y) at the current parameters (the oracle's objective). */
    double loss(INDArray x, INDArray y);

    /** The network's predictions for the rows of x (probabilities or reconstructions). */
    INDArray predict(INDArray x);
}
