package org.kron4j.dl4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;

/**
 * Test 1 of the DL4J issue: with a preconditioner that returns the gradient unchanged, a network
 * trained through the attachment with DL4J's own {@code fit(DataSetIterator)} is bit-identical
 * to the same network trained without it: parameters and DL4J's updater state, compared as
 * exact float32 bit patterns, after two epochs of seven equal batches. This pins down the
 * layout round trip ([nIn, nOut] ↔ [Wᵀ | bᵀ]), the batch-sum ↔ batch-mean scaling (÷B, then ×B
 * before DL4J's own ÷B: exact for a power-of-two B, and observed exact for B = 100 too), the
 * write-back into DL4J's gradient views, and that the
 * statistics pass (the recording variant asks for every field on every step) leaves DL4J's
 * state untouched.
 */
class IdentityPreconditionerTest {
    static Stream<Arguments> cases() {
        return Stream.of(
                Arguments.of("identity:klClip=0", new Sgd(0.1), 256),
                Arguments.of("identity:klClip=0", new Sgd(0.1), 100),
                Arguments.of("identity:klClip=0", new Nesterovs(0.1, 0.9), 256),
                Arguments.of("identity:klClip=0", new Adam(1e-3), 256),
                Arguments.of("recording:klClip=0,tCov=1,targets=mc_fisher", new Nesterovs(0.1, 0.9), 256),
                Arguments.of("recording:klClip=0,tCov=1,targets=exact", new Sgd(0.1), 256));
    }

    private static ListDataSetIterator<DataSet> batches(int batch) {
        // the first 7·B digits, so that every batch has B examples
        INDArray x = Dl4jFixtures.DIGITS.features().get(NDArrayIndex.interval(0, 7 * batch), NDArrayIndex.all());
        INDArray y = Dl4jFixtures.DIGITS.oneHot().get(NDArrayIndex.interval(0, 7 * batch), NDArrayIndex.all());
        List<DataSet> list = new DataSet(x, y).asList();
        return new ListDataSetIterator<>(list, batch);
    }

    @ParameterizedTest(name = "{0} with {1}, B={2}")
    @MethodSource("cases")
    void passThroughPreconditioner_trainingBitIdenticalToPlainDl4j(String spec, IUpdater updater, int batch) {
        MultiLayerNetwork plain = Dl4jFixtures.digitsMlp(7, updater.clone());
        MultiLayerNetwork attached = Dl4jFixtures.digitsMlp(7, updater.clone());
        assertThat(attached.params().toFloatVector()).isEqualTo(plain.params().toFloatVector());
        Kron4jAttachment attachment = Kron4jDl4j.builder(attached)
                .registry(StubVariants.registry(new StubVariants.Identity(), new StubVariants.Recording()))
                .spec(spec).attach();

        plain.fit(batches(batch), 2);
        attached.fit(batches(batch), 2);

        assertThat(attachment.diagnostics().appliedSteps()).isEqualTo(14);
        float[] expected = plain.params().toFloatVector();
        assertThat(expected).isNotEqualTo(Dl4jFixtures.digitsMlp(7, updater.clone()).params().toFloatVector());
        assertThat(attached.params().toFloatVector()).isEqualTo(expected);
        INDArray plainState = plain.getUpdater().getStateViewArray();
        if (plainState != null) {
            assertThat(attached.getUpdater().getStateViewArray().toFloatVector()).isEqualTo(plainState.toFloatVector());
        }
        assertThat(attached.score()).isEqualTo(plain.score());
    }
}
