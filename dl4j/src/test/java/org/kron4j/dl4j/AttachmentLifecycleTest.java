package org.kron4j.dl4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.Pointer;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.listeners.CollectScoresListener;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.kron4j.api.optim.OptimizerSettings;
import org.kron4j.api.settings.OptimizerConfig;
import org.junit.jupiter.api.io.TempDir;
import org.kron4j.api.CurvatureBlock;
import org.kron4j.api.store.SymmetricFactor;
import org.kron4j.core.KfacBlock;
import org.nd4j.evaluation.classification.Evaluation;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.schedule.ExponentialSchedule;
import org.nd4j.linalg.schedule.ScheduleType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The attachment inside DL4J's own machinery: {@code fit(DataSetIterator)} with other listeners,
 * evaluation, {@code ModelSerializer}, checkpoint and resume, detaching, learning-rate schedules,
 * and memory over a long run.
 */
class AttachmentLifecycleTest {
    private static final Logger RESULTS = LoggerFactory.getLogger("org.kron4j.results.dl4j");
    private static final String KFAC = "kfac:damping=0.1,tCov=1,tInv=3,klClip=0,adaptiveStep=false,adaptiveDamping=false";

    private static float[] flat(INDArray a) {
        return a.dup('c').reshape(a.length()).toFloatVector();
    }

    private static ListDataSetIterator<DataSet> digitsBatches(int batch) {
        List<DataSet> rows = new DataSet(Dl4jFixtures.DIGITS.features(), Dl4jFixtures.DIGITS.oneHot()).asList();
        java.util.Collections.shuffle(rows, new java.util.Random(3));
        return new ListDataSetIterator<>(rows, batch);
    }

    /** A fixed batch sequence: batch t is rows [64t, 64t + 64) of digits. */
    private static DataSet batch(int t) {
        INDArray x = Dl4jFixtures.DIGITS.features();
        INDArray y = Dl4jFixtures.DIGITS.oneHot();
        int from = (t * 64) % 1728;
        return new DataSet(x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, from + 64),
                org.nd4j.linalg.indexing.NDArrayIndex.all()),
                y.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, from + 64),
                        org.nd4j.linalg.indexing.NDArrayIndex.all()));
    }

    @Test
    void fitIterator_listenersEvaluationAndModelSerializerKeepWorking(@TempDir Path dir) throws IOException {
        MultiLayerNetwork network = Dl4jFixtures.digitsMlp(1, new Nesterovs(0.5, 0.5));
        Kron4jAttachment attachment = Kron4jDl4j.attach(network, KFAC);
        CollectScoresListener scores = new CollectScoresListener(1, false);
        network.addListeners(scores);

        network.fit(digitsBatches(256), 4); // 8 batches per epoch (the last of 5 examples)

        assertThat(attachment.isAttached()).isTrue();
        assertThat(attachment.diagnostics().appliedSteps()).isEqualTo(32);
        assertThat(scores.getListScore().size()).isEqualTo(32);
        Evaluation evaluation = network.evaluate(digitsBatches(512));
        assertThat(evaluation.accuracy()).isGreaterThan(0.95);

        File file = dir.resolve("digits.zip").toFile();
        ModelSerializer.writeModel(network, file, true);
        MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(file, true);
        assertThat(flat(restored.params())).isEqualTo(flat(network.params()));
        assertThat(flat(restored.getUpdater().getStateViewArray())).isEqualTo(
                flat(network.getUpdater().getStateViewArray()));
        assertThat(restored.getListeners()).isEmpty(); // kron4j is not part of the DL4J model file
        assertThat(restored.evaluate(digitsBatches(512)).accuracy()).isEqualTo(evaluation.accuracy());
    }

    @Test
    void dl4jModelAndKron4jStateSaved_resumedTrainingBitIdentical() throws IOException {
        String spec = "kfac:damping=0.1,tCov=1,tInv=2,klClip=0,targets=empirical,adaptiveStep=false,adaptiveDamping=false"; // no sampling: no RNG state
        MultiLayerNetwork network = Dl4jFixtures.digitsMlp(2, new Nesterovs(0.3, 0.5));
        Kron4jAttachment attachment = Kron4jDl4j.attach(network, spec);
        for (int t = 0; t < 5; t++) {
            network.fit(batch(t));
        }
        ByteArrayOutputStream model = new ByteArrayOutputStream();
        ModelSerializer.writeModel(network, model, true);
        byte[] optimizerState = attachment.optimizer().stateBytes();

        MultiLayerNetwork resumed = ModelSerializer.restoreMultiLayerNetwork(
                new ByteArrayInputStream(model.toByteArray()), true);
        Kron4jAttachment resumedAttachment = Kron4jDl4j.attach(resumed, spec);
        resumedAttachment.optimizer().restore(new ByteArrayInputStream(optimizerState));
        assertThat(resumedAttachment.optimizer().steps()).isEqualTo(5);

        for (int t = 5; t < 9; t++) { // steps 6 and 8 refresh the decompositions from restored statistics
            network.fit(batch(t));
            resumed.fit(batch(t));
        }
        assertThat(flat(resumed.params())).isEqualTo(flat(network.params()));
        assertThat(resumedAttachment.optimizer().stateBytes()).isEqualTo(attachment.optimizer().stateBytes());
    }

    @Test
    void attachTypedConfig_trainsBitIdenticallyToItsSpecString() {
        String spec = "kfac:damping=0.1,tCov=1,tInv=2,klClip=0,targets=empirical,adaptiveStep=false,adaptiveDamping=false";
        OptimizerConfig config = OptimizerConfig.parse(spec);
        MultiLayerNetwork fromSpec = Dl4jFixtures.digitsMlp(4, new Nesterovs(0.3, 0.5));
        MultiLayerNetwork fromConfig = Dl4jFixtures.digitsMlp(4, new Nesterovs(0.3, 0.5));
        Kron4jAttachment a = Kron4jDl4j.attach(fromSpec, spec);
        Kron4jAttachment b = Kron4jDl4j.attach(fromConfig, config);
        for (int t = 0; t < 4; t++) {
            fromSpec.fit(batch(t));
            fromConfig.fit(batch(t));
        }
        assertThat(flat(fromConfig.params())).isEqualTo(flat(fromSpec.params()));
        assertThat(b.optimizer().config()).isEqualTo(a.optimizer().config());
        assertThatThrownBy(() -> Kron4jDl4j.attach(Dl4jFixtures.digitsMlp(4, new Nesterovs(0.3, 0.5)),
                config.with(OptimizerSettings.MOMENTUM, 0.5)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("momentum is DL4J's");
    }

    @Test
    void detach_laterStepsArePlainDl4j() {
        MultiLayerNetwork network = Dl4jFixtures.digitsMlp(3, new Sgd(0.2));
        Kron4jAttachment attachment = Kron4jDl4j.attach(network, KFAC);
        CollectScoresListener scores = new CollectScoresListener(1, false);
        network.addListeners(scores);
        network.fit(batch(0));
        attachment.detach();
        attachment.detach(); // idempotent

        assertThat(attachment.isAttached()).isFalse();
        assertThat(network.getListeners()).containsExactly(scores);
        MultiLayerNetwork twin = network.clone();
        network.fit(batch(1));
        twin.fit(batch(1));
        assertThat(flat(network.params())).isEqualTo(flat(twin.params()));
        assertThat(attachment.diagnostics().appliedSteps()).isEqualTo(1);
    }

    @Test
    void diagnostics_showTheDampingEachBlockApplies() {
        MultiLayerNetwork network = Dl4jFixtures.digitsMlp(3, new Sgd(0.2));
        Kron4jAttachment attachment = Kron4jDl4j.attach(network, KFAC);
        assertThat(attachment.diagnostics().dampingInUse()).isEmpty();
        network.fit(batch(0));

        Dl4jDiagnostics diagnostics = attachment.diagnostics();
        assertThat(diagnostics.dampingInUse()).hasSize(attachment.optimizer().estimator().blocks().size());
        assertThat(diagnostics.dampingRaised()).isFalse();
        // factored damping: π√λ · √λ/π, two roundings away from λ = 0.1
        assertThat(diagnostics.dampingInUse().values()).allSatisfy(used -> {
            assertThat(used.requested()).isEqualTo(0.1);
            assertThat(used.applied()).isCloseTo(0.1, org.assertj.core.data.Offset.offset(1e-15));
        });
    }

    @Test
    void dl4jLearningRateSchedule_isTheKlClipsLearningRate() {
        ExponentialSchedule schedule = new ExponentialSchedule(ScheduleType.ITERATION, 0.2, 0.9);
        MultiLayerNetwork network = Dl4jFixtures.digitsMlp(4, new Sgd(schedule));
        Kron4jAttachment attachment = Kron4jDl4j.attach(network, "kfac:damping=0.1,tCov=1,tInv=3,adaptiveStep=false,adaptiveDamping=false");
        for (int t = 0; t < 4; t++) {
            network.fit(batch(t));
            // the step of iteration t used DL4J's rate at t
            assertThat(attachment.optimizer().learningRate()).isEqualTo(schedule.valueAt(t, 0));
        }
        assertThat(attachment.diagnostics().lastKlScale()).isBetween(0.0, 1.0);
    }

    @Test
    void nonFiniteBatch_stepSkippedGradientZeroedStateUnchanged() {
        MultiLayerNetwork network = Dl4jFixtures.digitsMlp(6, new Sgd(0.2));
        Kron4jAttachment attachment = Kron4jDl4j.attach(network, KFAC);
        network.fit(batch(0));
        byte[] state = attachment.optimizer().stateBytes();
        float[] parameters = flat(network.params());
        DataSet poisoned = batch(1).copy();
        poisoned.getFeatures().putScalar(3, 5, Float.NaN);

        network.fit(poisoned);

        assertThat(attachment.diagnostics().skippedSteps()).isEqualTo(1);
        assertThat(attachment.diagnostics().lastSkipReason()).contains("NaN");
        assertThat(attachment.optimizer().stateBytes()).isEqualTo(state);
        assertThat(flat(network.params())).isEqualTo(parameters); // Sgd on a zeroed gradient: no change
        network.fit(batch(2));
        assertThat(attachment.diagnostics().appliedSteps()).isEqualTo(2);
        assertThat(java.util.Arrays.equals(flat(network.params()), parameters)).isFalse();
    }

    /**
     * A long run keeps its memory flat: the factor store's size and the optimizer's checkpoint
     * size never change after the first step; none of kron4j's factors lives in a workspace; and
     * DL4J's workspaces do not grow once warmed up. JVM heap and off-heap totals are noisy (GC,
     * allocator caches), so they are logged, not asserted.
     */
    @Test
    void longRun_memoryStaysFlat() {
        MultiLayerNetwork network = Dl4jFixtures.digitsMlp(5, new Nesterovs(0.3, 0.5));
        Kron4jAttachment attachment = Kron4jDl4j.attach(network, "kfac:damping=0.1,tCov=1,tInv=5,klClip=0,adaptiveStep=false,adaptiveDamping=false");
        network.fit(batch(0));
        long storeBytes = attachment.diagnostics().storeBytes();
        int stateBytes = attachment.optimizer().stateBytes().length;
        List<String> workspacesAt50 = new ArrayList<>();
        long[] offHeap = new long[3];
        for (int t = 1; t <= 250; t++) {
            network.fit(batch(t));
            if (t == 50 || t == 250) {
                List<String> sizes = new ArrayList<>();
                for (MemoryWorkspace ws : Nd4j.getWorkspaceManager().getAllWorkspacesForCurrentThread()) {
                    sizes.add(ws.getId() + "=" + ws.getCurrentSize());
                }
                System.gc();
                offHeap[t == 50 ? 0 : 1] = Pointer.physicalBytes();
                RESULTS.info("memory after {} steps: workspaces {}, store {} B, heap used {} MB, physical {} MB, "
                        + "javacpp tracked {} MB", t, sizes, attachment.diagnostics().storeBytes(),
                        (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) >> 20,
                        Pointer.physicalBytes() >> 20, Pointer.totalBytes() >> 20);
                if (t == 50) {
                    workspacesAt50.addAll(sizes);
                } else {
                    assertThat(sizes).isEqualTo(workspacesAt50);
                }
            }
            assertThat(attachment.diagnostics().storeBytes()).isEqualTo(storeBytes);
        }
        assertThat(attachment.optimizer().stateBytes()).hasSize(stateBytes);
        assertThat(attachment.diagnostics().skippedSteps()).isZero();
        for (CurvatureBlock block : attachment.optimizer().estimator().blocks()) {
            KfacBlock kfac = (KfacBlock) block;
            for (SymmetricFactor factor : List.of(kfac.factors().input(), kfac.factors().output())) {
                assertThat(factor.average().isAttached()).isFalse();
                assertThat(factor.inverse()).hasValueSatisfying(inverse -> assertThat(inverse.isAttached()).isFalse());
            }
        }
    }
}
