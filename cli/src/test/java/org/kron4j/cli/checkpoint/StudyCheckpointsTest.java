package org.kron4j.cli.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kron4j.api.DampingInUse;
import org.kron4j.api.checkpoint.CheckpointFormatException;
import org.kron4j.api.checkpoint.StateReader;
import org.kron4j.api.checkpoint.StateWriter;
import org.kron4j.api.optim.StepDiagnostics;
import org.kron4j.cli.ablation.RunResult;
import org.kron4j.cli.engine.TrainingEngine;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Run checkpoints and run records: bit-for-bit round trips, and refusals that name the file and the problem. */
class StudyCheckpointsTest {
    @TempDir
    Path tmp;

    /** A trainer whose whole state is one array. */
    static final class ArrayTrainer implements TrainingEngine.Trainer {
        INDArray state;

        ArrayTrainer(INDArray state) {
            this.state = state;
        }

        @Override
        public boolean checkpointable() {
            return true;
        }

        @Override
        public void save(OutputStream out) {
            try (StateWriter w = new StateWriter(out)) {
                w.putArray("state", state);
            }
        }

        @Override
        public void restore(InputStream in) {
            state = StateReader.read(in).array("state", DataType.FLOAT, state.shape()).dup();
        }

        @Override
        public double step(INDArray x, INDArray y) {
            return 0;
        }

        @Override
        public double meanLoss(INDArray x, INDArray y) {
            return 0;
        }

        @Override
        public INDArray predict(INDArray x) {
            return x;
        }

        @Override
        public long factorBytes() {
            return 0;
        }

        @Override
        public long skippedSteps() {
            return 0;
        }

        @Override
        public void close() {
        }
    }

    static final RunKey KEY = new RunKey(3, "kfac", 0.01, 2);

    static RunProgress progress() {
        return new RunProgress(new double[] {2.5, 1.25, Double.NaN}, new double[] {0.1, 0.2, 0.3}, new int[] {64, 64, 128},
                List.of(new StepDiagnostics(2.5, 1e-3, Double.NaN, 0.1, 0.9), new StepDiagnostics(1.25, 9e-4, 0.8, 0.2,
                        0.5), StepDiagnostics.unknown(7e-4)), 0x1234_5678_9ABCL, 123_456_789L, 1,
                Map.of("layer0", new DampingInUse(1e-3, 2e-3, Map.of("A", 0.5, "G", 0.25))));
    }

    @Test
    void checkpoint_roundTrip_restoresHistoryAndTrainerBitForBit() {
        StudyCheckpoints checkpoints = new StudyCheckpoints(tmp, "digest-a", 5);
        INDArray saved = Nd4j.rand(DataType.FLOAT, 4, 3);
        checkpoints.save(KEY, progress(), new ArrayTrainer(saved));
        ArrayTrainer fresh = new ArrayTrainer(Nd4j.zeros(DataType.FLOAT, 4, 3));
        RunProgress read = checkpoints.resume(KEY, fresh).orElseThrow();
        assertThat(fresh.state).isEqualTo(saved);
        RunProgress expected = progress();
        assertThat(read.losses()).containsExactly(expected.losses());
        assertThat(read.seconds()).containsExactly(expected.seconds());
        assertThat(read.batchSizes()).containsExactly(expected.batchSizes());
        assertThat(read.diagnostics()).isEqualTo(expected.diagnostics());
        assertThat(read.batchState()).isEqualTo(expected.batchState());
        assertThat(read.cpuNanos()).isEqualTo(expected.cpuNanos());
        assertThat(read.skippedSteps()).isEqualTo(1);
        assertThat(read.dampingInUse()).isEqualTo(expected.dampingInUse());
        assertThat(checkpoints.resume(new RunKey(4, "sgd", 0.1, 2), fresh)).as("no checkpoint: start afresh").isEmpty();
    }

    @Test
    void checkpoint_flippedByte_isRefusedNamingTheFileAndTheChecksum() throws Exception {
        StudyCheckpoints checkpoints = new StudyCheckpoints(tmp, "digest-a", 5);
        checkpoints.save(KEY, progress(), new ArrayTrainer(Nd4j.rand(DataType.FLOAT, 4, 3)));
        Path file = tmp.resolve(StudyCheckpoints.FOLDER).resolve("run-0003.k4js");
        byte[] bytes = Files.readAllBytes(file);
        for (int at : new int[] {40, bytes.length / 2, bytes.length - 10}) {
            byte[] flipped = bytes.clone();
            flipped[at] ^= 0x10;
            Files.write(file, flipped);
            assertThatThrownBy(() -> checkpoints.resume(KEY, new ArrayTrainer(Nd4j.zeros(DataType.FLOAT, 4, 3))))
                    .as("byte %d", at).isInstanceOf(CheckpointFormatException.class)
                    .hasMessageContaining(file.toString()).hasMessageContaining("checksum mismatch")
                    .hasMessageContaining("delete it to rerun that run");
        }
        Files.write(file, java.util.Arrays.copyOf(bytes, bytes.length - 7));
        assertThatThrownBy(() -> checkpoints.resume(KEY, new ArrayTrainer(Nd4j.zeros(DataType.FLOAT, 4, 3))))
                .isInstanceOf(CheckpointFormatException.class).hasMessageContaining("truncated");
    }

    @Test
    void checkpoint_ofAnotherRunOrStudy_isRefused() throws Exception {
        StudyCheckpoints checkpoints = new StudyCheckpoints(tmp, "digest-a", 5);
        checkpoints.save(KEY, progress(), new ArrayTrainer(Nd4j.rand(DataType.FLOAT, 4, 3)));
        Path folder = tmp.resolve(StudyCheckpoints.FOLDER);
        Files.copy(folder.resolve("run-0003.k4js"), folder.resolve("run-0004.k4js"));
        RunKey other = new RunKey(4, "kfac", 0.01, 2);
        assertThatThrownBy(() -> checkpoints.resume(other, new ArrayTrainer(Nd4j.zeros(DataType.FLOAT, 4, 3))))
                .isInstanceOf(CheckpointFormatException.class).hasMessageContaining("it is the checkpoint of run 3");
        StudyCheckpoints otherStudy = new StudyCheckpoints(tmp, "digest-b", 5);
        assertThatThrownBy(() -> otherStudy.resume(KEY, new ArrayTrainer(Nd4j.zeros(DataType.FLOAT, 4, 3))))
                .isInstanceOf(CheckpointFormatException.class).hasMessageContaining("belongs to another study");
    }

    @Test
    void finishedRun_roundTripsEveryNumber_andReplacesTheCheckpoint() {
        StudyCheckpoints checkpoints = new StudyCheckpoints(tmp, "digest-a", 5);
        checkpoints.save(KEY, progress(), new ArrayTrainer(Nd4j.rand(DataType.FLOAT, 2, 2)));
        RunProgress p = progress();
        RunResult result = new RunResult(KEY.label(), KEY.seed(), KEY.learningRate(), p.losses(), p.seconds(), 2, 0.2,
                0.123456789012345, Double.NaN, 0.5, 3.25, 2.5, 667_488, 1, false, p.batchSizes(), p.diagnostics(),
                Map.of("layer0", new DampingInUse(1e-3, 2e-3, Map.of("A", 0.5, "G", 0.25))));
        checkpoints.finish(KEY, result);
        assertThat(tmp.resolve(StudyCheckpoints.FOLDER).resolve("run-0003.k4js")).doesNotExist();
        RunResult read = checkpoints.finished(KEY).orElseThrow();
        assertThat(read).usingRecursiveComparison().withComparatorForType(Double::compare, Double.class)
                .isEqualTo(result);
        assertThat(Double.doubleToRawLongBits(read.finalTrainLoss())).isEqualTo(Double.doubleToRawLongBits(0.123456789012345));
        assertThat(checkpoints.finished(new RunKey(0, "kfac", 0.01, 1))).isEmpty();
    }

    /** A field added to RunResult must be carried by run records too, or resumed studies would lose it. */
    @Test
    void runRecords_carryEveryComponentOfRunResult() {
        assertThat(java.util.Arrays.stream(RunResult.class.getRecordComponents())
                .map(java.lang.reflect.RecordComponent::getName).toList())
                .as("RunResult's components: add the new one to RunRecords (write and read) and RESULT_COMPONENTS")
                .isEqualTo(RunRecords.RESULT_COMPONENTS);
    }

    @Test
    void temporaryFilesOfAKilledWrite_areRemoved() throws Exception {
        StudyCheckpoints checkpoints = new StudyCheckpoints(tmp, "digest-a", 5);
        Path folder = Files.createDirectories(tmp.resolve(StudyCheckpoints.FOLDER));
        Path left = Files.writeString(folder.resolve(".run-0001.k4js.123.tmp"), "half");
        checkpoints.removeTemporaryFiles();
        assertThat(left).doesNotExist();
    }

    @Test
    void interval_isValidated() {
        assertThatThrownBy(() -> new StudyCheckpoints(tmp, "d", -1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("at least 0");
        assertThat(new StudyCheckpoints(tmp, "d", 0).due(50)).isFalse();
        assertThat(new StudyCheckpoints(tmp, "d", 5).due(10)).isTrue();
    }
}
