package org.kron4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.Loss;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.reference.mlp.ReferenceMlp;

/** Runs the root README's quick start ({@link QuickStartExample}, whose regions the README copies). */
class QuickStartExampleTest {

    @Test
    void quickStart_trainsTheDigitsMlpBelowTheProtocolTarget() {
        double loss = QuickStartExample.train();
        // 0.05 is the digits protocol's target for the 10-step mean batch loss; adaptive K-FAC at its
        // defaults reaches it in median 23 steps (AdaptiveDigitsTest), so 100 steps leave a wide
        // margin. The untrained network's loss is about ln 10 = 2.3.
        org.slf4j.LoggerFactory.getLogger(QuickStartExampleTest.class).info("quick start: training loss {}", loss);
        assertThat(loss).isFinite().isLessThan(0.05);
    }

    @Test
    void optimizerConfig_snippetBuildsTheConfiguredOptimizer() {
        ReferenceMlp net = ReferenceMlp.builder(64, 16, 10).hidden(Activation.TANH).loss(Loss.SOFTMAX_CROSS_ENTROPY)
                .seed(1).build();
        KroneckerOptimizer optimizer = QuickStartExample.fromConfig(net);
        assertThat(optimizer.variant().name()).isEqualTo("kfac");
        assertThat(optimizer.config().settings().asText()).containsEntry("damping", "0.1").containsEntry("tCov", "1")
                .containsEntry("tInv", "5");
    }
}
