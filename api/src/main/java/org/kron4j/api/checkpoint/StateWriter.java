package org.kron4j.api.checkpoint;

import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.Set;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Writes optimizer state in kron4j's own binary format (no Java serialization): a magic number,
 * a version, then named entries (arrays with data type and shape, longs, doubles, strings) and
 * an end marker. The same format serves checkpoints, the bit-identity checks of the numerical
 * guards and, later, shipping block state between workers.
 *
 * <p>Format v1, big-endian: {@code "K4JS"}, int version; per entry: UTF key, byte kind
 * ({@link StateFormat}), payload; a final kind byte {@code END}. Arrays: byte data type (0 float,
 * 1 double), int rank, rank longs of shape, then the values in C order.
 */
public final class StateWriter implements AutoCloseable {
    private final DataOutputStream out;
    private final Set<String> keys = new HashSet<>();
    private boolean closed;

    public StateWriter(OutputStream out) {
        this.out = new DataOutputStream(out);
        try {
            this.out.writeInt(StateFormat.MAGIC);
            this.out.writeInt(StateFormat.VERSION);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes an array (float or double), or a null marker. */
    public StateWriter putArray(String key, INDArray value) {
        try {
            startEntry(key, value == null ? StateFormat.NULL : StateFormat.ARRAY);
            if (value == null) {
                return this;
            }
            DataType type = value.dataType();
            if (type != DataType.FLOAT && type != DataType.DOUBLE) {
                throw new IllegalArgumentException("state array '" + key + "' must be FLOAT or DOUBLE, got " + type);
            }
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
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public StateWriter putLong(String key, long value) {
        try {
            startEntry(key, StateFormat.LONG);
            out.writeLong(value);
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public StateWriter putDouble(String key, double value) {
        try {
            startEntry(key, StateFormat.DOUBLE);
            out.writeDouble(value);
            return this;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public StateWriter putString(String key, String value) {
        try {
            startEntry(key, StateFormat.STRING);
            out.writeUTF(value);
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
        out.writeUTF(key);
        out.writeByte(kind);
    }

    /** Writes the end marker and flushes; does not close the underlying stream. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            out.writeUTF("");
            out.writeByte(StateFormat.END);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
