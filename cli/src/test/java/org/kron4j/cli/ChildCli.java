package org.kron4j.cli;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code kron4j} in a child JVM on the test's class path, so that a test can send it signals
 * (SIGTERM: {@link Process#destroy()}, SIGKILL: {@link Process#destroyForcibly()}).
 */
final class ChildCli {
    private final Process process;
    private final Path stdout;
    private final Path stderr;

    private ChildCli(Process process, Path stdout, Path stderr) {
        this.process = process;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /** Starts {@code kron4j args} with the given {@code -D} properties; output goes to files in {@code logs}. */
    static ChildCli start(Path logs, List<String> properties, String... args) throws IOException {
        return start(logs, null, properties, args);
    }

    /** {@link #start(Path, List, String...)} with relative paths resolved against {@code workingDirectory}. */
    static ChildCli start(Path logs, Path workingDirectory, List<String> properties, String... args)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx512m");
        command.add("-XX:TieredStopAtLevel=1"); // short runs: start fast rather than compile hard
        command.add("-Djava.awt.headless=true");
        command.addAll(properties);
        command.add("-cp");
        command.add(classPath());
        command.add(Kron4jCommand.class.getName());
        command.addAll(List.of(args));
        Files.createDirectories(logs);
        Path out = Files.createTempFile(logs, "child", ".out");
        Path err = Files.createTempFile(logs, "child", ".err");
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().putIfAbsent("OPENBLAS_CORETYPE", "Haswell");
        if (workingDirectory != null) {
            builder.environment().put("KRON4J_CWD", workingDirectory.toString());
        }
        return new ChildCli(builder.start(), out, err);
    }

    /** The test JVM's real class path (surefire's booter jar only points to it). */
    private static String classPath() {
        String surefire = System.getProperty("surefire.test.class.path");
        String path = surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
        return String.join(File.pathSeparator, path.split(File.pathSeparator));
    }

    Process process() {
        return process;
    }

    /** Waits for the child to end; returns its exit code. */
    int await(Duration limit) throws InterruptedException {
        if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
            threadDump();
            process.destroyForcibly().waitFor();
            throw new AssertionError("the child did not end within " + limit + "\n" + this);
        }
        return process.exitValue();
    }

    /** Asks the child JVM for a thread dump on its stdout (SIGQUIT), for the failure message. */
    private void threadDump() throws InterruptedException {
        try {
            new ProcessBuilder("kill", "-QUIT", String.valueOf(process.pid())).start().waitFor();
            Thread.sleep(1000);
        } catch (IOException e) {
            // no kill command: the message goes without a dump
        }
    }

    /** Waits until {@code marker} exists (the child paused there) or the child ends. */
    void awaitFile(Path marker, Duration limit) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        while (!Files.exists(marker)) {
            if (!process.isAlive()) {
                throw new AssertionError("the child ended (exit " + process.exitValue() + ") before " + marker
                        + "\n" + this);
            }
            if (System.nanoTime() > end) {
                process.destroyForcibly().waitFor();
                throw new AssertionError("no " + marker + " within " + limit + "\n" + this);
            }
            Thread.sleep(20);
        }
    }

    /** Waits until the child's stderr contains {@code text}. */
    void awaitErr(String text, Duration limit) throws InterruptedException {
        long end = System.nanoTime() + limit.toNanos();
        while (!err().contains(text)) {
            if (!process.isAlive() || System.nanoTime() > end) {
                process.destroyForcibly().waitFor();
                throw new AssertionError("no '" + text + "' on the child's stderr\n" + this);
            }
            Thread.sleep(20);
        }
    }

    /** SIGKILL, then waits for the process to be gone. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    String out() {
        return read(stdout);
    }

    String err() {
        return read(stderr);
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    @Override
    public String toString() {
        return "--- child stdout\n" + out() + "--- child stderr\n" + err();
    }
}
