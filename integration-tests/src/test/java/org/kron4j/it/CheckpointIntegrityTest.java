package org.kron4j.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.ByteArrayInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kron4j.api.Kron4j;
import org.kron4j.api.checkpoint.AtomicFiles;
import org.kron4j.api.checkpoint.CheckpointFormatException;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.Loss;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.optim.StepResult;
import org.kron4j.reference.data.Dataset;
import org.kron4j.reference.data.Datasets;
import org.kron4j.reference.mlp.ReferenceMlp;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The K4JS state of a real optimizer (K-FAC with momentum, 12 steps on a 4-8-3 iris MLP) under
 * damage: every truncation point, random bit flips, a wrong version, the wrong model or variant,
 * and writes that crash part-way. Each must be refused with a message that says which problem
 * and where, and a refused restore must leave the restoring optimizer as it was.
 */
class CheckpointIntegrityTest {
    private static final Logger RESULTS = LoggerFactory.getLogger("org.kron4j.results.checkpoint");
    private static final Dataset IRIS = Datasets.iris().standardize();
    private static final String SPEC = "kfac:damping=0.1,tCov=1,tInv=3,learningRate=0.3,momentum=0.5";
    private static byte[] checkpoint;

    private static ReferenceMlp mlp(int hidden) {
        return ReferenceMlp.builder(4, hidden, 3).hidden(Activation.TANH).loss(Loss.SOFTMAX_CROSS_ENTROPY).seed(7)
                .build();
    }

    private static KroneckerOptimizer optimizer(String spec, ReferenceMlp mlp) {
        return Kron4j.optimizer(spec).model(mlp.modelSpec()).build();
    }

    private static void train(ReferenceMlp mlp, KroneckerOptimizer optimizer, int steps) {
        for (int t = 0; t < steps; t++) {
            Random rows = new Random(t);
            int[] picked = new int[32];
            for (int i = 0; i < picked.length; i++) {
                picked[i] = rows.nextInt(IRIS.size());
            }
            INDArray x = Nd4j.pullRows(IRIS.features(), 1, picked);
            INDArray y = Nd4j.pullRows(IRIS.oneHot(), 1, picked);
            try (org.nd4j.linalg.api.rng.Random sampling = Nd4j.getRandomFactory().getNewRandomInstance(t)) {
                StepResult result = optimizer.step(mlp.capture(x, y, optimizer.plan(), sampling));
                mlp.addToParameters(result.updates());
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }

    @BeforeAll
    static void realCheckpoint() {
        ReferenceMlp mlp = mlp(8);
        KroneckerOptimizer optimizer = optimizer(SPEC, mlp);
        train(mlp, optimizer, 12);
        checkpoint = optimizer.stateBytes();
    }

    /** Start offsets of the records (entries and the end record) of a v2 state, and the length. */
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

    private static CheckpointFormatException refusal(KroneckerOptimizer target, byte[] state) {
        CheckpointFormatException refused = catchThrowableOfType(
                () -> target.restore(new ByteArrayInputStream(state)), CheckpointFormatException.class);
        assertThat(refused).as("a damaged state must be refused").isNotNull();
        return refused;
    }

    @Test
    void everyTruncation_refusedNamingTheByte() {
        KroneckerOptimizer target = optimizer(SPEC, mlp(8));
        byte[] untouched = target.stateBytes();
        for (int k = 0; k < checkpoint.length; k++) {
            assertThat(refusal(target, Arrays.copyOf(checkpoint, k)).getMessage())
                    .isEqualTo("kron4j state stream is truncated at byte " + k + (k == 0 ? " (empty)" : ""));
        }
        assertThat(target.stateBytes()).isEqualTo(untouched);
        target.restore(new ByteArrayInputStream(checkpoint)); // the whole one still loads
        assertThat(target.stateBytes()).isEqualTo(checkpoint);
        RESULTS.info("checkpoint fuzzing: all {} truncations of a {}-byte K-FAC checkpoint refused", checkpoint.length,
                checkpoint.length);
    }

    @Test
    void randomBitFlips_refusedNamingTheEntry() {
        KroneckerOptimizer target = optimizer(SPEC, mlp(8));
        byte[] untouched = target.stateBytes();
        List<Integer> starts = recordStarts(checkpoint);
        Random random = new Random(42);
        int flips = 400;
        int[] where = new int[4]; // magic, version, header checksum, records
        for (int n = 0; n < flips; n++) {
            int position = n < 12 ? n : random.nextInt(checkpoint.length); // the header's bytes once each, then random
            byte[] damaged = checkpoint.clone();
            damaged[position] ^= (byte) (1 << random.nextInt(8));
            String message = refusal(target, damaged).getMessage();
            if (position < 4) {
                where[0]++;
                assertThat(message).contains("bad magic number");
            } else if (position < 8) {
                where[1]++;
                assertThat(message).contains("version").contains("is not supported");
            } else if (position < 12) {
                where[2]++;
                assertThat(message).contains("header checksum mismatch");
            } else {
                where[3]++;
                int record = 0;
                while (record + 1 < starts.size() && starts.get(record + 1) <= position) {
                    record++;
                }
                assertThat(message).as("flip at byte %d (record #%d)", position, record)
                        .contains("checksum mismatch").contains("entry #" + record + " ");
            }
        }
        assertThat(target.stateBytes()).isEqualTo(untouched);
        RESULTS.info("checkpoint fuzzing: all {} single-bit flips refused (magic {}, version {}, header checksum {}, "
                + "records {}; {} records)", flips, where[0], where[1], where[2], where[3], starts.size());
    }

    @Test
    void otherVersion_refused() {
        byte[] state = checkpoint.clone();
        ByteBuffer.wrap(state).putInt(4, 3);
        assertThat(refusal(optimizer(SPEC, mlp(8)), state).getMessage())
                .startsWith("kron4j state format version 3 is not supported");
    }

    @Test
    void otherModelOrVariant_refused() {
        assertThat(refusal(optimizer(SPEC, mlp(6)), checkpoint).getMessage())
                .startsWith("the checkpoint is for another model");
        assertThat(refusal(optimizer("ekfac:damping=0.1", mlp(8)), checkpoint).getMessage())
                .isEqualTo("the checkpoint is for variant 'kfac', not 'ekfac'");
    }

    /** Passes bytes through until {@code limit} have been written, then fails like a crash would. */
    private static final class CrashingStream extends FilterOutputStream {
        private final long limit;
        private long written;

        CrashingStream(OutputStream out, long limit) {
            super(out);
            this.limit = limit;
        }

        @Override
        public void write(int b) throws IOException {
            if (written >= limit) {
                throw new IOException("simulated crash at byte " + limit);
            }
            out.write(b);
            written++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            for (int i = 0; i < len; i++) {
                write(b[off + i]);
            }
        }
    }

    @Test
    void crashDuringWrite_leavesThePreviousCheckpoint_neverAWrongState(@TempDir Path dir) throws IOException {
        ReferenceMlp mlp = mlp(8);
        KroneckerOptimizer optimizer = optimizer(SPEC, mlp);
        train(mlp, optimizer, 5);
        Path file = dir.resolve("optimizer.k4js");
        optimizer.save(file);
        byte[] previous = Files.readAllBytes(file);
        train(mlp, optimizer, 3);
        byte[] current = optimizer.stateBytes();
        assertThat(current).isNotEqualTo(previous);

        Random random = new Random(3);
        for (int trial = 0; trial < 60; trial++) {
            long k = trial == 0 ? 0 : trial == 1 ? current.length - 1 : random.nextInt(current.length);
            assertThatThrownBy(() -> AtomicFiles.write(file, out -> optimizer.save(new CrashingStream(out, k))))
                    .hasMessageContaining("left as it was");
            assertThat(Files.readAllBytes(file)).as("crash at byte %d", k).isEqualTo(previous);
            try (Stream<Path> files = Files.list(dir)) {
                assertThat(files).as("no temporary file left").containsExactly(file);
            }
            KroneckerOptimizer restored = optimizer(SPEC, mlp(8));
            restored.restore(file);
            assertThat(restored.stateBytes()).isEqualTo(previous);

            // without the atomic helper, the same crash leaves a prefix, which is refused
            Path direct = dir.resolve("direct.k4js");
            try (OutputStream out = Files.newOutputStream(direct)) {
                optimizer.save(new CrashingStream(out, k));
            } catch (RuntimeException expected) {
                // the crash
            }
            assertThatThrownBy(() -> optimizer(SPEC, mlp(8)).restore(direct))
                    .isInstanceOf(CheckpointFormatException.class)
                    .hasMessage(direct + ": kron4j state stream is truncated at byte " + k + (k == 0 ? " (empty)" : ""));
            Files.delete(direct);
        }
        optimizer.save(file);
        assertThat(Files.readAllBytes(file)).isEqualTo(current);
    }
}
