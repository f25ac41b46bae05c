package org.kron4j.api.checkpoint;

/** Constants of the kron4j state format shared by {@link StateWriter} and {@link StateReader}. */
final class StateFormat {
    static final int MAGIC = 0x4B344A53; // "K4JS"
    static final int VERSION = 1;
    static final byte ARRAY = 1;
    static final byte NULL = 2;
    static final byte LONG = 3;
    static final byte DOUBLE = 4;
    static final byte STRING = 5;
    static final byte END = 0;

    private StateFormat() {
    }
}
