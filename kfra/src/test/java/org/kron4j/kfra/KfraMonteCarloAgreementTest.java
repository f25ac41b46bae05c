package org.kron4j.kfra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.kron4j.kfra.KfraFixtures.gaussian;
import static org.kron4j.kfra.KfraFixtures.mlp;
import static org.kron4j.kfra.KfraFixtures.propagated;
import static org.kron4j.kfra.KfraFixtures.relativeError;
import static org.kron4j.kfra.KfraFixtures.repeat;
import static org.kron4j.kfra.KfraFixtures.targets;

import org.junit.jupiter.api.Test;
import org.kron4j.api.capture.TargetSource;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.Loss;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.optim.OptimizerSettings;
import org.kron4j.api.store.Precision;
import org.kron4j.core.KfacBlock;
import org.kron4j.kfac.KfacApproximation;
import org.kron4j.reference.exact.ExactCurvature;
import org.kron4j.reference.mlp.ReferenceMlp;
import org.kron4j.testkit.oracle.DenseMatrices;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Test 4 of the KFRA issue: on a linear net, KFRA's deterministic G and K-FAC's Monte-Carlo G
 * agree in expectation. K-FAC (the real {@link KfacApproximation}, MC Fisher targets) averages
 * T batches with statistics decay 1, i.e. the running mean of B·T sampled outer products; KFRA
 * takes one step on the same batch.
 *
 * <p>Why they should agree: with identity activations D_l = ∂s_L/∂s_l is the same for every
 * example, so KFRA's H̄_l = D_lᵀ (mean H_i) D_l = (1/B) Σ D_lᵀ H_i D_l, the exact expectation of
 * g gᵀ with g = D_lᵀ(p_i − y), y ~ Cat(p_i) — which is what K-FAC's MC estimate converges to.
 */
class KfraMonteCarloAgreementTest {
    private static final int[] SIZES = {4, 6, 5, 4};
    private static final int BATCH = 32;
    private static final int STEPS = 400;

    @Test
    @SuppressWarnings("try")
    void linearNet_kfraGAgreesWithMonteCarloKfacG() throws Exception {
        ReferenceMlp mlp = mlp(SIZES, repeat(Activation.IDENTITY, 2), Loss.SOFTMAX_CROSS_ENTROPY, true, 111);
        double[][] x = gaussian(112, BATCH, 4);
        double[][] y = targets(Loss.SOFTMAX_CROSS_ENTROPY, BATCH, 4, 113);
        ExactCurvature exact = ExactCurvature.of(mlp, x, y);

        KroneckerOptimizer kfra = KfraFixtures.afterOneStep(mlp, x, y);

        KroneckerOptimizer kfac = KroneckerOptimizer.builder(new KfacApproximation()).model(mlp.modelSpec())
                .set(OptimizerSettings.STORAGE_PRECISION, Precision.DOUBLE)
                .set(OptimizerSettings.STATISTICS_DECAY, 1.0)
                .set(OptimizerSettings.TARGETS, TargetSource.MC_FISHER)
                .periods(1, Integer.MAX_VALUE).build();
        INDArray bx = DenseMatrices.toINDArray(x, DataType.DOUBLE);
        INDArray by = DenseMatrices.toINDArray(y, DataType.DOUBLE);
        try (Random sampler = Nd4j.getRandomFactory().getNewRandomInstance(114)) {
            for (int t = 0; t < STEPS; t++) {
                kfac.step(mlp.capture(bx, by, kfac.plan(), sampler)); // the net is not updated: same batch, new targets
            }
        }

        for (int l = 0; l < SIZES.length - 1; l++) {
            double[][] kfraG = propagated(kfra, l);
            double[][] mcG = DenseMatrices.toDoubleArray(
                    ((KfacBlock) kfac.estimator().blocks().get(l)).factors().output().average());
            // KFRA on a linear net is the exact expectation (float64 rounding only) ...
            assertThat(relativeError(kfraG, exact.outputFactor(l))).as("KFRA exact, layer %d", l).isLessThan(1e-12);
            // ... and the MC mean lies within 6 of its own standard errors of it, entry by entry.
            double[][] standardError = monteCarloStandardError(exact, l);
            double worst = 0.0;
            for (int a = 0; a < kfraG.length; a++) {
                for (int b = 0; b < kfraG.length; b++) {
                    double z = Math.abs(mcG[a][b] - kfraG[a][b]) / standardError[a][b];
                    worst = Math.max(worst, z);
                }
            }
            // N = B·T = 12 800 independent bounded draws per entry: the mean is normal to a good
            // approximation (CLT), and P(|Z| > 6) ≈ 2e-9 per entry, ~1e-7 over the 75 entries of
            // all layers; a wrong G (empirical Fisher, missing H, wrong layer) misses by hundreds of σ.
            assertThat(worst).as("largest |MC − KFRA| in standard errors, layer %d", l).isLessThan(6.0);
            // and the test has resolution: 6 standard errors are small against the factor itself
            assertThat(6.0 * DenseMatrices.maxAbs(standardError) / DenseMatrices.maxAbs(kfraG))
                    .as("relative resolution, layer %d", l).isLessThan(0.1);
        }
    }

    /**
     * The exact standard error of K-FAC's MC estimate of G_l, entry by entry. For example i and
     * sampled class c, g = D_lᵢᵀ (p_i − e_c) with probability p_ic; each of the T steps draws one
     * class per example, so Var(mean) = Σ_i Var_c(g_a g_b) / (B² T). Computed by enumerating the
     * classes: no sampling in the reference.
     */
    private static double[][] monteCarloStandardError(ExactCurvature exact, int layer) {
        int m = SIZES[layer + 1];
        int k = SIZES[SIZES.length - 1];
        double[][] variance = new double[m][m];
        for (int i = 0; i < BATCH; i++) {
            double[][] d = exact.outputJacobian(i, layer);
            double[] p = exact.predictions(i);
            double[][] first = new double[m][m];
            double[][] second = new double[m][m];
            for (int c = 0; c < k; c++) {
                double[] residual = p.clone();
                residual[c] -= 1.0;
                double[] g = DenseMatrices.multiply(DenseMatrices.transpose(d), residual);
                for (int a = 0; a < m; a++) {
                    for (int b = 0; b < m; b++) {
                        double v = g[a] * g[b];
                        first[a][b] += p[c] * v;
                        second[a][b] += p[c] * v * v;
                    }
                }
            }
            for (int a = 0; a < m; a++) {
                for (int b = 0; b < m; b++) {
                    variance[a][b] += second[a][b] - first[a][b] * first[a][b];
                }
            }
        }
        double[][] error = new double[m][m];
        for (int a = 0; a < m; a++) {
            for (int b = 0; b < m; b++) {
                error[a][b] = Math.sqrt(variance[a][b] / ((double) BATCH * BATCH * STEPS));
            }
        }
        return error;
    }
}
