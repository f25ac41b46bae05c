package org.kron4j.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kron4j.api.Kron4j;
import org.kron4j.api.checkpoint.CheckpointFormatException;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.Loss;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.optim.StepResult;
import org.kron4j.dl4j.Kron4jAttachment;
import org.kron4j.dl4j.Kron4jDl4j;
import org.kron4j.reference.data.Dataset;
import org.kron4j.reference.data.Datasets;
import org.kron4j.reference.mlp.ReferenceMlp;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checkpoint fuzzing through files, for every variant and for the DL4J attachment (issue 16, test
 * 2), extending {@link CheckpointIntegrityTest} (K-FAC, in memory): a real checkpoint — written by
 * {@code save(Path)} after training a small model — is truncated at every byte and has a few
 * hundred seeded single-bit flips; each damaged file is refused by {@code restore(Path)} with a
 * message naming the file, the check that failed (truncation, magic, version, header checksum,
 * the checksum of which entry's length or content) and where (the byte, the entry index and key),
 * and the restoring side's state is left bit-identical. A wrong version, another model and another
 * variant are refused by name. Tribuo's adapter has no saved state to fuzz: its trainers return
 * plain Tribuo models and kron4j's optimizer lives only inside one {@code train} call.
 */
class CheckpointFuzzingTest {
    private static final Logger RESULTS = LoggerFactory.getLogger("org.kron4j.results.checkpoint");
    private static final Dataset IRIS = Datasets.iris().standardize();
    private static final int FLIPS = 300;

    private static ReferenceMlp mlp(int hidden) {
        return ReferenceMlp.builder(4, hidden, 3).hidden(Activation.TANH).loss(Loss.SOFTMAX_CROSS_ENTROPY).seed(7)
                .build();
    }

    private static int[] batchRows(int step) {
        Random rows = new Random(step);
        int[] picked = new int[32];
        for (int i = 0; i < picked.length; i++) {
            picked[i] = rows.nextInt(IRIS.size());
        }
        return picked;
    }

    /** An optimizer of the spec after 12 steps on iris (fixed mode: every variant, no oracle needed). */
    private static KroneckerOptimizer trained(String spec, ReferenceMlp mlp) {
        KroneckerOptimizer optimizer = Kron4j.optimizer(spec).model(mlp.modelSpec()).build();
        for (int t = 0; t < 12; t++) {
            int[] picked = batchRows(t);
            INDArray x = Nd4j.pullRows(IRIS.features(), 1, picked);
            INDArray y = Nd4j.pullRows(IRIS.oneHot(), 1, picked);
            try (org.nd4j.linalg.api.rng.Random sampling = Nd4j.getRandomFactory().getNewRandomInstance(t)) {
                StepResult result = optimizer.step(mlp.capture(x, y, optimizer.plan(), sampling));
                mlp.addToParameters(result.updates());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return optimizer;
    }

    /** Start offsets of the records (entries and the end record) of a v2 state. */
    private static List<Integer> recordStarts(byte[] state) {
        List<Integer> starts = new ArrayList<>();
        int offset = 12;
        while (offset < state.length) {
            starts.add(offset);
            offset += 8 + ByteBuffer.wrap(state, offset, 4).getInt() + 4;
        }
        assertThat(offset).isEqualTo(state.length);
        return starts;
    }

    /**
     * Writes every truncation and {@value #FLIPS} bit flips of {@code checkpoint} to a file, checks
     * that {@code restore} refuses each with the right message and that {@code state} is unchanged.
     */
    private static void fuzz(String what, byte[] checkpoint, Path dir, Consumer<Path> restore, Supplier<byte[]> state,
            long seed) throws IOException {
        byte[] untouched = state.get();
        Path damaged = dir.resolve("damaged.k4js");
        for (int k = 0; k < checkpoint.length; k++) {
            Files.write(damaged, Arrays.copyOf(checkpoint, k));
            assertThat(refusal(restore, damaged).getMessage()).as("%s cut at %d", what, k)
                    .isEqualTo(damaged + ": kron4j state stream is truncated at byte " + k + (k == 0 ? " (empty)" : ""));
        }
        assertThat(state.get()).as("%s: state after the truncations", what).isEqualTo(untouched);

        List<Integer> starts = recordStarts(checkpoint);
        Random random = new Random(seed);
        int[] where = new int[4];
        for (int n = 0; n < FLIPS; n++) {
            int position = n < 12 ? n : random.nextInt(checkpoint.length);
            byte[] bytes = checkpoint.clone();
            bytes[position] ^= (byte) (1 << random.nextInt(8));
            Files.write(damaged, bytes);
            String message = refusal(restore, damaged).getMessage();
            assertThat(message).startsWith(damaged + ": ");
            if (position < 4) {
                where[0]++;
                assertThat(message).endsWith("not a kron4j state stream (bad magic number at byte 0)");
            } else if (position < 8) {
                where[1]++;
                assertThat(message).contains("kron4j state format version").contains("is not supported")
                        .contains("the header at byte 4");
            } else if (position < 12) {
                where[2]++;
                assertThat(message).endsWith("header checksum mismatch (bytes 0-11): the state is corrupt");
            } else {
                where[3]++;
                int record = 0;
                while (record + 1 < starts.size() && starts.get(record + 1) <= position) {
                    record++;
                }
                int start = starts.get(record);
                int end = record + 1 < starts.size() ? starts.get(record + 1) - 1 : checkpoint.length - 1;
                if (position < start + 8) { // the length field or its checksum
                    assertThat(message).as("%s: flip at byte %d", what, position)
                            .contains("checksum mismatch in the length of entry #" + record + " at byte " + start);
                } else {
                    assertThat(message).as("%s: flip at byte %d", what, position)
                            .contains("checksum mismatch in entry #" + record + " ")
                            .contains("(bytes " + start + "-" + end + ")");
                }
            }
            if (n % 25 == 0) {
                assertThat(state.get()).as("%s: state after flip %d", what, n).isEqualTo(untouched);
            }
        }
        assertThat(state.get()).as("%s: state after the flips", what).isEqualTo(untouched);
        RESULTS.info("checkpoint fuzzing ({}): all {} truncations and {} bit flips of a {}-byte file refused (magic {}, "
                + "version {}, header {}, records {} of {})", what, checkpoint.length, FLIPS, checkpoint.length, where[0],
                where[1], where[2], where[3], starts.size());
    }

    private static CheckpointFormatException refusal(Consumer<Path> restore, Path file) {
        CheckpointFormatException refused = catchThrowableOfType(() -> restore.accept(file),
                CheckpointFormatException.class);
        assertThat(refused).as("a damaged checkpoint must be refused").isNotNull();
        return refused;
    }

    private static byte[] withVersion(byte[] checkpoint, int version) {
        byte[] state = checkpoint.clone();
        ByteBuffer.wrap(state).putInt(4, version);
        return state;
    }

    @ParameterizedTest
    @ValueSource(strings = {"kfac:damping=0.1,tCov=1,tInv=3,learningRate=0.3,momentum=0.5,adaptiveStep=false,adaptiveDamping=false",
            "ekfac:damping=0.1,tCov=1,tInv=3,learningRate=0.3,adaptiveStep=false,adaptiveDamping=false",
            "kfra:damping=0.1,tCov=1,tInv=3,learningRate=0.3,adaptiveStep=false,adaptiveDamping=false",
            "shampoo:tInv=3,learningRate=0.05,startPreconditioningStep=0"})
    void savedFile_everyTruncationAndBitFlip_refusedNamingWhere_stateUnchanged(String spec, @TempDir Path dir)
            throws IOException {
        Path file = dir.resolve("optimizer.k4js");
        trained(spec, mlp(8)).save(file);
        byte[] checkpoint = Files.readAllBytes(file);
        KroneckerOptimizer target = Kron4j.optimizer(spec).model(mlp(8).modelSpec()).build();
        String variant = spec.substring(0, spec.indexOf(':'));
        fuzz(variant, checkpoint, dir, target::restore, target::stateBytes, variant.hashCode());

        // wrong version, another model, another variant: refused by name, nothing loaded
        byte[] untouched = target.stateBytes();
        Path other = dir.resolve("other.k4js");
        Files.write(other, withVersion(checkpoint, 3));
        assertThat(refusal(target::restore, other).getMessage())
                .startsWith(other + ": kron4j state format version 3 is not supported");
        KroneckerOptimizer smaller = Kron4j.optimizer(spec).model(mlp(6).modelSpec()).build();
        assertThat(refusal(smaller::restore, file).getMessage()).startsWith(file + ": the checkpoint is for another model");
        String otherVariant = variant.equals("shampoo") ? "kfac" : "shampoo";
        KroneckerOptimizer foreign = Kron4j.optimizer(otherVariant).model(mlp(8).modelSpec()).build();
        assertThat(refusal(foreign::restore, file).getMessage())
                .isEqualTo(file + ": the checkpoint is for variant '" + variant + "', not '" + otherVariant + "'");
        assertThat(target.stateBytes()).isEqualTo(untouched);

        // the whole file still loads, into exactly the saved state
        target.restore(file);
        assertThat(target.stateBytes()).isEqualTo(checkpoint);
    }

    /** A 4-6-3 DL4J MLP for iris (float), small so that every truncation of its state is cheap. */
    private static MultiLayerNetwork irisDl4j(int hidden) {
        MultiLayerNetwork network = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(3)
                .updater(new Nesterovs(0.3, 0.5)).weightInit(WeightInit.XAVIER_UNIFORM).dataType(DataType.FLOAT).list()
                .layer(new DenseLayer.Builder().nIn(4).nOut(hidden).activation(org.nd4j.linalg.activations.Activation.TANH)
                        .build())
                .layer(new OutputLayer.Builder(new LossMCXENT()).nIn(hidden).nOut(3)
                        .activation(org.nd4j.linalg.activations.Activation.SOFTMAX).build())
                .build());
        network.init();
        return network;
    }

    @Test
    void dl4jAttachmentState_everyTruncationAndBitFlip_refused_andAnotherNetworkRefused(@TempDir Path dir)
            throws IOException {
        String spec = "kfac:damping=0.1,tCov=1,tInv=3,klClip=0,adaptiveStep=false,adaptiveDamping=false"; // MC Fisher
        MultiLayerNetwork network = irisDl4j(6);
        Kron4jAttachment attachment = Kron4jDl4j.attach(network, spec);
        for (int t = 0; t < 8; t++) {
            int[] picked = batchRows(t);
            network.fit(new DataSet(Nd4j.pullRows(IRIS.features(), 1, picked).castTo(DataType.FLOAT),
                    Nd4j.pullRows(IRIS.oneHot(), 1, picked).castTo(DataType.FLOAT)));
        }
        Path file = dir.resolve("attachment.k4js");
        attachment.save(file);
        byte[] checkpoint = Files.readAllBytes(file);

        Kron4jAttachment target = Kron4jDl4j.attach(irisDl4j(6), spec);
        fuzz("dl4j attachment", checkpoint, dir, target::restore, target.optimizer()::stateBytes, 16);

        Kron4jAttachment wider = Kron4jDl4j.attach(irisDl4j(7), spec);
        assertThat(refusal(wider::restore, file).getMessage()).startsWith(file + ": the checkpoint is for another model");
        Path other = dir.resolve("other.k4js");
        Files.write(other, withVersion(checkpoint, 3));
        assertThat(refusal(target::restore, other).getMessage())
                .startsWith(other + ": kron4j state format version 3 is not supported");

        target.restore(file);
        assertThat(target.optimizer().stateBytes()).isEqualTo(attachment.optimizer().stateBytes());
    }
}
