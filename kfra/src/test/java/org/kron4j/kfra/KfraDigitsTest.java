package org.kron4j.kfra;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.settings.VariantSpec;
import org.kron4j.reference.train.StepFunction;
import org.kron4j.api.settings.OptimizerConfig;
import org.kron4j.testkit.protocol.DigitsProtocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Test 5 of the KFRA issue with the foundation's shared {@link DigitsProtocol}: KFRA's median
 * steps to a 10-step mean training loss of 0.05 is lower than SGD-momentum's at its best rate.
 *
 * <p>KFRA runs with the settings of the foundation's K-FAC test ({@value #KFRA}), which were also
 * the best of a small neighbourhood tried with {@link KfraDigitsExploration} (lr 0.7/1.0, damping
 * 0.03/0.3, momentum 0.7/0.9 and eigen damping were all worse). Measured when written (seeds 0,
 * 1, 2): KFRA 21, 21, 21 steps; SGD best at lr 0.3 with 30, 32, 32.
 */
class KfraDigitsTest {
    private static final Logger LOG = LoggerFactory.getLogger("org.kron4j.results");
    private static final String KFRA = "kfra:learningRate=0.5,damping=0.1,tCov=1,tInv=5,klClip=0,momentum=0.5";

    @Test
    void digits_kfraReachesTargetInFewerStepsThanBestSgdMomentum() {
        OptimizerConfig config = OptimizerConfig.parse(new KfraApproximation(), KFRA);
        int[] kfra = DigitsProtocol.stepsToTarget(net -> StepFunction.of(KroneckerOptimizer.builder(config)
                .model(net.modelSpec()).build()));
        DigitsProtocol.Baseline sgd = DigitsProtocol.bestSgdMomentum();
        String report = DigitsProtocol.report(KFRA, kfra, sgd);
        LOG.info(report);
        assertThat(DigitsProtocol.median(kfra)).as(report).isLessThan(sgd.median());
    }
}
