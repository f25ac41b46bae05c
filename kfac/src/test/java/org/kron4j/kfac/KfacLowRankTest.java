package org.kron4j.kfac;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.Loss;
import org.kron4j.api.model.ModelSpec;
import org.kron4j.api.optim.DampingMode;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.optim.OptimizerSettings;
import org.kron4j.api.optim.StepResult;
import org.kron4j.api.settings.OptimizerConfig;
import org.kron4j.api.store.SymmetricFactor;
import org.kron4j.core.KfacBlock;
import org.kron4j.core.KroneckerAlgebra;
import org.kron4j.core.LowRankFactor;
import org.kron4j.reference.data.Dataset;
import org.kron4j.reference.data.Datasets;
import org.kron4j.reference.mlp.ReferenceMlp;
import org.kron4j.testkit.refresh.RefreshRuns;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * K-FAC's {@code lowRank} setting: validated, a no-op when k is at least every factor's width, and
 * on real factors (a digits autoencoder after 40 K-FAC steps) its error against the full inverse
 * stays within the discarded spectrum's bound, the measured errors logged per layer and k.
 */
class KfacLowRankTest {
    private static final Logger LOG = LoggerFactory.getLogger("org.kron4j.results.lowrank");

    @Test
    void setting_isParsedAndValidated() {
        KfacApproximation kfac = new KfacApproximation();
        assertThat(OptimizerConfig.parse(kfac, "kfac:lowRank=4,dampingMode=eigen").settings()
                .get(KfacApproximation.LOW_RANK)).isEqualTo(4);
        assertThatThrownBy(() -> OptimizerConfig.parse(kfac, "kfac:lowRank=-1"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("lowRank");
        OptimizerConfig factored = OptimizerConfig.parse(kfac, "kfac:lowRank=4");
        assertThatThrownBy(() -> KroneckerOptimizer.builder(factored).model(RefreshRuns.model()).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'lowRank'").hasMessageContaining("dampingMode=eigen");
    }

    private static Function<ModelSpec, KroneckerOptimizer.Builder> eigen(int lowRank) {
        return model -> KroneckerOptimizer.builder(new KfacApproximation()).model(model).adaptive(false)
                .set(OptimizerSettings.DAMPING_MODE, DampingMode.EIGEN).periods(1, 3)
                .set(KfacApproximation.LOW_RANK, lowRank);
    }

    @Test
    void rankAtLeastEveryFactorWidth_isTheFullRun_bitForBit() {
        var full = RefreshRuns.train(eigen(0), 15, 4);
        var wide = RefreshRuns.train(eigen(64), 15, 4); // the widest factor of the run's net is 9
        assertThat(RefreshRuns.firstDifference(wide, full)).isEmpty();
    }

    @Test
    void truncatedRun_trainsAndPreconditionsThroughTheLowRankInverse() {
        var truncated = RefreshRuns.train(eigen(2), 30, 4);
        assertThat(truncated.results()).allMatch(StepResult::applied);
        var full = RefreshRuns.train(eigen(0), 30, 4);
        assertThat(RefreshRuns.firstDifference(truncated, full)).isPresent();
    }

    @Test
    void realAutoencoderFactors_lowRankErrorWithinTheDiscardedSpectrumBound() {
        Dataset digits = Datasets.digits().standardize().as(DataType.FLOAT);
        ReferenceMlp net = ReferenceMlp.builder(64, 48, 16, 48, 64).hidden(Activation.TANH).loss(Loss.SQUARED_ERROR)
                .seed(1).dataType(DataType.FLOAT).build();
        double damping = 1e-3;
        KroneckerOptimizer optimizer = KroneckerOptimizer.builder(new KfacApproximation()).model(net.modelSpec())
                .adaptive(false).learningRate(0.1).damping(damping).set(OptimizerSettings.DAMPING_MODE,
                        DampingMode.EIGEN).periods(1, 5).build();
        INDArray x = digits.features();
        ModelCapture capture = null;
        for (int t = 0; t < 40; t++) {
            int from = (t * 256) % (digits.size() - 256);
            INDArray batch = x.get(NDArrayIndex.interval(from, from + 256), NDArrayIndex.all());
            capture = net.capture(batch, batch, optimizer.plan(), null);
            StepResult result = optimizer.step(capture);
            net.addToParameters(result.updates());
        }
        optimizer.step(capture); // step 40 refreshes: the decompositions are of the current averages
        List<String> table = new ArrayList<>();
        for (int layer = 0; layer < net.modelSpec().size(); layer++) {
            KfacBlock block = (KfacBlock) optimizer.estimator().blocks().get(layer);
            SymmetricFactor a = block.factors().input();
            SymmetricFactor g = block.factors().output();
            INDArray gradient = capture.layer(layer).gradient().castTo(DataType.DOUBLE);
            INDArray aValues = a.eigenvalues().orElseThrow().castTo(DataType.DOUBLE);
            INDArray aVectors = a.eigenvectors().orElseThrow().castTo(DataType.DOUBLE);
            INDArray gValues = g.eigenvalues().orElseThrow().castTo(DataType.DOUBLE);
            INDArray gVectors = g.eigenvectors().orElseThrow().castTo(DataType.DOUBLE);
            INDArray full = KroneckerAlgebra.applyEigenInverse(gVectors, gradient, aVectors,
                    KroneckerAlgebra.kroneckerEigenvalues(gValues, aValues, damping));
            for (int k : new int[] {4, 8, 16, 32}) {
                LowRankFactor lowA = LowRankFactor.truncate(aValues, aVectors, k);
                LowRankFactor lowG = LowRankFactor.truncate(gValues, gVectors, k);
                if (!lowA.truncated() && !lowG.truncated()) {
                    continue;
                }
                INDArray approx = KroneckerAlgebra.applyLowRank(lowG, gradient, lowA, damping, true);
                double error = approx.sub(full).norm2Number().doubleValue();
                double bound = bound(gValues, lowG, aValues, lowA, damping) * gradient.norm2Number().doubleValue();
                // float64 throughout: the bound holds up to rounding (relative 1e-9)
                assertThat(error).as("layer %d, k %d", layer, k).isLessThanOrEqualTo(bound * (1 + 1e-9) + 1e-12);
                table.add(String.format("layer %d (G %d, A %d) k=%d: relative error %.3g, bound %.3g, cos %.4f",
                        layer, gValues.length(), aValues.length(), k, error / full.norm2Number().doubleValue(),
                        bound / full.norm2Number().doubleValue(), cosine(approx, full)));
            }
        }
        LOG.info("low-rank K-FAC inverse against the full one on digits-autoencoder factors after 40 steps "
                + "(λ = {}):\n{}", damping, String.join("\n", table));
        assertThat(table).isNotEmpty();
    }

    /** max over Kronecker eigenpairs touching a discarded eigenvalue of |1/(g̃ã + λ) − 1/(g a + λ)|. */
    private static double bound(INDArray gValues, LowRankFactor lowG, INDArray aValues, LowRankFactor lowA,
            double damping) {
        double worst = 0;
        long m = gValues.length();
        long n = aValues.length();
        for (long i = 0; i < m; i++) {
            double g = gValues.getDouble(i);
            double gt = i >= m - lowG.rank() ? g : lowG.rest();
            for (long j = 0; j < n; j++) {
                double a = aValues.getDouble(j);
                double at = j >= n - lowA.rank() ? a : lowA.rest();
                worst = Math.max(worst, Math.abs(1 / (gt * at + damping) - 1 / (g * a + damping)));
            }
        }
        return worst;
    }

    private static double cosine(INDArray a, INDArray b) {
        return a.mul(b).sumNumber().doubleValue() / (a.norm2Number().doubleValue() * b.norm2Number().doubleValue());
    }
}
