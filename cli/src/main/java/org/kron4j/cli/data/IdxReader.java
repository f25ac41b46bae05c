package org.kron4j.cli.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads the IDX format of LeCun's MNIST files (and Fashion-MNIST's): a big-endian header of two
 * zero bytes, a type byte (0x08 = unsigned byte, the only type these data sets use), the number of
 * dimensions, one 32-bit size per dimension, then the values in row-major order. Gzipped files
 * are recognised by their magic bytes, whatever their name.
 */
public final class IdxReader {
    private static final int UNSIGNED_BYTE = 0x08;

    private IdxReader() {
    }

    /**
     * The contents of one IDX file of unsigned bytes.
     *
     * @param dims   the sizes, e.g. [60000, 28, 28] for images, [60000] for labels
     * @param values every value, row-major, as 0–255
     */
    public record Idx(int[] dims, byte[] values) {
        public int count() {
            return dims[0];
        }

        /** Values per item: the product of every size but the first. */
        public int itemSize() {
            int size = 1;
            for (int i = 1; i < dims.length; i++) {
                size *= dims[i];
            }
            return size;
        }

        public int unsigned(int index) {
            return values[index] & 0xff;
        }
    }

    /** Reads a file, gzipped or not. */
    public static Idx read(Path file) throws IOException {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            raw.mark(2);
            int b0 = raw.read();
            int b1 = raw.read();
            raw.reset();
            InputStream in = b0 == 0x1f && b1 == 0x8b ? new BufferedInputStream(new GZIPInputStream(raw, 1 << 16)) : raw;
            return read(in, file.toString());
        }
    }

    /** Reads IDX data from a stream (not gzipped); {@code name} is used in messages. */
    public static Idx read(InputStream stream, String name) throws IOException {
        DataInputStream in = new DataInputStream(stream);
        try {
            int zero0 = in.readUnsignedByte();
            int zero1 = in.readUnsignedByte();
            int type = in.readUnsignedByte();
            int rank = in.readUnsignedByte();
            if (zero0 != 0 || zero1 != 0) {
                throw new IOException(name + " is not an IDX file (it does not start with two zero bytes)");
            }
            if (type != UNSIGNED_BYTE) {
                throw new IOException(name + ": IDX value type 0x" + Integer.toHexString(type)
                        + " is not supported (only 0x08, unsigned bytes)");
            }
            if (rank < 1 || rank > 4) {
                throw new IOException(name + ": IDX rank " + rank + " is outside [1, 4]");
            }
            int[] dims = new int[rank];
            long total = 1;
            for (int i = 0; i < rank; i++) {
                dims[i] = in.readInt();
                if (dims[i] < 1) {
                    throw new IOException(name + ": IDX dimension " + i + " has size " + dims[i]);
                }
                total *= dims[i];
            }
            if (total > Integer.MAX_VALUE - 8) {
                throw new IOException(name + ": " + total + " values are too many for one array");
            }
            byte[] values = new byte[(int) total];
            in.readFully(values);
            if (in.read() != -1) {
                throw new IOException(name + ": trailing bytes after " + total + " values");
            }
            return new Idx(dims, values);
        } catch (EOFException e) {
            throw new IOException(name + ": the IDX file is truncated", e);
        }
    }
}
