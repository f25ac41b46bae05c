package org.kron4j.cli.report;

import org.kron4j.cli.BadInputException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * An output folder that appears complete or not at all. Files are written into a hidden staging
 * folder next to the target ({@code .NAME.partial-PID}); {@link #commit()} renames it to the target
 * in one atomic move, which fails rather than overwrite an existing run. Until then
 * {@link #close()} (and, for a killed JVM, a shutdown hook) deletes the staging folder and any
 * parent folders this object created, so nothing half-written is ever left to look like a result.
 */
public final class OutputFolder implements AutoCloseable {
    private final Path target;
    private final Path staging;
    private final List<Path> createdParents;
    private final Thread cleanup;
    private boolean committed;

    private OutputFolder(Path target, Path staging, List<Path> createdParents) {
        this.target = target;
        this.staging = staging;
        this.createdParents = createdParents;
        this.cleanup = new Thread(this::discard, "kron4j-output-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
    }

    /**
     * Prepares the target: it must not exist; its parent folders are created when needed and
     * must be writable (proved by creating the staging folder in them).
     *
     * @throws BadInputException when the target exists or cannot be written
     */
    public static OutputFolder prepare(Path target) {
        Path absolute = target.toAbsolutePath().normalize();
        if (Files.exists(absolute)) {
            throw new BadInputException("output folder " + absolute + " already exists; kron4j never overwrites a "
                    + "run: choose another --out");
        }
        Path parent = absolute.getParent();
        if (parent == null) {
            throw new BadInputException("output folder " + absolute + " has no parent folder");
        }
        List<Path> created = new ArrayList<>();
        try {
            for (Path p = parent; p != null && !Files.exists(p); p = p.getParent()) {
                created.add(0, p);
            }
            for (Path p : created) {
                Files.createDirectory(p);
            }
            Path staging = parent.resolve("." + absolute.getFileName() + ".partial-" + ProcessHandle.current().pid());
            if (Files.exists(staging)) {
                deleteTree(staging);
            }
            Files.createDirectory(staging);
            return new OutputFolder(absolute, staging, created);
        } catch (IOException | SecurityException e) {
            removeCreated(created);
            throw new BadInputException("cannot write output folder " + absolute + ": " + describe(e));
        }
    }

    private static String describe(Exception e) {
        if (e instanceof FileAlreadyExistsException f) {
            return f.getFile() + " exists and is not a folder";
        }
        if (e instanceof java.nio.file.FileSystemException f) {
            return f.getFile() + (f.getReason() != null ? ": " + f.getReason() : "") + " ("
                    + e.getClass().getSimpleName() + ")";
        }
        return e.toString();
    }

    public Path target() {
        return target;
    }

    /** Writes a text file into the staging folder. */
    public void write(String name, String text) throws IOException {
        Files.writeString(staging.resolve(name), text, StandardCharsets.UTF_8);
    }

    public void write(String name, byte[] bytes) throws IOException {
        Files.write(staging.resolve(name), bytes);
    }

    /**
     * Renames the staging folder to the target.
     *
     * @throws IOException when the target appeared meanwhile or the rename fails (the staging
     *     folder is then removed by {@link #close()})
     */
    public Path commit() throws IOException {
        try {
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(staging, target);
        }
        committed = true;
        return target;
    }

    @Override
    public void close() {
        if (!committed) {
            discard();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook runs (or ran) anyway
        }
    }

    private synchronized void discard() {
        if (committed) {
            return;
        }
        try {
            deleteTree(staging);
        } catch (IOException e) {
            // best effort: nothing more can be done on the way out
        }
        removeCreated(createdParents);
    }

    private static void removeCreated(List<Path> created) {
        for (int i = created.size() - 1; i >= 0; i--) {
            try {
                Files.deleteIfExists(created.get(i));
            } catch (IOException e) {
                return; // not empty (someone else wrote there) or not ours to remove
            }
        }
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
