package org.kron4j.api.checkpoint;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes a file so that, whatever happens during the write (an exception, a crash, a kill), the
 * path holds either its previous content or the complete new content, never a mix or a prefix:
 * the content goes to a temporary file in the same folder, is flushed and forced to disk, and is
 * then renamed over the target atomically (then the folder is forced, where the platform allows).
 * Every place that writes kron4j state to a path goes through here.
 */
public final class AtomicFiles {
    private static final Logger LOG = LoggerFactory.getLogger(AtomicFiles.class);

    /** What writes the content; the stream is buffered and must not be closed by it. */
    @FunctionalInterface
    public interface Content {
        void writeTo(OutputStream out) throws IOException;
    }

    private AtomicFiles() {
    }

    /**
     * Writes {@code content} to {@code target} atomically, replacing what was there.
     *
     * @throws UncheckedIOException when writing fails; the target is then unchanged and the
     *     temporary file removed (so also for any other exception {@code content} throws, which
     *     is passed on as it is)
     */
    public static void write(Path target, Content content) {
        Path absolute = target.toAbsolutePath();
        Path folder = absolute.getParent();
        Path temporary = null;
        try {
            Files.createDirectories(folder);
            temporary = Files.createTempFile(folder, "." + absolute.getFileName() + ".", ".tmp");
            try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
                content.writeTo(new NonClosing(out));
                out.flush();
                channel.force(true);
            }
            try {
                Files.move(temporary, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("the file system of " + folder + " cannot rename atomically", e);
            }
            temporary = null;
            forceFolder(folder);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + absolute + " failed; it was left as it was", e);
        } catch (UncheckedIOException e) {
            throw new UncheckedIOException("writing " + absolute + " failed; it was left as it was", e.getCause());
        } finally {
            if (temporary != null) {
                try {
                    Files.deleteIfExists(temporary);
                } catch (IOException e) {
                    LOG.warn("could not remove the temporary file {}", temporary, e);
                }
            }
        }
    }

    /** Makes the rename durable where folders can be opened and forced (POSIX); elsewhere a no-op. */
    private static void forceFolder(Path folder) {
        try (FileChannel channel = FileChannel.open(folder, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            LOG.debug("could not force folder {} to disk", folder, e);
        }
    }

    private static final class NonClosing extends java.io.FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
