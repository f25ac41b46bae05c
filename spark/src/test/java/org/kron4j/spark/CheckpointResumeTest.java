package org.kron4j.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kron4j.api.settings.OptimizerConfig;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Test 4 of issue 14: a job killed after some steps and started again from its last checkpoint
 * (a new trainer with fresh parameters, optimizer and executor caches that reads the K4JS file)
 * continues exactly as the run that was never interrupted: same losses, and the same parameters
 * and optimizer state bit for bit at the end. The checkpoint is every 4 steps and the kill after
 * step 10, so steps 9 and 10 are lost and redone from the checkpoint of step 8.
 */
class CheckpointResumeTest {
    private static final String SPEC = "kfac:damping=1e-2,tCov=2,tInv=4";
    private static final int STEPS = 16;
    private static JavaSparkContext sc;

    @BeforeAll
    static void start() {
        sc = SparkFixtures.context("local[2]");
    }

    @AfterAll
    static void stop() {
        sc.stop();
    }

    @Test
    void resumedRunReproducesTheUninterruptedOne(@TempDir Path dir) {
        INDArray[] data = SparkFixtures.data();
        SparkFixtures.Run whole;
        byte[] wholeState;
        try (SparkKfacTrainer trainer = builder(data, dir.resolve("whole.k4js")).build()) {
            whole = SparkFixtures.distributed(trainer, STEPS);
            wholeState = trainer.optimizer().stateBytes();
        }

        Path checkpoint = dir.resolve("killed.k4js");
        try (SparkKfacTrainer killed = builder(data, checkpoint).build()) {
            SparkFixtures.distributed(killed, 10); // "killed" here: steps 9 and 10 never reach a checkpoint
        }
        try (SparkKfacTrainer resumed = builder(data, checkpoint).build()) {
            assertThat(resumed.resumeIfPresent()).isTrue();
            assertThat(resumed.iteration()).isEqualTo(8);
            SparkFixtures.Run rest = SparkFixtures.distributed(resumed, STEPS - 8);
            assertThat(rest.losses).isEqualTo(whole.losses.subList(8, STEPS));
            for (int l = 0; l < rest.parameters.get(STEPS - 9).size(); l++) {
                assertThat(rest.parameters.get(STEPS - 9).get(l).equals(whole.parameters.get(STEPS - 1).get(l)))
                        .as("final parameters of layer %d", l).isTrue();
            }
            assertThat(resumed.optimizer().stateBytes()).isEqualTo(wholeState);
        }
    }

    private static SparkKfacTrainer.Builder builder(INDArray[] data, Path checkpoint) {
        return SparkKfacTrainer.builder(sc, SparkFixtures.MODEL, OptimizerConfig.parse(SPEC)).data(data[0], data[1])
                .batchSize(SparkFixtures.BATCH).workers(2).seed(5).checkpoint(checkpoint, 4);
    }
}
