package org.kron4j.kfac;

import static org.assertj.core.api.Assertions.assertThat;

import org.kron4j.api.capture.CaptureField;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.Loss;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.optim.OptimizerSettings;
import org.kron4j.api.store.Precision;
import org.kron4j.core.KfacBlock;
import org.kron4j.reference.exact.ExactCurvature;
import org.kron4j.reference.mlp.ReferenceMlp;
import org.kron4j.testkit.oracle.DenseMatrices;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Test 3 of the foundation issue: the MC Fisher estimate of G (targets sampled from the model)
 * converges to its exact expectation as samples grow.
 *
 * <p>The optimizer sees the same batch N times with fresh targets and keeps the running mean of
 * the per-step estimates Ĝ_s (statisticsDecay = 1). Ĝ_s are i.i.d. and unbiased, so
 * E‖Ḡ_N − G‖²_F = σ²/N with σ² = E‖Ĝ − G‖²_F, estimated from the draws themselves. The test
 * asserts ‖Ḡ_N − G‖_F ≤ 4σ̂/√N: ‖Ḡ_N − G‖²_F is a sum of squared, nearly Gaussian entries, so
 * exceeding 16 times its mean has probability below that of a χ²₁ variable exceeding 16
 * (≈ 6·10⁻⁵), and with fixed seeds the outcome is deterministic anyway. A biased estimator fails
 * it: its error cannot fall below its bias b, and the bound at N = 2000 is 0.09σ, so any bias
 * above a tenth of one draw's spread is caught. The small-N error is checked against the same
 * kind of bound (4σ/√20), which shows the error scale really follows σ/√N.
 */
class KfacMonteCarloTest {
    private static final int SMALL = 20;
    private static final double STANDARD_ERRORS = 4.0;
    private static final int LARGE = 2000;

    @ParameterizedTest
    @EnumSource(Loss.class)
    void mcEstimateOfG_convergesToExactExpectation(Loss loss) {
        ReferenceMlp mlp = ReferenceMlp.builder(3, 4, 3).hidden(Activation.TANH).loss(loss)
                .dataType(DataType.DOUBLE).seed(7).build();
        Nd4j.getRandom().setSeed(17);
        INDArray x = Nd4j.randn(DataType.DOUBLE, 5, 3);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, 5, 3);
        for (int i = 0; i < 5; i++) {
            y.putScalar(i, (i * 2) % 3, 1.0);
        }
        KroneckerOptimizer optimizer = KroneckerOptimizer.builder(new KfacApproximation())
                .model(mlp.modelSpec())
                .set(OptimizerSettings.STORAGE_PRECISION, Precision.DOUBLE)
                .set(OptimizerSettings.STATISTICS_DECAY, 1.0)
                .periods(1, 1_000_000)
                .build();
        ExactCurvature exact = ExactCurvature.of(mlp, x.toDoubleMatrix(), y.toDoubleMatrix());
        Random random = Nd4j.getRandomFactory().getNewRandomInstance(123);
        int layers = mlp.layerCount();
        double[] squaredDeviation = new double[layers];
        double[] errorAtSmall = new double[layers];
        for (int s = 1; s <= LARGE; s++) {
            ModelCapture capture = mlp.capture(x, y, optimizer.plan(), random);
            for (int l = 0; l < layers; l++) {
                INDArray g = capture.layer(l).require(CaptureField.OUTPUT_GRADIENTS);
                double[][] single = DenseMatrices.toDoubleArray(g.transpose().mmul(g).divi(5));
                double d = DenseMatrices.frobeniusNorm(DenseMatrices.subtract(single, exact.outputFactor(l)));
                squaredDeviation[l] += d * d;
            }
            optimizer.step(capture); // updates are not applied: the network, hence G, stays fixed
            if (s == SMALL) {
                for (int l = 0; l < layers; l++) {
                    errorAtSmall[l] = error(optimizer, l, exact);
                }
            }
        }
        for (int l = 0; l < layers; l++) {
            double sigma = Math.sqrt(squaredDeviation[l] / LARGE);
            double errorAtLarge = error(optimizer, l, exact);
            assertThat(errorAtLarge).as("layer %d: ‖Ḡ_N − G‖ vs 4σ/√N at N=%d", l, LARGE)
                    .isLessThan(STANDARD_ERRORS * sigma / Math.sqrt(LARGE));
            assertThat(errorAtSmall[l]).as("layer %d: ‖Ḡ_N − G‖ vs 4σ/√N at N=%d", l, SMALL)
                    .isLessThan(STANDARD_ERRORS * sigma / Math.sqrt(SMALL));
        }
    }

    private static double error(KroneckerOptimizer optimizer, int layer, ExactCurvature exact) {
        KfacBlock block = (KfacBlock) optimizer.estimator().blocks().get(layer);
        double[][] running = DenseMatrices.toDoubleArray(block.factors().output().average());
        return DenseMatrices.frobeniusNorm(DenseMatrices.subtract(running, exact.outputFactor(layer)));
    }
}
