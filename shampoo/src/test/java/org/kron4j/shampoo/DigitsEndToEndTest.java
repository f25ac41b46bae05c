package org.kron4j.shampoo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.optim.OptimizerSettings;
import org.kron4j.api.store.Precision;
import org.kron4j.reference.train.StepFunction;
import org.kron4j.testkit.protocol.DigitsProtocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * End to end on digits with the shared {@link DigitsProtocol} (the foundation's K-FAC protocol):
 * Shampoo's median steps to a 10-step mean training loss of 0.05 must be lower than SGD-momentum's
 * at its best learning rate of {0.03, 0.1, 0.3}.
 *
 * <p>Shampoo's settings (everything else at its default): learningRate 0.01, momentum 0.9,
 * grafting adagrad (graftEpsilon 1e-8), startPreconditioningStep 0, tCov 1, tInv 5,
 * statisticsDecay 0.99 (ema), epsilon 1e-6 relative, rootMethod eigen, float32 storage with
 * float64 eigendecompositions, blockSize 1024 (no blocking on this net).
 */
class DigitsEndToEndTest {
    private static final Logger LOG = LoggerFactory.getLogger("org.kron4j.results");

    @Test
    void digits_shampooReachesTargetInFewerStepsThanBestSgdMomentum() {
        List<KroneckerOptimizer> optimizers = new ArrayList<>();
        int[] shampoo = DigitsProtocol.stepsToTarget(net -> {
            KroneckerOptimizer optimizer = KroneckerOptimizer.builder(new ShampooApproximation())
                    .model(net.modelSpec())
                    .learningRate(0.01)
                    .momentum(0.9)
                    .periods(1, 5)
                    .set(OptimizerSettings.STATISTICS_DECAY, 0.99)
                    .set(OptimizerSettings.STORAGE_PRECISION, Precision.FLOAT)
                    .set(ShampooApproximation.GRAFTING, Grafting.ADAGRAD)
                    .set(ShampooApproximation.START_PRECONDITIONING_STEP, 0)
                    .set(ShampooApproximation.EPSILON, 1e-6)
                    .set(ShampooApproximation.EPSILON_MODE, EpsilonMode.RELATIVE)
                    .set(ShampooApproximation.ROOT_METHOD, RootMethod.EIGEN)
                    .build();
            optimizers.add(optimizer);
            return StepFunction.of(optimizer);
        });
        long failures = 0;
        for (KroneckerOptimizer optimizer : optimizers) {
            failures += optimizer.store().counters().fallbacks();
            for (var block : optimizer.estimator().blocks()) {
                failures += ((ShampooBlock) block).rootFailures();
            }
        }
        DigitsProtocol.Baseline sgd = DigitsProtocol.bestSgdMomentum();
        String report = DigitsProtocol.report("shampoo", shampoo, sgd);
        LOG.info(report);

        assertThat(failures).as("Shampoo's roots must all succeed: " + report).isZero();
        assertThat(DigitsProtocol.median(shampoo)).as(report).isLessThan(sgd.median());
    }
}
