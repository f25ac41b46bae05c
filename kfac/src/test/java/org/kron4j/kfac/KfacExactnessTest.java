package org.kron4j.kfac;

import static org.assertj.core.api.Assertions.assertThat;

import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.capture.StepPlan;
import org.kron4j.api.capture.TargetSource;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.Loss;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.optim.OptimizerSettings;
import org.kron4j.api.store.Precision;
import org.kron4j.reference.exact.ExactCurvature;
import org.kron4j.reference.mlp.ReferenceMlp;
import org.kron4j.testkit.oracle.DenseMatrices;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Test 2 of the foundation issue: on a deep linear net with one example, each K-FAC block
 * A ⊗ G equals the exact Fisher block computed from per-example Jacobians. With one example ā is
 * fixed, so the block E_y[vec(g āᵀ) vec(g āᵀ)ᵀ] factors exactly as āāᵀ ⊗ E[g gᵀ]; K-FAC's
 * statistics are taken with {@link TargetSource#EXACT} so that G is the expectation itself rather
 * than a one-sample estimate of it.
 */
class KfacExactnessTest {

    @ParameterizedTest
    @EnumSource(Loss.class)
    void deepLinearNet_oneExample_blocksEqualExactFisherBlocks(Loss loss) {
        ReferenceMlp mlp = ReferenceMlp.builder(4, 5, 3, 3).hidden(Activation.IDENTITY).loss(loss)
                .dataType(DataType.DOUBLE).seed(11).build();
        INDArray x = Nd4j.create(new double[][] {{0.5, -1.0, 2.0, 0.3}});
        INDArray y = Nd4j.create(new double[][] {{0, 1, 0}});
        KroneckerOptimizer optimizer = KroneckerOptimizer.builder(new KfacApproximation())
                .model(mlp.modelSpec())
                .set(OptimizerSettings.STORAGE_PRECISION, Precision.DOUBLE)
                .set(OptimizerSettings.TARGETS, TargetSource.EXACT)
                .build();
        StepPlan plan = optimizer.plan();
        ModelCapture capture = mlp.capture(x, y, plan, null);
        optimizer.step(capture);

        ExactCurvature exact = ExactCurvature.of(mlp, x.toDoubleMatrix(), y.toDoubleMatrix());
        for (int l = 0; l < mlp.layerCount(); l++) {
            double[][] kfac = DenseMatrices.toDoubleArray(
                    optimizer.estimator().blocks().get(l).curvatureMatrix().orElseThrow());
            double[][] fisher = exact.fisherBlock(l);
            // both are sums of a few products of O(1) float64 numbers: agreement to 1e-12 relative
            double scale = DenseMatrices.maxAbs(fisher);
            assertThat(scale).isPositive();
            assertThat(DenseMatrices.maxAbsDifference(kfac, fisher) / scale).as("layer %d", l).isLessThan(1e-12);
        }
    }

    @ParameterizedTest
    @EnumSource(Loss.class)
    void nonlinearNet_manyExamples_blocksDifferFromExact(Loss loss) {
        // control: the test above would pass vacuously if curvatureMatrix returned the exact block by
        // construction; with several examples and tanh units the Kronecker factorisation is an approximation
        ReferenceMlp mlp = ReferenceMlp.builder(4, 5, 3).hidden(Activation.TANH).loss(loss)
                .dataType(DataType.DOUBLE).seed(3).build();
        Nd4j.getRandom().setSeed(5);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 6, 4);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, 6, 3);
        for (int i = 0; i < 6; i++) {
            y.putScalar(i, i % 3, 1.0);
        }
        KroneckerOptimizer optimizer = KroneckerOptimizer.builder(new KfacApproximation())
                .model(mlp.modelSpec())
                .set(OptimizerSettings.STORAGE_PRECISION, Precision.DOUBLE)
                .set(OptimizerSettings.TARGETS, TargetSource.EXACT)
                .build();
        optimizer.step(mlp.capture(x, y, optimizer.plan(), null));
        ExactCurvature exact = ExactCurvature.of(mlp, x.toDoubleMatrix(), y.toDoubleMatrix());
        double[][] kfac = DenseMatrices.toDoubleArray(optimizer.estimator().blocks().get(0).curvatureMatrix()
                .orElseThrow());
        double[][] fisher = exact.fisherBlock(0);
        assertThat(DenseMatrices.maxAbsDifference(kfac, fisher) / DenseMatrices.maxAbs(fisher)).isGreaterThan(1e-3);
        // but it does equal A ⊗ G with the oracle's own exact factors
        assertThat(DenseMatrices.maxAbsDifference(kfac, exact.kfacBlock(0))).isLessThan(1e-12);
    }
}
