package org.kron4j.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.kron4j.api.settings.OptimizerConfig;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The communication volume of spark/README.md, checked against a run: the array bytes the trainer
 * counts per step equal {@link CommunicationModel}'s formula exactly (fixed K-FAC, 2 workers,
 * float64 engine, e = 8, and float32 factor storage, s = 4), and what Spark itself measured — the serialized task results, its
 * {@code resultSize} metric — is those array bytes plus a bounded overhead (Java serialization of
 * the payload records: class descriptors and headers, a few kB per task).
 */
class CommunicationVolumeTest {
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
    void countedBytesFollowTheFormulaAndSparkMeasuresThemPlusOverhead() {
        INDArray[] data = SparkFixtures.data();
        String spec = "kfac:targets=empirical,adaptiveStep=false,adaptiveDamping=false,damping=1e-2,tCov=2,tInv=100";
        List<Long> resultSizes = new ArrayList<>();
        sc.sc().addSparkListener(new SparkListener() {
            @Override
            public void onTaskEnd(SparkListenerTaskEnd end) {
                if (end.taskMetrics() != null) {
                    synchronized (resultSizes) {
                        resultSizes.add(end.taskMetrics().resultSize());
                    }
                }
            }
        });
        try (SparkKfacTrainer trainer = SparkKfacTrainer.builder(sc, SparkFixtures.MODEL, OptimizerConfig.parse(spec))
                .data(data[0], data[1]).batchSize(SparkFixtures.BATCH).workers(2).build()) {
            CommunicationModel model = CommunicationModel.of(trainer.optimizer().model());
            // 6-10-8-4 with biases: P = 10·7 + 8·11 + 4·9 = 194, F = (49+100) + (121+64) + (81+16) = 431
            assertThat(model.parameters()).isEqualTo(194);
            assertThat(model.factorEntries()).isEqualTo(431);
            trainer.step(); // step 0: statistics and refresh (state shipped later, at the next statistics step)
            for (int t = 1; t <= 2; t++) {
                synchronized (resultSizes) {
                    resultSizes.clear();
                }
                StepTimes times = trainer.step();
                boolean statistics = t % 2 == 0;
                assertThat(times.statistics()).isEqualTo(statistics);
                long stateDown = statistics ? times.bytesDown() - model.stepDown(2, 8) : 0;
                assertThat(times.bytesDown() - stateDown).isEqualTo(model.stepDown(2, 8));
                assertThat(times.bytesUp()).isEqualTo(model.stepUp(2, 8, 4, statistics));
                long measured;
                synchronized (resultSizes) {
                    assertThat(resultSizes).hasSize(2);
                    measured = resultSizes.stream().mapToLong(Long::longValue).sum();
                }
                assertThat(measured).isGreaterThanOrEqualTo(times.bytesUp())
                        .isLessThanOrEqualTo(times.bytesUp() + 2 * 8_192);
            }
        }
    }
}
