package org.kron4j.api;

/**
 * A model, layer, activation or loss a variant cannot handle, reported when the optimizer is
 * built (never as wrong numbers later). The message names the variant, the offending part and
 * what would be accepted.
 */
public final class UnsupportedModelException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public UnsupportedModelException(String message) {
        super(message);
    }
}
