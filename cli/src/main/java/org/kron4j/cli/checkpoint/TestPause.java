package org.kron4j.cli.checkpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.BooleanSupplier;

/**
 * A test-only hook to stop a child process at an exact place, so that a test can kill it there:
 * with the system property {@value #PROPERTY} set to {@code MARKER:RUN:STEP:WHERE} (WHERE is
 * {@code step}: after step STEP of run RUN, before any checkpoint of that step; or {@code checkpoint}:
 * in the middle of writing the checkpoint of that step, after half of it reached the temporary file),
 * the process creates the file MARKER and sleeps until it is killed or (at {@code step}) until a
 * stop is requested (SIGTERM, Ctrl-C). Without the property (every real run) it does nothing.
 */
public final class TestPause {
    /** The system property that arms the hook. */
    public static final String PROPERTY = "kron4j.test.pause";
    private static final String SPEC = System.getProperty(PROPERTY);

    private TestPause() {
    }

    /** Pauses if the hook is armed for this place, until killed or {@code stop} says true. */
    public static void at(String where, int run, int step, BooleanSupplier stop) {
        if (SPEC == null) {
            return;
        }
        String[] parts = SPEC.split(":");
        if (parts.length != 4) {
            throw new IllegalStateException(PROPERTY + " must be MARKER:RUN:STEP:WHERE, got " + SPEC);
        }
        if (Integer.parseInt(parts[1]) != run || Integer.parseInt(parts[2]) != step
                || !parts[3].toLowerCase(Locale.ROOT).equals(where)) {
            return;
        }
        try {
            Files.writeString(Path.of(parts[0]), where + " " + run + " " + step);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        while (!stop.getAsBoolean()) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
