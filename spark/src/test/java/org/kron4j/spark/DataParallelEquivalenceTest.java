package org.kron4j.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.kron4j.api.settings.OptimizerConfig;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Test 1 of issue 14: on local[2], two workers with every global batch split between them give
 * the same losses and parameters, step by step, as one process on the whole batch (the plain
 * driver loop on the reference MLP), for K-FAC, EKFAC and KFRA with fixed and adaptive damping.
 *
 * <p>The factors are stored in float64 ({@code storagePrecision=double}; the default float32
 * storage would round every factor and direction to ~6e-8 relative, whatever the split, and hide
 * a summation fault of that size).
 *
 * <p><b>Tolerance.</b> The runs differ only in the order of floating-point sums: a shard sums its
 * rows, the driver adds the two shard sums (gradients, statistics, oracle answers), where one
 * process sums all B rows at once. In float64 each sum of B = 32 terms then carries a relative
 * difference of at most ~B·ε ≈ 7e-15. The optimizer maps it through the damped inverses of the
 * factors (condition number at most (‖F‖ + λ)/λ ≲ 1e3 here with λ ≥ 1e-2 and unit-scale
 * factors) and through 50 steps of training, where a perturbation can grow at most by the
 * product of the steps' Lipschitz factors; we allow a relative 1e-8 of each parameter array's
 * norm and of the loss, which leaves ~4 orders for that growth and is still ~6 orders below what
 * a real fault produces (one shard's statistics counted twice, or a shard's gradient lost,
 * changes the first update by a relative O(1/N) = 0.5).
 */
class DataParallelEquivalenceTest {
    private static final int STEPS = 50;
    private static final double TOLERANCE = 1e-8;
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
    @ValueSource(strings = {
        "kfac:targets=empirical,adaptiveStep=false,adaptiveDamping=false,damping=1e-2,learningRate=0.2,momentum=0.5,tCov=2,tInv=5,storagePrecision=double",
        "ekfac:targets=empirical,adaptiveStep=false,adaptiveDamping=false,damping=1e-2,learningRate=0.2,momentum=0.5,tCov=2,tInv=5,storagePrecision=double",
        "kfra:adaptiveStep=false,adaptiveDamping=false,damping=1e-2,learningRate=0.2,momentum=0.5,tCov=2,tInv=5,storagePrecision=double",
        "kfac:targets=empirical,damping=1e-2,tCov=2,tInv=5,storagePrecision=double",
        "ekfac:targets=empirical,damping=1e-2,tCov=2,tInv=5,storagePrecision=double",
        "kfra:damping=1e-2,tCov=2,tInv=5,storagePrecision=double"})
    void twoWorkersMatchOneProcess(String spec) {
        INDArray[] data = SparkFixtures.data();
        SparkFixtures.Run expected = SparkFixtures.oneProcess(spec, data[0], data[1], STEPS);
        SparkFixtures.Run actual;
        try (SparkKfacTrainer trainer = SparkKfacTrainer.builder(sc, SparkFixtures.MODEL, OptimizerConfig.parse(spec))
                .data(data[0], data[1]).batchSize(SparkFixtures.BATCH).workers(2).build()) {
            actual = SparkFixtures.distributed(trainer, STEPS);
        }
        assertClose(actual, expected);
        // the run trained: a fault that froze the parameters would also "match" at step 0 only
        assertThat(expected.losses.get(STEPS - 1)).isLessThan(0.9 * expected.losses.get(0));
    }

    /** The same with Spark's treeAggregate (depth 2) summing the partitions' results instead of the driver. */
    @org.junit.jupiter.api.Test
    void treeAggregationMatchesOneProcess() {
        String spec = "kfac:targets=empirical,damping=1e-2,tCov=2,tInv=5,storagePrecision=double";
        INDArray[] data = SparkFixtures.data();
        SparkFixtures.Run expected = SparkFixtures.oneProcess(spec, data[0], data[1], 10);
        SparkFixtures.Run actual;
        try (SparkKfacTrainer trainer = SparkKfacTrainer.builder(sc, SparkFixtures.MODEL, OptimizerConfig.parse(spec))
                .data(data[0], data[1]).batchSize(SparkFixtures.BATCH).workers(2).aggregationDepth(2).build()) {
            actual = SparkFixtures.distributed(trainer, 10);
        }
        assertClose(actual, expected);
    }

    /** The same on a DL4J MultiLayerNetwork (float64) through the DL4J step engine, fixed and adaptive K-FAC. */
    @ParameterizedTest
    @ValueSource(strings = {
        "kfac:targets=empirical,adaptiveStep=false,adaptiveDamping=false,damping=1e-2,learningRate=0.2,momentum=0.5,tCov=2,tInv=5,storagePrecision=double",
        "kfac:targets=empirical,damping=1e-2,tCov=2,tInv=5,storagePrecision=double"})
    void dl4jTwoWorkersMatchOneProcess(String spec) {
        INDArray[] data = SparkFixtures.data();
        OptimizerConfig config = OptimizerConfig.parse(spec);
        Dl4jShardModel model = Dl4jShardModel.of(SparkFixtures.dl4jNetwork(), config);
        SparkFixtures.Run expected = SparkFixtures.oneProcess(model, spec, data[0], data[1], STEPS);
        SparkFixtures.Run actual;
        try (SparkKfacTrainer trainer = SparkKfacTrainer.builder(sc, model, config).data(data[0], data[1])
                .batchSize(SparkFixtures.BATCH).workers(2).build()) {
            actual = SparkFixtures.distributed(trainer, STEPS);
        }
        assertClose(actual, expected);
        assertThat(expected.losses.get(STEPS - 1)).isLessThan(0.9 * expected.losses.get(0));
    }

    static void assertClose(SparkFixtures.Run actual, SparkFixtures.Run expected) {
        assertThat(actual.losses).hasSameSizeAs(expected.losses);
        for (int t = 0; t < expected.losses.size(); t++) {
            double e = expected.losses.get(t);
            assertThat(actual.losses.get(t)).as("loss at step %d", t)
                    .isCloseTo(e, org.assertj.core.data.Offset.offset(TOLERANCE * Math.max(1.0, Math.abs(e))));
            List<INDArray> ep = expected.parameters.get(t);
            List<INDArray> ap = actual.parameters.get(t);
            for (int l = 0; l < ep.size(); l++) {
                double scale = ep.get(l).norm2Number().doubleValue();
                double diff = ap.get(l).reshape(ep.get(l).shape()).sub(ep.get(l)).norm2Number().doubleValue();
                assertThat(diff).as("parameters of layer %d at step %d", l, t).isLessThanOrEqualTo(TOLERANCE * scale);
            }
        }
    }
}
