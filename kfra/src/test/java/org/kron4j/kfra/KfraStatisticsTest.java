package org.kron4j.kfra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.kron4j.kfra.KfraFixtures.gaussian;
import static org.kron4j.kfra.KfraFixtures.inputFactor;
import static org.kron4j.kfra.KfraFixtures.kfra;
import static org.kron4j.kfra.KfraFixtures.mlp;
import static org.kron4j.kfra.KfraFixtures.propagated;
import static org.kron4j.kfra.KfraFixtures.relativeError;
import static org.kron4j.kfra.KfraFixtures.repeat;
import static org.kron4j.kfra.KfraFixtures.targets;

import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kron4j.api.BlockStatistics;
import org.kron4j.api.Statistics;
import org.kron4j.api.capture.CaptureField;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.capture.StepPlan;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.model.Loss;
import org.kron4j.api.model.ModelSpec;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.store.Precision;
import org.kron4j.kfac.KfacApproximation;
import org.kron4j.reference.mlp.ReferenceMlp;
import org.kron4j.testkit.oracle.DenseMatrices;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What KFRA asks the engine for, and what "additive" means for its statistics: contributions of
 * several batches (or workers) summed before they are absorbed give exactly the pooled batch's H̄.
 */
class KfraStatisticsTest {
    private static final int[] SIZES = {3, 5, 4, 3};

    private static ReferenceMlp tanhNet() {
        return mlp(SIZES, repeat(Activation.TANH, 2), Loss.SOFTMAX_CROSS_ENTROPY, true, 61);
    }

    private static ModelCapture capture(ReferenceMlp mlp, StepPlan plan, double[][] x, double[][] y) {
        return mlp.capture(DenseMatrices.toINDArray(x, DataType.DOUBLE), DenseMatrices.toINDArray(y, DataType.DOUBLE),
                plan, null);
    }

    @Test
    void plan_statisticsStepAsksForExactlyWhatTheRecursionReads() {
        KroneckerOptimizer optimizer = kfra(tanhNet()).adaptive(false).periods(2, 2).build();
        assertThat(optimizer.plan().fields()).containsExactlyInAnyOrder(CaptureField.GRADIENT,
                CaptureField.LAYER_INPUTS, CaptureField.PARAMETERS, CaptureField.ACTIVATION_DERIVATIVES,
                CaptureField.OUTPUT_HESSIAN);
        // no sampled output gradients: no second backward pass
        assertThat(optimizer.plan().needs(CaptureField.OUTPUT_GRADIENTS)).isFalse();
        ReferenceMlp mlp = tanhNet();
        KfraFixtures.step(optimizer, mlp, gaussian(1, 4, 3), targets(Loss.SOFTMAX_CROSS_ENTROPY, 4, 3, 2));
        assertThat(optimizer.plan().fields()).containsExactly(CaptureField.GRADIENT);
    }

    @Test
    void plan_otherVariantsDoNotPayForKfraFields() {
        KroneckerOptimizer kfac = KroneckerOptimizer.builder(new KfacApproximation()).model(tanhNet().modelSpec())
                .build();
        assertThat(kfac.plan().fields()).doesNotContain(CaptureField.OUTPUT_HESSIAN,
                CaptureField.ACTIVATION_DERIVATIVES, CaptureField.PARAMETERS);
    }

    @Test
    void plan_singleLayer_needsOnlyInputsAndOutputHessian() {
        ModelSpec model = ModelSpec.sequential(Loss.SIGMOID_CROSS_ENTROPY,
                LayerSpec.dense("only", 4, 2, true, Activation.IDENTITY));
        KroneckerOptimizer optimizer = KroneckerOptimizer.builder(new KfraApproximation()).adaptive(false).model(model).build();
        assertThat(optimizer.plan().fields()).containsExactlyInAnyOrder(CaptureField.GRADIENT,
                CaptureField.LAYER_INPUTS, CaptureField.OUTPUT_HESSIAN);
    }

    @Test
    void summedStatisticsOfTwoBatches_equalPooledBatch() {
        // Two "workers" with 5 and 7 examples; their statistics added, then absorbed, must equal the
        // statistics of the 12 examples collected at once: the recursion runs on the pooled means.
        ReferenceMlp mlp = tanhNet();
        double[][] x = gaussian(71, 12, 3);
        double[][] y = targets(Loss.SOFTMAX_CROSS_ENTROPY, 12, 3, 72);
        double[][] x1 = Arrays.copyOfRange(x, 0, 5);
        double[][] y1 = Arrays.copyOfRange(y, 0, 5);
        double[][] x2 = Arrays.copyOfRange(x, 5, 12);
        double[][] y2 = Arrays.copyOfRange(y, 5, 12);

        KroneckerOptimizer pooled = kfra(mlp).build();
        StepPlan plan = pooled.plan();
        pooled.estimator().absorb(pooled.estimator().collect(capture(mlp, plan, x, y)));

        KroneckerOptimizer workers = kfra(mlp).build();
        Statistics first = workers.estimator().collect(capture(mlp, plan, x1, y1));
        Statistics second = workers.estimator().collect(capture(mlp, plan, x2, y2));
        workers.estimator().absorb(first.plus(second));

        for (int l = 0; l < SIZES.length - 1; l++) {
            // the same float64 sums in a different grouping: rounding only
            assertThat(relativeError(propagated(workers, l), propagated(pooled, l))).as("H̄ of layer %d", l)
                    .isLessThan(1e-12);
            assertThat(relativeError(inputFactor(workers, l), inputFactor(pooled, l))).as("A of layer %d", l)
                    .isLessThan(1e-12);
        }

        // Whereas averaging each worker's own H̄ is a different estimator (H̄ is a product of batch
        // means): this is why the recursion waits for the sums.
        KroneckerOptimizer one = kfra(mlp).build();
        one.estimator().absorb(first);
        KroneckerOptimizer two = kfra(mlp).build();
        two.estimator().absorb(second);
        double[][] weighted = DenseMatrices.add(DenseMatrices.scale(propagated(one, 0), 5.0 / 12),
                DenseMatrices.scale(propagated(two, 0), 7.0 / 12));
        assertThat(relativeError(weighted, propagated(pooled, 0))).isGreaterThan(1e-4);
    }

    @Test
    void collect_isPureAndHoldsCountTimesMeans() {
        ReferenceMlp mlp = tanhNet();
        KroneckerOptimizer optimizer = kfra(mlp).build();
        byte[] before = optimizer.stateBytes();
        int batch = 6;
        ModelCapture capture = capture(mlp, optimizer.plan(), gaussian(81, batch, 3),
                targets(Loss.SOFTMAX_CROSS_ENTROPY, batch, 3, 82));
        Statistics statistics = optimizer.estimator().collect(capture);
        assertThat(optimizer.stateBytes()).isEqualTo(before);

        int last = SIZES.length - 2;
        for (int l = 0; l <= last; l++) {
            BlockStatistics block = statistics.block(l);
            assertThat(block.count()).isEqualTo(batch);
            assertThat(block.sums()).containsKey(KfraBlock.INPUT);
            assertThat(block.sums().containsKey(KfraBlock.DERIVATIVES)).as("D of layer %d", l).isEqualTo(l < last);
            assertThat(block.sums().containsKey(KfraBlock.WEIGHTS)).as("W of layer %d", l).isEqualTo(l > 0);
            assertThat(block.sums().containsKey(KfraBlock.OUTPUT_HESSIAN)).as("H of layer %d", l).isEqualTo(l == last);
        }
        // B·W̃ of layer 1: its weights without the bias column, once per example
        double[][] weights = DenseMatrices.toDoubleArray(statistics.block(1).sum(KfraBlock.WEIGHTS));
        double[][] expected = DenseMatrices.scale(DenseMatrices.block(
                DenseMatrices.toDoubleArray(mlp.parameters().get(1)), 0, 0, SIZES[2], SIZES[1]), batch);
        assertThat(DenseMatrices.maxAbsDifference(weights, expected)).isEqualTo(0.0);
    }

    @Test
    void collect_missingOutputHessian_namesTheField() {
        ReferenceMlp mlp = tanhNet();
        KroneckerOptimizer optimizer = kfra(mlp).build();
        ModelCapture full = capture(mlp, optimizer.plan(), gaussian(91, 4, 3),
                targets(Loss.SOFTMAX_CROSS_ENTROPY, 4, 3, 92));
        ModelCapture withoutHessian = new ModelCapture(full.batchSize(), full.layers(), null);
        assertThatThrownBy(() -> optimizer.step(withoutHessian))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("OUTPUT_HESSIAN");
        ModelCapture wrongShape = new ModelCapture(full.batchSize(), full.layers(), Nd4j.eye(4).castTo(DataType.DOUBLE));
        assertThatThrownBy(() -> optimizer.step(wrongShape))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("OUTPUT_HESSIAN")
                .hasMessageContaining("[3, 3]");
    }

    @Test
    void blockAbsorb_withoutPropagatedCurvature_explainsTheEstimatorIsNeeded() {
        ReferenceMlp mlp = tanhNet();
        KroneckerOptimizer optimizer = kfra(mlp).build();
        BlockStatistics own = BlockStatistics.of(1, Map.of(KfraBlock.INPUT, Nd4j.eye(4).castTo(DataType.DOUBLE)));
        assertThatThrownBy(() -> optimizer.estimator().blocks().get(0).absorb(own))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("estimator");
    }

    @Test
    void float32Storage_agreesWithFloat64() {
        // The default storage precision: the recursion in float32 loses only float32 rounding.
        ReferenceMlp mlp = tanhNet();
        double[][] x = gaussian(101, 16, 3);
        double[][] y = targets(Loss.SOFTMAX_CROSS_ENTROPY, 16, 3, 102);
        KroneckerOptimizer wide = kfra(mlp).build();
        KfraFixtures.step(wide, mlp, x, y);
        KroneckerOptimizer narrow = kfra(mlp, Precision.FLOAT).build();
        KfraFixtures.step(narrow, mlp, x, y);
        for (int l = 0; l < SIZES.length - 1; l++) {
            // a few float32 roundings (2⁻²⁴ ≈ 6e-8) per entry through three levels of O(1) products
            assertThat(relativeError(propagated(narrow, l), propagated(wide, l))).as("layer %d", l).isLessThan(1e-5);
        }
    }
}
