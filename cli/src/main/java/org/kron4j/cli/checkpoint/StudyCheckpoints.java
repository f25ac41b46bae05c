package org.kron4j.cli.checkpoint;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import org.kron4j.api.checkpoint.AtomicFiles;
import org.kron4j.api.checkpoint.CheckpointFormatException;
import org.kron4j.api.checkpoint.StateReader;
import org.kron4j.api.checkpoint.StateWriter;
import org.kron4j.cli.ablation.RunResult;
import org.kron4j.cli.engine.TrainingEngine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checkpoints of one ablation study, in the {@value #FOLDER} folder of its partial results
 * folder. Per run (by its index in the study's run order):
 * <ul>
 *   <li>{@code run-NNNN.k4js}, the run's last checkpoint: a K4JS state naming the study (the
 *       digest of its config.json) and the run, with the run's history so far ({@link RunProgress}),
 *       followed by the trainer's own K4JS states ({@link TrainingEngine.Trainer#save}); rewritten
 *       every {@link #every()} steps and when a stop is requested;</li>
 *   <li>{@code run-NNNN.done.k4js}, the finished run's results ({@link RunResult}, every number bit
 *       for bit); once it exists the run is skipped by a resume and its checkpoint is removed.</li>
 * </ul>
 * Every file is written with {@link AtomicFiles} (temporary file, forced to disk, renamed), so a
 * kill at any moment leaves the previous checkpoint or the new one, whole; every byte is covered by
 * the format's checksums and a file of another study or run is refused. The temporary file of a
 * write that was killed is removed by {@link #removeTemporaryFiles()}.
 */
public final class StudyCheckpoints {
    /** The checkpoints' folder inside a partial results folder. */
    public static final String FOLDER = "checkpoints";
    /** Default of {@code --checkpoint-every}. */
    public static final int DEFAULT_EVERY = 50;
    private static final Logger LOG = LoggerFactory.getLogger(StudyCheckpoints.class);
    private static final String PROGRESS_KIND = "kron4j-ablate-run-checkpoint";
    private static final String RESULT_KIND = "kron4j-ablate-run-result";

    private final Path folder;
    private final String study;
    private final int every;

    /**
     * @param partial       the study's partial results folder
     * @param studyDigest   {@link #digest} of the study's config.json
     * @param every         steps between checkpoints of a run (0: only when stopping and at its end)
     */
    public StudyCheckpoints(Path partial, String studyDigest, int every) {
        if (every < 0) {
            throw new IllegalArgumentException("checkpoint interval must be at least 0, got " + every);
        }
        this.folder = partial.resolve(FOLDER);
        this.study = studyDigest;
        this.every = every;
    }

    /** The SHA-256 of a study's config.json text, which names the study in its checkpoints. */
    public static String digest(String configJson) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(configJson.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Steps between checkpoints of a run; 0 when runs are checkpointed only on a stop and at their end. */
    public int every() {
        return every;
    }

    /** Whether a run that has taken {@code steps} steps writes a checkpoint now (stops aside). */
    public boolean due(int steps) {
        return every > 0 && steps % every == 0;
    }

    /**
     * The results of a run that finished before, if it did.
     *
     * @throws CheckpointFormatException naming the file when it exists but is damaged or another run's
     */
    public Optional<RunResult> finished(RunKey key) {
        Path file = folder.resolve(key.stem() + ".done.k4js");
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try (InputStream in = open(file)) {
            StateReader reader = StateReader.read(in);
            check(reader, RESULT_KIND, key, file);
            return Optional.of(RunRecords.readResult(reader, key));
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + file + " failed", e);
        } catch (CheckpointFormatException e) {
            throw damaged(file, e);
        }
    }

    /** Records a finished run (then its checkpoint is no longer needed and removed). */
    public void finish(RunKey key, RunResult result) {
        AtomicFiles.write(folder.resolve(key.stem() + ".done.k4js"), out -> {
            try (StateWriter writer = new StateWriter(out)) {
                header(writer, RESULT_KIND, key);
                RunRecords.writeResult(writer, result);
            }
        });
        try {
            Files.deleteIfExists(progressFile(key));
        } catch (IOException e) {
            LOG.warn("could not remove the checkpoint of finished {}", key.describe(), e);
        }
    }

    /**
     * Restores a run's last checkpoint into a trainer just created for it, if there is one.
     *
     * @return the run's history up to the checkpoint, or empty when the run has none (start it afresh)
     * @throws CheckpointFormatException naming the file when it is damaged, another study's or another run's
     */
    public Optional<RunProgress> resume(RunKey key, TrainingEngine.Trainer trainer) {
        Path file = progressFile(key);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try (InputStream in = open(file)) {
            StateReader reader = StateReader.read(in);
            check(reader, PROGRESS_KIND, key, file);
            RunProgress progress = RunRecords.readProgress(reader);
            trainer.restore(in);
            if (in.read() != -1) {
                throw new CheckpointFormatException("bytes follow the trainer's state: the file is not one checkpoint");
            }
            LOG.info("{}: resumed from its checkpoint at step {}", key.describe(), progress.steps());
            return Optional.of(progress);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + file + " failed", e);
        } catch (CheckpointFormatException e) {
            throw damaged(file, e);
        }
    }

    /** Writes a run's checkpoint: its history and the trainer's whole state, atomically. */
    public void save(RunKey key, RunProgress progress, TrainingEngine.Trainer trainer) {
        long start = System.nanoTime();
        Path file = progressFile(key);
        AtomicFiles.write(file, out -> {
            try (StateWriter writer = new StateWriter(out)) {
                header(writer, PROGRESS_KIND, key);
                RunRecords.writeProgress(writer, progress);
            }
            out.flush();
            TestPause.at("checkpoint", key.index(), progress.steps(), () -> false);
            trainer.save(out);
        });
        if (LOG.isInfoEnabled()) {
            LOG.info("{}: checkpoint at step {} written ({} bytes, {} ms, fsync included)", key.describe(),
                    progress.steps(), sizeOf(file), (System.nanoTime() - start) / 1_000_000);
        }
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            return -1;
        }
    }

    /** Removes the temporary files of writes that were killed (only ever called by the folder's owner). */
    public void removeTemporaryFiles() {
        if (!Files.isDirectory(folder)) {
            return;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(folder, ".*.tmp")) {
            for (Path file : files) {
                LOG.info("removing {}, left by a write that was interrupted", file);
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            LOG.warn("could not remove temporary files in {}", folder, e);
        }
    }

    /** Whether any run has a checkpoint or a result. */
    public boolean hasAny() {
        if (!Files.isDirectory(folder)) {
            return false;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(folder, "run-*.k4js")) {
            return files.iterator().hasNext();
        } catch (IOException e) {
            return false;
        }
    }

    private Path progressFile(RunKey key) {
        return folder.resolve(key.stem() + ".k4js");
    }

    private static InputStream open(Path file) throws IOException {
        return new BufferedInputStream(Files.newInputStream(file), 1 << 16);
    }

    private void header(StateWriter writer, String kind, RunKey key) {
        writer.putString("kind", kind);
        writer.putString("study", study);
        writer.putLong("index", key.index());
        writer.putString("label", key.label());
        writer.putDouble("learningRate", key.learningRate());
        writer.putLong("seed", key.seed());
    }

    private void check(StateReader reader, String kind, RunKey key, Path file) {
        if (!reader.has("kind") || !kind.equals(reader.getString("kind"))) {
            throw new CheckpointFormatException("not a " + kind + " (kind '" + (reader.has("kind")
                    ? reader.getString("kind") : "none") + "')");
        }
        if (!study.equals(reader.getString("study"))) {
            throw new CheckpointFormatException("it belongs to another study (config digest "
                    + reader.getString("study") + ", this study's is " + study + ")");
        }
        RunKey saved = new RunKey(Math.toIntExact(reader.getLong("index")), reader.getString("label"),
                reader.getDouble("learningRate"), reader.getLong("seed"));
        if (!saved.equals(key)) {
            throw new CheckpointFormatException("it is the checkpoint of " + saved.describe() + ", not of "
                    + key.describe());
        }
    }

    private static CheckpointFormatException damaged(Path file, CheckpointFormatException e) {
        return new CheckpointFormatException("checkpoint " + file + " refused: " + e.getMessage()
                + " (delete it to rerun that run from its first step)");
    }
}
