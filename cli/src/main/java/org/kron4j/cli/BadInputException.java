package org.kron4j.cli;

/**
 * Input the command cannot run with: an unknown variant or data set, a malformed or inconsistent
 * configuration, an output folder that exists or cannot be written. The command prints the
 * message as one line and exits with code 2, having written nothing.
 */
public final class BadInputException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public BadInputException(String message) {
        super(oneLine(message));
    }

    public BadInputException(String message, Throwable cause) {
        super(oneLine(message), cause);
    }

    /** Messages are printed as a single line: newlines become "; ". */
    public static String oneLine(String message) {
        return message == null ? "(no message)" : message.strip().replaceAll("\\s*\\R\\s*", "; ");
    }
}
