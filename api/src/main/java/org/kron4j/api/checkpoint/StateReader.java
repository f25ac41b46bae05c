package org.kron4j.api.checkpoint;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.FilterInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads what {@link StateWriter} wrote. The whole state is read and verified eagerly, before any
 * of it is handed out: a stream that is truncated, altered (a checksum of the header, of a
 * record's length or of a record's payload does not match), of an unknown version or not kron4j's
 * at all fails with a {@link CheckpointFormatException} that says which and at which byte or
 * entry. Reads exactly the bytes of the state and no further, so a state may be followed by other
 * data in the same stream.
 *
 * <p>Format v1 (before checksums) is still read, with a warning in the log: it cannot tell an
 * altered byte from a genuine one, so re-save such a state to protect it.
 */
public final class StateReader {
    private static final Logger LOG = LoggerFactory.getLogger(StateReader.class);

    private final Map<String, Object> entries;
    private final int version;
    private boolean inMemory;

    private StateReader(Map<String, Object> entries, int version) {
        this.entries = entries;
        this.version = version;
    }

    public static StateReader read(InputStream input) {
        CountingInput counting = new CountingInput(input);
        DataInputStream in = new DataInputStream(counting);
        try {
            int magic = in.readInt();
            if (magic != StateFormat.MAGIC) {
                throw new CheckpointFormatException("not a kron4j state stream (bad magic number at byte 0)");
            }
            int version = in.readInt();
            if (version == StateFormat.VERSION_1) {
                LOG.warn("reading a kron4j state of format v1, which has no checksums: an altered byte cannot be "
                        + "detected; save it again to write format v{}", StateFormat.VERSION);
                return new StateReader(Collections.unmodifiableMap(readV1(in)), version);
            }
            if (version != StateFormat.VERSION) {
                throw new CheckpointFormatException("kron4j state format version " + version
                        + " is not supported (this reader reads versions " + StateFormat.VERSION_1 + " and "
                        + StateFormat.VERSION + "); the header at byte 4 holds it");
            }
            int headerCrc = in.readInt();
            if (headerCrc != StateFormat.crcOfInts(magic, version)) {
                throw new CheckpointFormatException("header checksum mismatch (bytes 0-11): the state is corrupt");
            }
            return new StateReader(Collections.unmodifiableMap(readV2(in, counting)), version);
        } catch (EOFException e) {
            throw new CheckpointFormatException("kron4j state stream is truncated at byte " + counting.count
                    + (counting.count == 0 ? " (empty)" : ""));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, Object> readV2(DataInputStream in, CountingInput counting) throws IOException {
        Map<String, Object> entries = new LinkedHashMap<>();
        for (int index = 0; ; index++) {
            long recordStart = counting.count;
            int length = in.readInt();
            int lengthCrc = in.readInt();
            if (lengthCrc != StateFormat.crcOfInts(length) || length < 3) {
                throw new CheckpointFormatException("checksum mismatch in the length of entry #" + index
                        + " at byte " + recordStart + " (after entry '" + lastKey(entries) + "'): the state is corrupt");
            }
            byte[] payload = new byte[length];
            in.readFully(payload);
            int payloadCrc = in.readInt();
            if (payloadCrc != StateFormat.crc(payload, 0, length)) {
                throw new CheckpointFormatException("checksum mismatch in entry #" + index + " '" + keyOf(payload)
                        + "' (bytes " + recordStart + "-" + (counting.count - 1) + "): the state is corrupt");
            }
            DataInputStream record = new DataInputStream(new ByteArrayInputStream(payload));
            String key = record.readUTF();
            byte kind = record.readByte();
            if (kind == StateFormat.END) {
                long count = record.readLong();
                if (!key.isEmpty() || count != entries.size()) {
                    throw new CheckpointFormatException("the end record at byte " + recordStart + " counts " + count
                            + " entries, " + entries.size() + " were read: the state is corrupt");
                }
                return entries;
            }
            if (entries.containsKey(key)) {
                throw new CheckpointFormatException("entry '" + key + "' appears twice (byte " + recordStart + ")");
            }
            entries.put(key, readValue(record, key, kind));
            if (record.available() != 0) {
                throw new CheckpointFormatException("entry '" + key + "' (byte " + recordStart + ") has "
                        + record.available() + " bytes more than its value");
            }
        }
    }

    private static Map<String, Object> readV1(DataInputStream in) throws IOException {
        Map<String, Object> entries = new LinkedHashMap<>();
        while (true) {
            String key = in.readUTF();
            byte kind = in.readByte();
            if (kind == StateFormat.END) {
                return entries;
            }
            entries.put(key, readValue(in, key, kind));
        }
    }

    private static Object readValue(DataInputStream in, String key, byte kind) throws IOException {
        return switch (kind) {
            case StateFormat.ARRAY -> readArray(in, key);
            case StateFormat.NULL -> NullArray.INSTANCE;
            case StateFormat.LONG -> in.readLong();
            case StateFormat.DOUBLE -> in.readDouble();
            case StateFormat.STRING -> in.readUTF();
            default -> throw new CheckpointFormatException("unknown entry kind " + kind + " at '" + key + "'");
        };
    }

    private static String lastKey(Map<String, Object> entries) {
        String last = "(none: it is the first)";
        for (String key : entries.keySet()) {
            last = key;
        }
        return last;
    }

    /** The key a payload starts with, as far as it can be read, for messages about a corrupt record. */
    private static String keyOf(byte[] payload) {
        try {
            return new DataInputStream(new ByteArrayInputStream(payload)).readUTF();
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    private static INDArray readArray(DataInputStream in, String key) throws IOException {
        byte type = in.readByte();
        int rank = in.readInt();
        if (rank < 0 || rank > 8) {
            throw new CheckpointFormatException("bad array rank " + rank + " at '" + key + "'");
        }
        long[] shape = new long[rank];
        long length = 1;
        for (int i = 0; i < rank; i++) {
            shape[i] = in.readLong();
            if (shape[i] < 0 || shape[i] > Integer.MAX_VALUE) {
                throw new CheckpointFormatException("bad array dimension " + shape[i] + " at '" + key + "'");
            }
            length *= shape[i];
            if (length > Integer.MAX_VALUE / Double.BYTES) {
                break;
            }
        }
        if (length < 0 || length > Integer.MAX_VALUE / Double.BYTES) {
            throw new CheckpointFormatException("bad array length " + length + " at '" + key + "'");
        }
        if (type == 0) {
            byte[] raw = new byte[(int) length * Float.BYTES];
            in.readFully(raw);
            float[] data = new float[(int) length];
            ByteBuffer.wrap(raw).order(ByteOrder.BIG_ENDIAN).asFloatBuffer().get(data);
            return Nd4j.create(data, shape, 'c');
        }
        if (type == 1) {
            byte[] raw = new byte[(int) length * Double.BYTES];
            in.readFully(raw);
            double[] data = new double[(int) length];
            ByteBuffer.wrap(raw).order(ByteOrder.BIG_ENDIAN).asDoubleBuffer().get(data);
            return Nd4j.create(data, shape, 'c');
        }
        throw new CheckpointFormatException("unknown array data type code " + type + " at '" + key + "'");
    }

    /** Reads the entries of an in-memory state ({@link StateWriter#inMemory()}); a null value is a null array. */
    static StateReader inMemory(Map<String, Object> written) {
        Map<String, Object> entries = new LinkedHashMap<>();
        written.forEach((key, value) -> entries.put(key, value == null ? NullArray.INSTANCE : value));
        StateReader reader = new StateReader(Collections.unmodifiableMap(entries), StateFormat.VERSION);
        reader.inMemory = true;
        return reader;
    }

    /**
     * Frees the off-heap memory of the arrays of an in-memory state now, instead of whenever the
     * collector runs (a snapshot of a large optimizer is tens of megabytes). Only for states of
     * {@link StateWriter#inMemory()} whose arrays were copied out, as the restore paths do; the
     * reader must not be used afterwards. A no-op for states read from a stream.
     */
    public void release() {
        if (!inMemory) {
            return;
        }
        for (Object value : entries.values()) {
            if (value instanceof INDArray array && array.closeable()) {
                array.close();
            }
        }
    }

    /** The format version the state was written in. */
    public int version() {
        return version;
    }

    public Set<String> keys() {
        return entries.keySet();
    }

    public boolean has(String key) {
        return entries.containsKey(key);
    }

    /** The array stored under key, or null when a null was stored. */
    public INDArray array(String key) {
        Object value = require(key);
        if (value == NullArray.INSTANCE) {
            return null;
        }
        if (!(value instanceof INDArray array)) {
            throw new CheckpointFormatException("'" + key + "' is not an array");
        }
        return array;
    }

    /** The array stored under key, checked to have the expected shape and data type. */
    public INDArray array(String key, DataType type, long... shape) {
        INDArray value = array(key);
        if (value == null) {
            return null;
        }
        if (value.dataType() != type || !java.util.Arrays.equals(value.shape(), shape)) {
            throw new CheckpointFormatException("'" + key + "' is " + value.dataType() + java.util.Arrays.toString(
                    value.shape()) + ", expected " + type + java.util.Arrays.toString(shape));
        }
        return value;
    }

    public long getLong(String key) {
        if (!(require(key) instanceof Long value)) {
            throw new CheckpointFormatException("'" + key + "' is not a long");
        }
        return value;
    }

    public double getDouble(String key) {
        if (!(require(key) instanceof Double value)) {
            throw new CheckpointFormatException("'" + key + "' is not a double");
        }
        return value;
    }

    public String getString(String key) {
        if (!(require(key) instanceof String value)) {
            throw new CheckpointFormatException("'" + key + "' is not a string");
        }
        return value;
    }

    private Object require(String key) {
        Object value = entries.get(key);
        if (value == null) {
            throw new CheckpointFormatException("the state has no entry '" + key + "'");
        }
        return value;
    }

    private enum NullArray { INSTANCE }

    /** Counts the bytes handed out, for messages; reads nothing ahead. */
    private static final class CountingInput extends FilterInputStream {
        private long count;

        CountingInput(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = super.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long skipped = super.skip(n);
            count += skipped;
            return skipped;
        }
    }
}
