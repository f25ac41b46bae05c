package org.kron4j.spark;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kron4j.api.settings.OptimizerConfig;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Test 2 of issue 14: decompositions computed layer-sharded in Spark tasks (each block by the
 * worker the {@link DecompositionPlan} assigns) are the driver's own, bit for bit: the whole
 * optimizer state (factors, decompositions, EKFAC's scalings, momentum) and the parameters after
 * several refreshes are byte-identical to a run that decomposes on the driver. Also: the plan's
 * assignment balances the blocks' n³ costs.
 */
class ShardedDecompositionTest {
    private static JavaSparkContext sc;

    @BeforeAll
    static void start() {
        sc = SparkFixtures.context("local[2]");
    }

    @AfterAll
    static void stop() {
        sc.stop();
    }

    @ParameterizedTest
    @ValueSource(strings = {"kfac:damping=1e-2,tCov=1,tInv=3", "ekfac:damping=1e-2,tCov=1,tInv=3",
        "kfra:damping=1e-2,tCov=1,tInv=3,adaptiveStep=false,adaptiveDamping=false,learningRate=0.1"})
    void shardedDecompositionsEqualTheDriversBitForBit(String spec) {
        INDArray[] data = SparkFixtures.data();
        byte[] onDriver;
        SparkFixtures.Run driverRun;
        try (SparkKfacTrainer trainer = builder(spec, data).build()) {
            driverRun = SparkFixtures.distributed(trainer, 10);
            onDriver = trainer.optimizer().stateBytes();
        }
        byte[] sharded;
        SparkFixtures.Run shardedRun;
        try (SparkKfacTrainer trainer = builder(spec, data).refreshWorkers(2).build()) {
            shardedRun = SparkFixtures.distributed(trainer, 10);
            sharded = trainer.optimizer().stateBytes();
        }
        // the decompositions really ran in tasks: refresh steps (0, 3, 6, 9) ran one Spark job more
        for (int t = 0; t < 10; t++) {
            int extra = t % 3 == 0 ? 1 : 0;
            assertThat(shardedRun.times.get(t).jobs()).as("jobs at step %d", t)
                    .isEqualTo(driverRun.times.get(t).jobs() + extra);
        }
        assertThat(shardedRun.losses).isEqualTo(driverRun.losses);
        assertThat(sharded).isEqualTo(onDriver);
    }

    @Test
    void planBalancesCubicCosts() {
        // blocks of the 784-1000-500-250-30 autoencoder's encoder: (785,1000), (1001,500), (501,250), (251,30)
        long[] costs = {785L * 785 * 785 + 1000L * 1000 * 1000, 1001L * 1001 * 1001 + 500L * 500 * 500,
            501L * 501 * 501 + 250L * 250 * 250, 251L * 251 * 251 + 30L * 30 * 30};
        DecompositionPlan plan = DecompositionPlan.of(costs, 2);
        // the two 1000-wide blocks go to different workers, the small ones to the lighter of them
        assertThat(plan.owners()[0]).isNotEqualTo(plan.owners()[1]);
        long[] loads = plan.loads();
        long max = Math.max(loads[0], loads[1]);
        long total = loads[0] + loads[1];
        assertThat(max).isLessThanOrEqualTo(Math.max(costs[0], (long) Math.ceil(total * 4.0 / 3 / 2)));
        assertThat(DecompositionPlan.of(costs, 1).owners()).containsOnly(0);
        assertThat(DecompositionPlan.of(costs, 4).owners()).containsExactlyInAnyOrder(0, 1, 2, 3);
    }

    private static SparkKfacTrainer.Builder builder(String spec, INDArray[] data) {
        return SparkKfacTrainer.builder(sc, SparkFixtures.MODEL, OptimizerConfig.parse(spec)).data(data[0], data[1])
                .batchSize(SparkFixtures.BATCH).workers(2).seed(3);
    }
}
