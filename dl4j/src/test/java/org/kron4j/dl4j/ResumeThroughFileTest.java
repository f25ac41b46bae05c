package org.kron4j.dl4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kron4j.api.checkpoint.AtomicFiles;
import org.kron4j.api.checkpoint.CheckpointFormatException;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Save and restore in the middle of a run with the default Monte-Carlo Fisher targets, through
 * files: the DL4J model file (network and DL4J's updater) and kron4j's state file (optimizer and
 * the sampling generator's position). The resumed run must match the uninterrupted one bit for
 * bit over 24 further steps, several of them refreshes.
 */
class ResumeThroughFileTest {
    private static final Logger RESULTS = LoggerFactory.getLogger("org.kron4j.results.dl4j");
    private static final int BEFORE = 7;
    private static final int AFTER = 24;

    private static float[] flat(INDArray a) {
        return a.dup('c').reshape(a.length()).toFloatVector();
    }

    /** Batch t: rows [64t, 64t + 64) of digits, cycling. */
    private static DataSet batch(int t) {
        int from = (t * 64) % 1728;
        return new DataSet(Dl4jFixtures.DIGITS.features().get(NDArrayIndex.interval(from, from + 64), NDArrayIndex.all()),
                Dl4jFixtures.DIGITS.oneHot().get(NDArrayIndex.interval(from, from + 64), NDArrayIndex.all()));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"kfac:damping=0.1,tCov=1,tInv=3,klClip=0,adaptiveStep=false,adaptiveDamping=false", "ekfac:damping=0.15,tCov=1,tInv=3,klClip=0,adaptiveStep=false,adaptiveDamping=false"})
    void mcFisher_restoredFromFilesMidRun_continuesBitForBit(String spec, @TempDir Path dir) throws IOException {
        MultiLayerNetwork network = Dl4jFixtures.digitsMlp(2, new Nesterovs(0.3, 0.5));
        Kron4jAttachment attachment = Kron4jDl4j.attach(network, spec);
        assertThat(attachment.optimizer().plan().targets().name()).isEqualTo("MC_FISHER");
        for (int t = 0; t < BEFORE; t++) {
            network.fit(batch(t));
        }
        Path modelFile = dir.resolve("network.zip");
        Path stateFile = dir.resolve("kron4j.k4js");
        AtomicFiles.write(modelFile, out -> ModelSerializer.writeModel(network, out, true));
        long start = System.nanoTime();
        attachment.save(stateFile);
        long saveNanos = System.nanoTime() - start;
        byte[] optimizerOnly = attachment.optimizer().stateBytes();

        for (int t = BEFORE; t < BEFORE + AFTER; t++) {
            network.fit(batch(t));
        }

        MultiLayerNetwork resumed = ModelSerializer.restoreMultiLayerNetwork(modelFile.toFile(), true);
        Kron4jAttachment resumedAttachment = Kron4jDl4j.attach(resumed, spec);
        resumedAttachment.restore(stateFile);
        assertThat(resumedAttachment.optimizer().steps()).isEqualTo(BEFORE);
        for (int t = BEFORE; t < BEFORE + AFTER; t++) {
            resumed.fit(batch(t));
        }
        assertThat(flat(resumed.params())).isEqualTo(flat(network.params()));
        assertThat(resumedAttachment.optimizer().stateBytes()).isEqualTo(attachment.optimizer().stateBytes());
        assertThat(resumedAttachment.diagnostics().skippedSteps()).isZero();

        // restoring the optimizer alone (the generator starts over from the seed) does not continue the run
        MultiLayerNetwork partial = ModelSerializer.restoreMultiLayerNetwork(modelFile.toFile(), true);
        Kron4jAttachment partialAttachment = Kron4jDl4j.attach(partial, spec);
        partialAttachment.optimizer().restore(new ByteArrayInputStream(optimizerOnly));
        for (int t = BEFORE; t < BEFORE + AFTER; t++) {
            partial.fit(batch(t));
        }
        assertThat(flat(partial.params())).isNotEqualTo(flat(network.params()));
        RESULTS.info("{}: resumed from files after {} steps, {} further steps bit-identical; kron4j state {} bytes, "
                + "saved in {} ms", spec, BEFORE, AFTER, Files.size(stateFile), saveNanos / 1e6);
    }

    @Test
    void optimizerOnlyStateOrDamagedFile_refusedAndNothingChanges(@TempDir Path dir) throws IOException {
        String spec = "kfac:damping=0.1,tCov=1,tInv=3,klClip=0,adaptiveStep=false,adaptiveDamping=false";
        MultiLayerNetwork network = Dl4jFixtures.digitsMlp(2, new Nesterovs(0.3, 0.5));
        Kron4jAttachment attachment = Kron4jDl4j.attach(network, spec);
        for (int t = 0; t < 3; t++) {
            network.fit(batch(t));
        }
        Kron4jAttachment other = Kron4jDl4j.attach(Dl4jFixtures.digitsMlp(2, new Nesterovs(0.3, 0.5)), spec);
        byte[] untouched = other.optimizer().stateBytes();
        assertThatThrownBy(() -> other.restore(new ByteArrayInputStream(attachment.optimizer().stateBytes())))
                .isInstanceOf(CheckpointFormatException.class).hasMessageContaining("no sampling generator");
        assertThat(other.optimizer().stateBytes()).isEqualTo(untouched);

        Path file = dir.resolve("kron4j.k4js");
        attachment.save(file);
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 0x10;
        Files.write(file, bytes);
        assertThatThrownBy(() -> other.restore(file)).isInstanceOf(CheckpointFormatException.class)
                .hasMessageStartingWith(file + ": checksum mismatch in entry #");
        assertThat(other.optimizer().stateBytes()).isEqualTo(untouched);
    }
}
