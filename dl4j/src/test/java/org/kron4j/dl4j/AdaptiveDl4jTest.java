package org.kron4j.dl4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.kron4j.api.optim.StepDiagnostics;
import org.kron4j.api.optim.StepResult;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * Adaptive K-FAC through the DL4J adapter: kron4j computes the whole update, DL4J's pass-through
 * updater applies it unchanged, and checkpoint/resume with the adaptive state is bit-identical.
 */
class AdaptiveDl4jTest {
    private static final INDArray X = Dl4jFixtures.DIGITS.features();
    private static final INDArray Y = Dl4jFixtures.DIGITS.oneHot();

    private static DataSet batch(int t) {
        int from = (t * 128) % 1600;
        return new DataSet(X.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, from + 128),
                org.nd4j.linalg.indexing.NDArrayIndex.all()).dup(),
                Y.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, from + 128),
                        org.nd4j.linalg.indexing.NDArrayIndex.all()).dup());
    }

    @Test
    void adaptiveStep_refusesAnUpdaterThatRescales_namingWhatToSet() {
        MultiLayerNetwork network = Dl4jFixtures.digitsMlp(1, new Nesterovs(0.1, 0.9));
        assertThatThrownBy(() -> Kron4jDl4j.attach(network, "kfac"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("NoOp").hasMessageContaining("Sgd(1.0)")
                .hasMessageContaining("installPassThroughUpdater").hasMessageContaining("adaptiveStep=false");
        assertThatThrownBy(() -> Kron4jDl4j.attach(Dl4jFixtures.digitsMlp(1, new Sgd(0.5)), "ekfac"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Sgd");
        // a pass-through updater is accepted; so is the fixed mode with DL4J's momentum
        assertThat(Kron4jDl4j.attach(Dl4jFixtures.digitsMlp(1, new Sgd(1.0)), "kfac").isAttached()).isTrue();
        assertThat(Kron4jDl4j.attach(Dl4jFixtures.digitsMlp(1, new Nesterovs(0.1, 0.9)),
                "kfac:adaptiveStep=false").isAttached()).isTrue();
    }

    @Test
    void installedPassThrough_dl4jAppliesExactlyKron4jsUpdate() {
        MultiLayerNetwork network = Dl4jFixtures.digitsMlp(2, new Nesterovs(0.1, 0.9));
        Kron4jAttachment attachment = Kron4jDl4j.builder(network).spec("kfac:tCov=1,tInv=2")
                .installPassThroughUpdater().attach();
        for (int t = 0; t < 7; t++) {
            INDArray before = network.params().dup();
            network.fit(batch(t));
            StepResult result = attachment.lastStep().orElseThrow();
            assertThat(result.applied()).isTrue();
            StepDiagnostics d = result.diagnostics();
            assertThat(d.learningRate()).isPositive();
            assertThat(d.loss()).isFinite();
            if (t == 0) {
                assertThat(d.momentum()).isZero();
            }
            if (t == 4) {
                assertThat(d.reductionRatio()).isFinite(); // dampingInterval 5: step index 4 adapts
            }
            // the parameter change DL4J made equals δ (layout-free comparison: squared norms; float32 with the
            // ·B / B round trip: relative 1e-5)
            INDArray change = network.params().sub(before).castTo(DataType.DOUBLE);
            double applied = change.mul(change).sumNumber().doubleValue();
            double expected = 0;
            for (INDArray u : result.updates()) {
                INDArray d64 = u.castTo(DataType.DOUBLE);
                expected += d64.mul(d64).sumNumber().doubleValue();
            }
            assertThat(applied).as("step %d", t).isCloseTo(expected, org.assertj.core.api.Assertions.within(1e-5 * expected));
        }
    }

    @Test
    void adaptiveState_savedAndRestored_resumedTrainingBitIdentical() throws IOException {
        String spec = "kfac:tCov=1,tInv=2,targets=empirical"; // no sampling: no RNG state
        MultiLayerNetwork network = Dl4jFixtures.digitsMlp(3, new NoOp());
        Kron4jAttachment attachment = Kron4jDl4j.attach(network, spec);
        for (int t = 0; t < 6; t++) {
            network.fit(batch(t));
        }
        ByteArrayOutputStream model = new ByteArrayOutputStream();
        ModelSerializer.writeModel(network, model, true);
        byte[] optimizerState = attachment.optimizer().stateBytes();
        MultiLayerNetwork resumed = ModelSerializer.restoreMultiLayerNetwork(
                new ByteArrayInputStream(model.toByteArray()), true);
        Kron4jAttachment resumedAttachment = Kron4jDl4j.attach(resumed, spec);
        resumedAttachment.optimizer().restore(new ByteArrayInputStream(optimizerState));
        for (int t = 6; t < 12; t++) { // step index 9 adapts λ, 6..11 use the restored previous update
            network.fit(batch(t));
            resumed.fit(batch(t));
        }
        assertThat(flat(resumed.params())).isEqualTo(flat(network.params()));
        assertThat(resumedAttachment.optimizer().stateBytes()).isEqualTo(attachment.optimizer().stateBytes());
        assertThat(resumedAttachment.optimizer().damping()).isEqualTo(attachment.optimizer().damping());
    }

    private static float[] flat(INDArray params) {
        return params.dup().data().asFloat();
    }
}
