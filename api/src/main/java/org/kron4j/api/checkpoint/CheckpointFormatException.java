package org.kron4j.api.checkpoint;

/** A state stream that is not kron4j's, is truncated, or does not match the optimizer restoring it. */
public final class CheckpointFormatException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public CheckpointFormatException(String message) {
        super(message);
    }
}
