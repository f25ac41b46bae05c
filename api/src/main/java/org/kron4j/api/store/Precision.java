package org.kron4j.api.store;

import org.nd4j.linalg.api.buffer.DataType;

/** The floating-point precisions the factor store keeps factors and runs decompositions in. */
public enum Precision {
    FLOAT(DataType.FLOAT),
    DOUBLE(DataType.DOUBLE);

    private final DataType dataType;

    Precision(DataType dataType) {
        this.dataType = dataType;
    }

    public DataType dataType() {
        return dataType;
    }

    /** Bytes per value. */
    public int bytes() {
        return dataType == DataType.FLOAT ? Float.BYTES : Double.BYTES;
    }
}
