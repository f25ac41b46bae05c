package org.kron4j.api.store;

import org.kron4j.api.checkpoint.StateReader;
import org.kron4j.api.checkpoint.StateWriter;

/** What the store needs of everything it holds: ownership, size and serialisation. */
interface StoreEntry {

    /** The block (layer) this entry belongs to. */
    String block();

    /** Its role within the block, e.g. "A", "G", "scalings". */
    String role();

    /** Bytes of every array it holds right now. */
    long bytes();

    void write(StateWriter writer, String key);

    void read(StateReader reader, String key);
}
