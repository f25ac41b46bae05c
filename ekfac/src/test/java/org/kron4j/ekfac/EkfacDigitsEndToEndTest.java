package org.kron4j.ekfac;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.settings.VariantSpec;
import org.kron4j.reference.train.StepFunction;
import org.kron4j.api.settings.OptimizerConfig;
import org.kron4j.testkit.protocol.DigitsProtocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Test 4 of the EKFAC issue, with the shared {@link DigitsProtocol} (the foundation's K-FAC test
 * uses the same): EKFAC's median steps to a 10-step mean training loss of 0.05 is lower than
 * SGD-momentum's at its best learning rate, which the protocol measures in the same run.
 *
 * <p>EKFAC settings: {@value #SETTINGS} (MC Fisher targets, scalings rotated into each new basis,
 * float32 storage, float64 decompositions, statistics decay 0.95). Damping is exact (S + λ), so λ is
 * on the scale of the scalings rather than K-FAC's factored √λ; the values were picked on seeds
 * 0–3 with {@code EkfacDigitsExploration}, where they took 21, 24, 25 and 20 steps (K-FAC's test
 * settings: 20, 21, 21, 19; best SGD: 30, 32, 32 on seeds 0–2). K-FAC with the same settings and
 * the same exact damping took 21, 21, 25, 19, with MC and with exact targets alike: on this small
 * problem the better Fisher approximation does not buy steps, so this test asks only for the
 * issue's criterion, fewer steps than SGD.
 */
class EkfacDigitsEndToEndTest {
    private static final Logger LOG = LoggerFactory.getLogger("org.kron4j.results");
    static final String SETTINGS = "ekfac:learningRate=0.2,momentum=0.7,damping=0.15,klClip=0,tCov=1,tInv=5";

    @Test
    void digits_ekfacReachesTargetInFewerStepsThanBestSgdMomentum() {
        List<KroneckerOptimizer> optimizers = new ArrayList<>();
        int[] ekfac = DigitsProtocol.stepsToTarget(net -> {
            KroneckerOptimizer optimizer = KroneckerOptimizer.builder(OptimizerConfig.parse(new EkfacApproximation(), SETTINGS))
                    .model(net.modelSpec()).build();
            optimizers.add(optimizer);
            return StepFunction.of(optimizer);
        });
        long fallbacks = optimizers.stream().mapToLong(o -> o.store().counters().fallbacks()).sum();
        long skipped = optimizers.stream().mapToLong(KroneckerOptimizer::skippedSteps).sum();
        DigitsProtocol.Baseline sgd = DigitsProtocol.bestSgdMomentum();
        String report = DigitsProtocol.report("ekfac", ekfac, sgd);
        LOG.info(report);
        assertThat(fallbacks).as("no decomposition needed a fallback: " + report).isZero();
        assertThat(skipped).as("no step was skipped: " + report).isZero();
        assertThat(DigitsProtocol.median(ekfac)).as(report).isLessThan(sgd.median());
    }
}
