package org.kron4j.api.linalg;

import java.util.Optional;

/** What every decomposition result reports: whether it can be trusted and, if not, why. */
public interface Decomposition {

    /** True when the kernel succeeded and every entry of the result is finite. */
    boolean succeeded();

    /** Why the decomposition failed; empty when it succeeded. */
    Optional<String> failure();
}
