package org.kron4j.cli.checkpoint;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.kron4j.api.checkpoint.AtomicFiles;
import org.kron4j.api.checkpoint.CheckpointFormatException;
import org.kron4j.api.checkpoint.StateReader;
import org.kron4j.api.checkpoint.StateWriter;

/**
 * What makes a partial results folder a kron4j study: {@value #FILE}, a K4JS state written when
 * the study starts, with the digest of the config.json it runs ({@link StudyCheckpoints#digest}),
 * the command line that started it and when. A resume checks the folder's config.json against the
 * digest before any checkpoint is used.
 *
 * @param digest      SHA-256 of the study's config.json text
 * @param commandLine the command that started the study (for report.md)
 * @param started     local date and time it started, ISO-8601 to the second
 * @param checkpointEvery steps between a run's checkpoints (a resume keeps it unless told otherwise)
 */
public record StudyRecord(String digest, String commandLine, String started, int checkpointEvery) {
    /** The record's file in a partial results folder. */
    public static final String FILE = "study.k4js";
    private static final String KIND = "kron4j-ablate-study";

    /** Writes the record into a partial folder, atomically. */
    public void write(Path partial) {
        AtomicFiles.write(partial.resolve(FILE), out -> {
            try (StateWriter writer = new StateWriter(out)) {
                writer.putString("kind", KIND);
                writer.putString("digest", digest);
                writer.putString("commandLine", commandLine);
                writer.putString("started", started);
                writer.putLong("checkpointEvery", checkpointEvery);
            }
        });
    }

    /**
     * Reads the record of a partial folder.
     *
     * @throws NoSuchFileException when the folder has none
     * @throws CheckpointFormatException when it is damaged or not a study record
     */
    public static StudyRecord read(Path partial) throws IOException {
        Path file = partial.resolve(FILE);
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            StateReader reader = StateReader.read(in);
            if (!reader.has("kind") || !KIND.equals(reader.getString("kind"))) {
                throw new CheckpointFormatException(file + " is not a kron4j study record");
            }
            return new StudyRecord(reader.getString("digest"), reader.getString("commandLine"),
                    reader.getString("started"), Math.toIntExact(reader.getLong("checkpointEvery")));
        } catch (CheckpointFormatException e) {
            throw new CheckpointFormatException(file + ": " + e.getMessage());
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }
}
