package org.kron4j.cli.checkpoint;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Turns SIGINT (Ctrl-C) and SIGTERM into a request to stop at the next step boundary, so that the
 * ablation can finish its step, write a checkpoint and exit with {@code kron4j}'s "interrupted"
 * code instead of dying half-way. A second signal while the first is being honoured stops the
 * process at once (exit code 130; checkpoints are written atomically, so the last one is whole).
 * {@link #close()} puts the previous handlers back.
 *
 * <p>Uses {@code sun.misc.Signal} (module jdk.unsupported, present in every JDK since 9). Where a
 * handler cannot be installed (e.g. {@code java -Xrs}), the signal keeps its default effect: the
 * process ends without a final checkpoint, and a resume starts from the last periodic one.
 */
public final class StopSignal implements BooleanSupplier, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StopSignal.class);
    /** The exit status after a second signal: the shells' code for an interrupt (128 + SIGINT). */
    public static final int FORCED_EXIT = 130;
    private static final List<String> SIGNALS = List.of("INT", "TERM");

    private final PrintStream err;
    private final List<Signal> installed = new ArrayList<>();
    private final List<SignalHandler> previous = new ArrayList<>();
    private volatile String received;

    private StopSignal(PrintStream err) {
        this.err = err;
    }

    /** Installs the handlers; they stay until {@link #close()}. */
    public static StopSignal install(PrintStream err) {
        StopSignal stop = new StopSignal(err);
        for (String name : SIGNALS) {
            try {
                Signal signal = new Signal(name);
                stop.previous.add(Signal.handle(signal, stop::handle));
                stop.installed.add(signal);
            } catch (IllegalArgumentException | UnsupportedOperationException e) {
                LOG.warn("cannot handle SIG{} ({}): it will stop kron4j without a final checkpoint", name,
                        e.getMessage());
            }
        }
        return stop;
    }

    private void handle(Signal signal) {
        if (received != null) {
            err.println("kron4j: second SIG" + signal.getName() + ": stopping now; the last checkpoint is kept");
            err.flush();
            Runtime.getRuntime().halt(FORCED_EXIT);
        }
        received = "SIG" + signal.getName();
        err.println("kron4j: " + received + " received: finishing the current step and writing a checkpoint "
                + "(send it again to stop at once)");
        err.flush();
    }

    /** Whether a stop was requested. */
    @Override
    public boolean getAsBoolean() {
        return received != null;
    }

    /** The signal that requested the stop ("SIGTERM", "SIGINT"), or null. */
    public String received() {
        return received;
    }

    /** Requests a stop as a signal would (tests, embedding). */
    public void request(String why) {
        received = why;
    }

    @Override
    public void close() {
        for (int i = 0; i < installed.size(); i++) {
            try {
                Signal.handle(installed.get(i), previous.get(i));
            } catch (IllegalArgumentException e) {
                LOG.debug("could not restore the handler of {}", installed.get(i), e);
            }
        }
        installed.clear();
        previous.clear();
    }
}
