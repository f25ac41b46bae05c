package org.kron4j.cli.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.kron4j.api.checkpoint.AtomicFiles;
import org.kron4j.cli.BadInputException;

/**
 * A results folder that appears complete or not at all, reserved so that no two commands ever
 * write into the same one, and resumable when its command was stopped.
 *
 * <p><b>Reservation.</b> Files are written into a hidden partial folder next to the target,
 * {@code .NAME.partial}. Creating that folder is the reservation (creating a folder that exists
 * fails, atomically, on every file system), and its {@value #LOCK} file is locked by the owning
 * process for as long as it runs (the operating system releases the lock when the process dies,
 * however it dies) and names its pid. Two commands started in the same second that both want
 * {@code results/<stamp>} get {@code <stamp>} and {@code <stamp>-2} ({@link #reserveNew}); an
 * explicit {@code --out} that is taken is refused ({@link #reserve}). The target is checked again
 * after the reservation, so a folder another command committed meanwhile is never reused.
 *
 * <p><b>Commit.</b> {@link #commit()} renames the partial folder to the target in one atomic
 * move, then removes the bookkeeping ({@value #LOCK}, the checkpoints and the study record) from it.
 *
 * <p><b>Stopped runs.</b> Until {@link #keep()} is called (the study has started and its record
 * is written), closing without a commit (and, for a JVM that exits, a shutdown hook) deletes the
 * partial folder and the parents this object created: nothing half-written is left. After it, the
 * partial folder is kept when the command fails, is interrupted or killed, and
 * {@code kron4j ablate --resume} takes it over ({@link #resume}); {@link #stale} lists the kept
 * folders whose owner is no longer running, which {@code kron4j ablate} reports at every start.
 */
public final class OutputFolder implements AutoCloseable {
    /** The suffix of a partial folder's name: {@code .NAME.partial}. */
    public static final String PARTIAL_SUFFIX = ".partial";
    /** The lock file in a partial folder; holds the owner's pid. */
    public static final String LOCK = "lock";
    /** Most suffixes {@link #reserveNew} tries. */
    private static final int MAX_SUFFIX = 10_000;
    /** The partial folders this JVM holds now (its own pid in a lock file says nothing more). */
    private static final java.util.Set<Path> HELD = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final Path target;
    private final Path partial;
    private final List<Path> createdParents;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final Thread cleanup;
    private final List<String> bookkeeping = new ArrayList<>(List.of(LOCK));
    private volatile boolean keep;
    private boolean committed;
    private boolean closed;

    private OutputFolder(Path target, Path partial, List<Path> createdParents, FileChannel lockChannel,
            FileLock lock, boolean keep) {
        this.target = target;
        this.partial = partial;
        this.createdParents = createdParents;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.keep = keep;
        this.cleanup = new Thread(this::discardUnlessKept, "kron4j-output-cleanup");
        HELD.add(partial);
        Runtime.getRuntime().addShutdownHook(cleanup);
    }

    /**
     * Reserves the target: it must not exist, nor its partial folder; its parent folders are
     * created when needed and must be writable.
     *
     * @throws BadInputException when the target or its partial folder exists (naming the command
     *     that resumes a stopped study there) or cannot be written
     */
    public static OutputFolder reserve(Path target) {
        Path absolute = target.toAbsolutePath().normalize();
        List<Path> created = createParents(absolute);
        try {
            return tryReserve(absolute, created).orElseThrow(() -> {
                removeCreated(created);
                Path partial = partialOf(absolute);
                if (Files.exists(absolute)) {
                    return new BadInputException("output folder " + absolute + " already exists; kron4j never "
                            + "overwrites a run: choose another --out");
                }
                return new BadInputException(owner(partial).map(pid -> "output folder " + absolute + " is being "
                        + "written by another kron4j command (pid " + pid + ", partial folder " + partial + ")")
                        .orElse("a stopped study left " + partial + " for output folder " + absolute
                                + "; resume it with: kron4j ablate --resume " + partial + " (or delete it)"));
            });
        } catch (IOException | SecurityException e) {
            removeCreated(created);
            throw new BadInputException("cannot write output folder " + absolute + ": " + describe(e));
        }
    }

    /**
     * Reserves the first free one of {@code NAME}, {@code NAME-2}, {@code NAME-3}, … in
     * {@code parent} (free: neither it nor its partial folder exists).
     */
    public static OutputFolder reserveNew(Path parent, String name) {
        Path folder = parent.toAbsolutePath().normalize();
        List<Path> created = createParents(folder.resolve(name));
        try {
            for (int n = 1; n <= MAX_SUFFIX; n++) {
                Path candidate = folder.resolve(n == 1 ? name : name + "-" + n);
                Optional<OutputFolder> reserved = tryReserve(candidate, created);
                if (reserved.isPresent()) {
                    return reserved.get();
                }
            }
        } catch (IOException | SecurityException e) {
            removeCreated(created);
            throw new BadInputException("cannot write output folder " + folder.resolve(name) + ": " + describe(e));
        }
        removeCreated(created);
        throw new BadInputException("no free output folder name " + name + "-N in " + folder);
    }

    /** The reservation of one name, or empty when it is taken. */
    private static Optional<OutputFolder> tryReserve(Path target, List<Path> created) throws IOException {
        if (Files.exists(target)) {
            return Optional.empty();
        }
        Path partial = partialOf(target);
        try {
            Files.createDirectory(partial);
        } catch (FileAlreadyExistsException e) {
            return Optional.empty();
        }
        Optional<Locked> locked = lock(partial);
        if (locked.isEmpty()) {
            return Optional.empty(); // a resume took it over between our creation and our lock: not ours
        }
        if (Files.exists(target)) { // committed by another command after our first look: never reuse it
            locked.get().release();
            deleteTree(partial);
            return Optional.empty();
        }
        return Optional.of(new OutputFolder(target, partial, created, locked.get().channel, locked.get().lock, false));
    }

    /**
     * Takes over the partial folder of a stopped study: {@code dir} is the partial folder itself
     * or the results folder it will become.
     *
     * @throws BadInputException when there is no such partial folder, it is in use by a running
     *     command, or its results folder exists already
     */
    public static OutputFolder resume(Path dir) {
        Path partial = partialFolder(dir).orElseThrow(() -> new BadInputException(dir.toAbsolutePath().normalize()
                + " is not a kron4j study folder: expected a results folder or the partial folder .NAME"
                + PARTIAL_SUFFIX + " of a stopped study"));
        Path target = targetOf(partial);
        try {
            Optional<Locked> locked = lock(partial);
            if (locked.isEmpty()) {
                throw new BadInputException(partial + " is in use by a running kron4j command"
                        + owner(partial).map(pid -> " (pid " + pid + ")").orElse(""));
            }
            if (Files.exists(target)) {
                locked.get().release();
                throw new BadInputException("the study's results folder " + target + " exists already; move it "
                        + "away to resume " + partial);
            }
            return new OutputFolder(target, partial, List.of(), locked.get().channel, locked.get().lock, true);
        } catch (IOException e) {
            throw new BadInputException("cannot take over " + partial + ": " + describe(e));
        }
    }

    /**
     * The partial folder {@code dir} names: itself when it is one ({@code .NAME.partial}), else
     * {@code .NAME.partial} next to it when that exists.
     */
    public static Optional<Path> partialFolder(Path dir) {
        Path absolute = dir.toAbsolutePath().normalize();
        if (isPartialName(absolute) && Files.isDirectory(absolute)) {
            return Optional.of(absolute);
        }
        Path sibling = partialOf(absolute);
        return Files.isDirectory(sibling) ? Optional.of(sibling) : Optional.empty();
    }

    /**
     * The partial folders in {@code parent} whose owner is not running: studies that were killed or
     * stopped (resumable), sorted by name.
     */
    public static List<Path> stale(Path parent) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(parent)) {
            return out;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(parent, "." + "*" + PARTIAL_SUFFIX)) {
            for (Path p : entries) {
                if (Files.isDirectory(p) && owner(p).isEmpty()) {
                    out.add(p.toAbsolutePath().normalize());
                }
            }
        } catch (IOException e) {
            return out;
        }
        out.sort(Comparator.naturalOrder());
        return out;
    }

    /**
     * Staging folders of an older kron4j ({@code .NAME.partial-PID}, deleted by their command on
     * exit but left by a kill, never resumable) whose process is gone.
     */
    public static List<Path> legacyLeftovers(Path parent) {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(parent)) {
            return out;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(parent, ".*" + PARTIAL_SUFFIX + "-*")) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                String pid = name.substring(name.lastIndexOf('-') + 1);
                if (Files.isDirectory(p) && pid.matches("[0-9]{1,18}")
                        && ProcessHandle.of(Long.parseLong(pid)).map(h -> !h.isAlive()).orElse(true)) {
                    out.add(p.toAbsolutePath().normalize());
                }
            }
        } catch (IOException e) {
            return out;
        }
        out.sort(Comparator.naturalOrder());
        return out;
    }

    /**
     * Deletes a stale partial folder that holds nothing but its lock file naming a process that is
     * gone (a command killed between reserving the folder and starting its study).
     *
     * @return whether it was deleted
     */
    public static boolean discardIfEmpty(Path partial) {
        try (Stream<Path> entries = Files.list(partial)) {
            List<String> names = entries.map(p -> p.getFileName().toString()).toList();
            if (!names.equals(List.of(LOCK)) || owner(partial).isPresent()
                    || Files.readString(partial.resolve(LOCK)).isBlank()) {
                return false;
            }
            deleteTree(partial);
            return true;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Removes what a kill between {@link #commit()}'s move and its clean-up left in a finished
     * results folder: the lock file and the named bookkeeping. Only for folders nobody owns.
     *
     * @return whether anything was removed
     */
    public static boolean removeBookkeeping(Path finished, String... names) {
        if (owner(finished).isPresent()) {
            return false;
        }
        boolean removed = false;
        try {
            for (String name : names) {
                if (Files.exists(finished.resolve(name))) {
                    deleteTree(finished.resolve(name));
                    removed = true;
                }
            }
            removed |= Files.deleteIfExists(finished.resolve(LOCK));
        } catch (IOException e) {
            return removed;
        }
        return removed;
    }

    /** The pid of the running process that owns a partial folder, if one does. */
    static Optional<Long> owner(Path partial) {
        try {
            String text = Files.readString(partial.resolve(LOCK), StandardCharsets.UTF_8).trim();
            String[] parts = text.split("\\s+");
            long pid = Long.parseLong(parts[0]);
            if (pid == ProcessHandle.current().pid()) {
                return HELD.contains(partial.toAbsolutePath().normalize()) ? Optional.of(pid) : Optional.empty();
            }
            Optional<ProcessHandle> process = ProcessHandle.of(pid).filter(ProcessHandle::isAlive);
            if (process.isEmpty()) {
                return Optional.empty();
            }
            if (parts.length > 1) { // the pid may have been reused: compare the start time when known
                long started = Long.parseLong(parts[1]);
                Optional<java.time.Instant> now = process.get().info().startInstant();
                if (now.isPresent() && now.get().toEpochMilli() != started) {
                    return Optional.empty();
                }
            }
            return Optional.of(pid);
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // no lock file yet or an unreadable one: nobody we can name
        }
    }

    private record Locked(FileChannel channel, FileLock lock) {
        void release() throws IOException {
            lock.release();
            channel.close();
        }
    }

    /** Locks a partial folder's lock file and writes our pid into it; empty when someone holds it. */
    private static Optional<Locked> lock(Path partial) throws IOException {
        FileChannel channel = FileChannel.open(partial.resolve(LOCK), StandardOpenOption.CREATE,
                StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held by this JVM (another command run in-process)
        }
        if (lock == null) {
            channel.close();
            return Optional.empty();
        }
        ProcessHandle self = ProcessHandle.current();
        String owner = self.pid() + self.info().startInstant().map(t -> " " + t.toEpochMilli()).orElse("") + "\n";
        channel.truncate(0);
        channel.write(java.nio.ByteBuffer.wrap(owner.getBytes(StandardCharsets.UTF_8)), 0);
        channel.force(true);
        return Optional.of(new Locked(channel, lock));
    }

    private static boolean isPartialName(Path p) {
        String name = p.getFileName() == null ? "" : p.getFileName().toString();
        return name.startsWith(".") && name.endsWith(PARTIAL_SUFFIX) && name.length() > PARTIAL_SUFFIX.length() + 1;
    }

    private static Path partialOf(Path target) {
        return target.resolveSibling("." + target.getFileName() + PARTIAL_SUFFIX);
    }

    private static Path targetOf(Path partial) {
        String name = partial.getFileName().toString();
        return partial.resolveSibling(name.substring(1, name.length() - PARTIAL_SUFFIX.length()));
    }

    private static List<Path> createParents(Path target) {
        Path parent = target.getParent();
        if (parent == null) {
            throw new BadInputException("output folder " + target + " has no parent folder");
        }
        List<Path> created = new ArrayList<>();
        try {
            for (Path p = parent; p != null && !Files.exists(p); p = p.getParent()) {
                created.add(0, p);
            }
            for (Path p : created) {
                try {
                    Files.createDirectory(p);
                } catch (FileAlreadyExistsException e) {
                    if (!Files.isDirectory(p)) {
                        throw e;
                    } // another command created it at the same moment: fine, but not ours to remove
                }
            }
            return created;
        } catch (IOException | SecurityException e) {
            removeCreated(created);
            throw new BadInputException("cannot write output folder " + target + ": " + describe(e));
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

    /** The results folder this becomes on {@link #commit()}. */
    public Path target() {
        return target;
    }

    /** The hidden folder written into until the commit. */
    public Path partial() {
        return partial;
    }

    /**
     * From now on the partial folder holds a resumable study: a failure, an interrupt or a kill
     * leaves it for {@code --resume} instead of deleting it.
     */
    public void keep() {
        keep = true;
    }

    /** Names files or folders of the partial folder that {@link #commit()} removes (checkpoints, records). */
    public void bookkeeping(String... names) {
        bookkeeping.addAll(List.of(names));
    }

    /** Writes a text file into the partial folder, atomically. */
    public void write(String name, String text) throws IOException {
        write(name, text.getBytes(StandardCharsets.UTF_8));
    }

    /** Writes a file into the partial folder, atomically (temporary file, forced to disk, renamed). */
    public void write(String name, byte[] bytes) throws IOException {
        try {
            AtomicFiles.write(partial.resolve(name), out -> out.write(bytes));
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /**
     * Renames the partial folder to the target, then removes the bookkeeping from it.
     *
     * @throws IOException when the target appeared meanwhile or the rename fails (the partial
     *     folder is then kept or removed as {@link #close()} says)
     */
    public Path commit() throws IOException {
        if (Files.exists(target)) {
            throw new FileAlreadyExistsException(target.toString(), null, "the results folder appeared meanwhile; "
                    + "the results stay in " + partial);
        }
        try {
            Files.move(partial, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(partial, target);
        }
        committed = true;
        for (String name : bookkeeping) {
            if (!name.equals(LOCK)) {
                deleteTree(target.resolve(name));
            }
        }
        release();
        Files.deleteIfExists(target.resolve(LOCK));
        return target;
    }

    /** Whether {@link #commit()} succeeded. */
    public boolean committed() {
        return committed;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            if (!committed) {
                discardUnlessKept();
            }
            release();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException e) {
            // the JVM is shutting down: the hook runs (or ran) anyway
        }
    }

    private void release() {
        HELD.remove(partial);
        try {
            if (lock.isValid()) {
                lock.release();
            }
            lockChannel.close();
        } catch (IOException e) {
            // the lock goes with the process anyway
        }
    }

    private synchronized void discardUnlessKept() {
        if (committed || keep) {
            return;
        }
        release();
        try {
            deleteTree(partial);
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
