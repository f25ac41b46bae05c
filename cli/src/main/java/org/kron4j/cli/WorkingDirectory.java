package org.kron4j.cli;

import java.nio.file.Path;

/**
 * Resolves relative paths the user typed against the directory the user typed them in. The
 * {@code ./kron4j} launcher starts the JVM in the repository root (its class path is relative to
 * it) and passes the caller's directory in {@code KRON4J_CWD}; without it, the JVM's own working
 * directory is used.
 */
public final class WorkingDirectory {
    private WorkingDirectory() {
    }

    /** The caller's directory. */
    public static Path base() {
        String cwd = System.getenv("KRON4J_CWD");
        return Path.of(cwd != null && !cwd.isBlank() ? cwd : System.getProperty("user.dir")).toAbsolutePath();
    }

    /** {@code text} as an absolute, normalised path; {@code ~/} expands to the user's home. */
    public static Path resolve(String text) {
        String expanded = text;
        if (text.equals("~") || text.startsWith("~/")) {
            expanded = System.getProperty("user.home") + text.substring(1);
        }
        Path path = Path.of(expanded);
        return (path.isAbsolute() ? path : base().resolve(path)).normalize();
    }
}
