package org.kron4j.api.checkpoint;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.kron4j.api.support.NdArrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Writes optimizer state in kron4j's own binary format (no Java serialization): a magic number,
 * a version, then named entries (arrays with data type and shape, longs, doubles, strings) and
 * an end record. The same format serves checkpoints, the bit-identity checks of the numerical
 * guards and, later, shipping block state between workers.
 *
 * <p>Format v2, big-endian: {@code "K4JS"}, int version 2, int CRC-32 of those 8 header bytes;
 * then one record per entry: int payload length L, int CRC-32 of that length, L payload bytes,
 * int CRC-32 of the payload. A payload is: UTF key, byte kind ({@link StateFormat}), value.
 * Arrays: byte data type (0 float, 1 double), int rank, rank longs of shape, then the values in C
 * order. The last record has the empty key, kind {@code END} and a long count of the entries
 * before it. Every byte is covered by a checksum or checked against a constant, so a truncated or
 * altered stream is refused by {@link StateReader} before any of it is used. (v1 was the same
 * payloads without lengths or checksums, and an END without count.) Files should be written with
 * {@link AtomicFiles}.
 */
public final class StateWriter implements AutoCloseable {
    private final DataOutputStream target;
    private final ByteArrayOutputStream record = new ByteArrayOutputStream();
    private final DataOutputStream out = new DataOutputStream(record);
    private final Set<String> keys = new HashSet<>();
    /** The entries of an in-memory state (arrays copied natively), or null when writing a stream. */
    private final Map<String, Object> memory;
    private boolean closed;

    private StateWriter() {
        this.target = null;
        this.memory = new LinkedHashMap<>();
    }

    /**
     * A writer that keeps the state in memory instead of encoding it: arrays are copied outside
     * any workspace, nothing is serialised or checksummed. {@link #toReader()} reads it back. For
     * the driver's transient copies of its own state (rolling a step back), not for storage.
     */
    public static StateWriter inMemory() {
        return new StateWriter();
    }

    /** The state written so far to an {@link #inMemory()} writer, as a reader. */
    public StateReader toReader() {
        if (memory == null) {
            throw new IllegalStateException("only an in-memory state writer can be read back");
        }
        return StateReader.inMemory(memory);
    }

    public StateWriter(OutputStream out) {
        this.target = new DataOutputStream(out);
        this.memory = null;
        try {
            target.writeInt(StateFormat.MAGIC);
            target.writeInt(StateFormat.VERSION);
            target.writeInt(StateFormat.crcOfInts(StateFormat.MAGIC, StateFormat.VERSION));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes the record buffered in {@link #out}: length, its checksum, payload, payload checksum. */
    private void endEntry() throws IOException {
        out.flush();
        byte[] payload = record.toByteArray();
        record.reset();
        target.writeInt(payload.length);
        target.writeInt(StateFormat.crcOfInts(payload.length));
        target.write(payload);
        target.writeInt(StateFormat.crc(payload, 0, payload.length));
    }

    /** Writes an array (float or double), or a null marker. */
    public StateWriter putArray(String key, INDArray value) {
        try {
            startEntry(key, value == null ? StateFormat.NULL : StateFormat.ARRAY);
            if (memory != null) {
                checkType(key, value);
                memory.put(key, value == null ? null : NdArrays.detached(() -> value.dup('c')));
                return this;
            }
            if (value == null) {
                endEntry();
                return this;
            }
            checkType(key, value);
            DataType type = value.dataType();
            out.writeByte(type == DataType.FLOAT ? 0 : 1);
            long[] shape = value.shape();
            out.writeInt(shape.length);
            for (long d : shape) {
                out.writeLong(d);
            }
            INDArray c = value.dup('c');
            ByteBuffer bytes;
            if (type == DataType.FLOAT) {
                float[] data = c.data().asFloat();
                bytes = ByteBuffer.allocate(data.length * Float.BYTES).order(ByteOrder.BIG_ENDIAN);
                bytes.asFloatBuffer().put(data);
            } else {
                double[] data = c.data().asDouble();
                bytes = ByteBuffer.allocate(data.length * Double.BYTES).order(ByteOrder.BIG_ENDIAN);
                bytes.asDoubleBuffer().put(data);
            }
            out.write(bytes.array());
            endEntry();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void checkType(String key, INDArray value) {
        if (value != null && value.dataType() != DataType.FLOAT && value.dataType() != DataType.DOUBLE) {
            throw new IllegalArgumentException("state array '" + key + "' must be FLOAT or DOUBLE, got "
                    + value.dataType());
        }
    }

    public StateWriter putLong(String key, long value) {
        try {
            startEntry(key, StateFormat.LONG);
            if (memory != null) {
                memory.put(key, value);
                return this;
            }
            out.writeLong(value);
            endEntry();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public StateWriter putDouble(String key, double value) {
        try {
            startEntry(key, StateFormat.DOUBLE);
            if (memory != null) {
                memory.put(key, value);
                return this;
            }
            out.writeDouble(value);
            endEntry();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public StateWriter putString(String key, String value) {
        try {
            startEntry(key, StateFormat.STRING);
            if (memory != null) {
                memory.put(key, value);
                return this;
            }
            out.writeUTF(value);
            endEntry();
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void startEntry(String key, byte kind) throws IOException {
        if (closed) {
            throw new IllegalStateException("state writer is closed");
        }
        if (!keys.add(key)) {
            throw new IllegalArgumentException("state key '" + key + "' written twice");
        }
        if (key.isEmpty()) {
            throw new IllegalArgumentException("state keys must not be empty");
        }
        if (memory != null) {
            return;
        }
        record.reset();
        out.writeUTF(key);
        out.writeByte(kind);
    }

    /** Writes the end record and flushes; does not close the underlying stream. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (memory != null) {
            return;
        }
        try {
            out.writeUTF("");
            out.writeByte(StateFormat.END);
            out.writeLong(keys.size());
            endEntry();
            target.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
