package org.kron4j.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kron4j.api.settings.OptimizerConfig;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Test 3 of issue 14: a task that throws on its first attempt, after computing its shard's
 * gradient and statistics, at every Spark job of every step (the step's job and each oracle
 * question), gives the same run bit for bit as no failure. The master local[2,2] runs two task
 * threads and allows one retry per task. Spark re-runs the failed task and the driver sums only
 * the successful attempts' results: were statistics counted per attempt (an accumulator, a side
 * effect on the driver), the factors would differ by a whole shard's statistics. (The failing run
 * also takes its data as a caller-built RDD of partitions, the clean one from driver arrays.)
 */
class TaskFailureTest {
    private static final String SPEC = "kfac:targets=empirical,damping=1e-2,tCov=1,tInv=3,storagePrecision=double";
    private static final int STEPS = 8;
    private static JavaSparkContext sc;

    @BeforeAll
    static void start() {
        sc = SparkFixtures.context("local[2,2]");
    }

    @AfterAll
    static void stop() {
        sc.stop();
    }

    @Test
    void failedFirstAttemptsChangeNothing() {
        INDArray[] data = SparkFixtures.data();
        SparkFixtures.Run clean;
        byte[] cleanState;
        try (SparkKfacTrainer trainer = builder(data).build()) {
            clean = SparkFixtures.distributed(trainer, STEPS);
            cleanState = trainer.optimizer().stateBytes();
        }
        SparkFixtures.Run failing;
        byte[] failingState;
        // the failing run reads the same data as an RDD of partitions built by the caller
        try (SparkKfacTrainer trainer = SparkKfacTrainer.builder(sc, SparkFixtures.MODEL, OptimizerConfig.parse(SPEC))
                .partitions(sc.parallelize(ShardData.split(data[0], data[1], 2), 2)).batchSize(SparkFixtures.BATCH)
                .workers(2).failFirstAttemptOf(1).build()) {
            failing = SparkFixtures.distributed(trainer, STEPS);
            failingState = trainer.optimizer().stateBytes();
        }
        assertThat(failing.losses).isEqualTo(clean.losses);
        for (int t = 0; t < STEPS; t++) {
            List<INDArray> a = failing.parameters.get(t);
            List<INDArray> b = clean.parameters.get(t);
            for (int l = 0; l < a.size(); l++) {
                assertThat(a.get(l).equals(b.get(l))).as("parameters of layer %d at step %d", l, t).isTrue();
            }
        }
        // every factor, decomposition and the adaptive state: bit for bit
        assertThat(failingState).isEqualTo(cleanState);
    }

    private static SparkKfacTrainer.Builder builder(INDArray[] data) {
        return SparkKfacTrainer.builder(sc, SparkFixtures.MODEL, OptimizerConfig.parse(SPEC)).data(data[0], data[1])
                .batchSize(SparkFixtures.BATCH).workers(2);
    }
}
