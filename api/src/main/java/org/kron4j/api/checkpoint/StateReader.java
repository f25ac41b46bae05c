package org.kron4j.api.checkpoint;

import java.io.DataInputStream;
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

/**
 * Reads what {@link StateWriter} wrote. The whole state is read eagerly; a truncated or foreign
 * stream fails with a {@link CheckpointFormatException} that says what was wrong.
 */
public final class StateReader {
    private final Map<String, Object> entries;

    private StateReader(Map<String, Object> entries) {
        this.entries = entries;
    }

    public static StateReader read(InputStream input) {
        DataInputStream in = new DataInputStream(input);
        Map<String, Object> entries = new LinkedHashMap<>();
        try {
            int magic = in.readInt();
            if (magic != StateFormat.MAGIC) {
                throw new CheckpointFormatException("not a kron4j state stream (bad magic number)");
            }
            int version = in.readInt();
            if (version != StateFormat.VERSION) {
                throw new CheckpointFormatException("kron4j state version " + version + " is not supported (expected "
                        + StateFormat.VERSION + ")");
            }
            while (true) {
                String key = in.readUTF();
                byte kind = in.readByte();
                if (kind == StateFormat.END) {
                    return new StateReader(Collections.unmodifiableMap(entries));
                }
                Object value = switch (kind) {
                    case StateFormat.ARRAY -> readArray(in);
                    case StateFormat.NULL -> NullArray.INSTANCE;
                    case StateFormat.LONG -> in.readLong();
                    case StateFormat.DOUBLE -> in.readDouble();
                    case StateFormat.STRING -> in.readUTF();
                    default -> throw new CheckpointFormatException("unknown entry kind " + kind + " at '" + key + "'");
                };
                entries.put(key, value);
            }
        } catch (EOFException e) {
            throw new CheckpointFormatException("kron4j state stream is truncated");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static INDArray readArray(DataInputStream in) throws IOException {
        byte type = in.readByte();
        int rank = in.readInt();
        if (rank < 0 || rank > 8) {
            throw new CheckpointFormatException("bad array rank " + rank);
        }
        long[] shape = new long[rank];
        long length = 1;
        for (int i = 0; i < rank; i++) {
            shape[i] = in.readLong();
            length *= shape[i];
        }
        if (length < 0 || length > Integer.MAX_VALUE / Double.BYTES) {
            throw new CheckpointFormatException("bad array length " + length);
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
        throw new CheckpointFormatException("unknown array data type code " + type);
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
}
