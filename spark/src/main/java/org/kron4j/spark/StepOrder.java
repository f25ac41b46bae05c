package org.kron4j.spark;

import java.io.Serializable;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.kron4j.api.capture.CaptureField;
import org.kron4j.api.capture.StepPlan;
import org.kron4j.api.capture.TargetSource;

/**
 * What the driver broadcasts at every step: the step's index and batch size, the optimizer's plan
 * (capture fields and targets) and the parameters, in kron4j's layout.
 *
 * @param step       the batch index (counts every attempted step, also skipped ones; seeds the sampling)
 * @param window     which window of the partitions' data is the batch ({@link ShardData#batch})
 * @param batchSize  B, the global batch size
 * @param fields     the plan's capture fields, by name
 * @param targets    the plan's target source, by name
 * @param parameters one array per layer
 * @param stateVersion the version of the driver's optimizer state the statistics must be collected
 *                   with (bumped at every refresh and restore; 0 is a fresh optimizer's)
 */
record StepOrder(long step, long window, int batchSize, Set<String> fields, String targets, List<ArrayPayload> parameters,
        long stateVersion)
        implements Serializable {
    private static final long serialVersionUID = 1L;

    static StepOrder of(long step, long window, int batchSize, StepPlan plan, List<ArrayPayload> parameters,
            long stateVersion) {
        return new StepOrder(step, window, batchSize, plan.fields().stream().map(Enum::name).collect(Collectors.toSet()),
                plan.targets().name(), parameters, stateVersion);
    }

    /**
     * The plan a shard captures: the driver's fields without BATCH_ORACLE (the driver's oracle
     * spans the shards) and with BATCH_LOSS (every step reports its loss).
     */
    StepPlan shardPlan(long optimizerStep) {
        EnumSet<CaptureField> set = EnumSet.of(CaptureField.GRADIENT, CaptureField.BATCH_LOSS);
        fields.forEach(f -> set.add(CaptureField.valueOf(f)));
        set.remove(CaptureField.BATCH_ORACLE);
        return new StepPlan(optimizerStep, set, TargetSource.valueOf(targets));
    }

    boolean collectsStatistics() {
        return shardPlan(step).collectsStatistics();
    }

    long bytes() {
        return ArrayPayload.bytes(parameters);
    }
}
