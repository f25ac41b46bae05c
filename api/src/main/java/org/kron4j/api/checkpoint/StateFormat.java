package org.kron4j.api.checkpoint;

import java.util.zip.CRC32;

/** Constants of the kron4j state format shared by {@link StateWriter} and {@link StateReader}. */
final class StateFormat {
    static final int MAGIC = 0x4B344A53; // "K4JS"
    /** Format written: 2 (checksummed records). 1 (no checksums) is still read, with a warning. */
    static final int VERSION = 2;
    static final int VERSION_1 = 1;
    static final byte ARRAY = 1;
    static final byte NULL = 2;
    static final byte LONG = 3;
    static final byte DOUBLE = 4;
    static final byte STRING = 5;
    static final byte END = 0;

    private StateFormat() {
    }

    static int crc(byte[] bytes, int offset, int length) {
        CRC32 crc = new CRC32();
        crc.update(bytes, offset, length);
        return (int) crc.getValue();
    }

    static int crcOfInts(int... values) {
        byte[] bytes = new byte[values.length * Integer.BYTES];
        for (int i = 0; i < values.length; i++) {
            for (int b = 0; b < Integer.BYTES; b++) {
                bytes[i * Integer.BYTES + b] = (byte) (values[i] >>> (24 - 8 * b));
            }
        }
        return crc(bytes, 0, bytes.length);
    }
}
