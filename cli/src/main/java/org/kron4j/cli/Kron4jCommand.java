package org.kron4j.cli;

import ch.qos.logback.classic.Level;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import org.kron4j.api.registry.VariantRegistry;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The {@code kron4j} command: {@code list}, {@code ablate}, {@code verify}, {@code soak}.
 *
 * <pre>
 * ./kron4j list                                  # variants on the class path, every setting and default
 * ./kron4j ablate                                # the default ablation (digits, DL4J MLP, 4 variants + 2 baselines)
 * ./kron4j ablate --variants "kfac:damping=0.1;sgd" --seeds 1..5 --steps 300 --out results/mine
 * ./kron4j ablate --config results/mine/config.json --out results/again
 * ./kron4j verify --model 784-256-10
 * ./kron4j soak --variants kfac,ekfac --steps 10000   # memory over a long run, slope per 1000 steps
 * </pre>
 *
 * <p>Exit codes: 0 ok, 1 the run failed, 2 bad input (one line on stderr, nothing written), 130
 * interrupted (SIGINT or SIGTERM; checkpoint written, resumable).
 * Without a subcommand it runs {@code ablate} with its defaults (the repository's "main job").
 */
@Command(name = "kron4j", mixinStandardHelpOptions = true, versionProvider = Kron4jCommand.Version.class,
        description = {"Kronecker-factored second-order optimizers (K-FAC, EKFAC, KFRA, Shampoo): ablation studies, "
                + "reports, plots and a curvature check.",
            "Without a command, runs 'ablate' with its defaults."},
        subcommands = {ListCommand.class, AblateCommand.class, VerifyCommand.class, SoakCommand.class,
                CommandLine.HelpCommand.class},
        footerHeading = "%nExit codes:%n",
        footer = {"  0    ok", "  1    the run failed (results already computed are kept; the message says where)",
            "  2    bad input (one line on stderr; nothing written)",
            "  130  interrupted by SIGINT (Ctrl-C) or SIGTERM: the current step was finished and a checkpoint "
                    + "written; the message gives the command that resumes the study"})
public final class Kron4jCommand implements Callable<Integer> {
    /** Exit code of a successful command. */
    public static final int OK = 0;
    /** Exit code of a run that failed. */
    public static final int RUN_FAILED = 1;
    /** Exit code of bad input: unknown variant or data set, malformed or inconsistent config, unwritable output. */
    public static final int BAD_INPUT = 2;
    /**
     * Exit code of a command stopped by SIGINT (Ctrl-C) or SIGTERM after finishing its step and
     * writing a checkpoint: 130, the shells' code for an interrupt, for both signals (a JVM killed by
     * SIGTERM without this handling exits 143, without a checkpoint).
     */
    public static final int INTERRUPTED = 130;

    private final VariantRegistry registry;
    private final PrintStream out;
    private final PrintStream err;

    @Option(names = {"-v", "--verbose"}, scope = CommandLine.ScopeType.INHERIT,
            description = "Log kron4j's and DL4J's progress (INFO) to stderr, and stack traces of failures.")
    public void verbose(boolean value) {
        if (value) {
            verbose = true;
            ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger) LoggerFactory
                    .getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
            root.setLevel(Level.INFO);
            ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("org.kron4j")).setLevel(Level.INFO);
        }
    }

    private boolean verbose;

    private Kron4jCommand(VariantRegistry registry, PrintStream out, PrintStream err) {
        this.registry = registry;
        this.out = out;
        this.err = err;
    }

    /** Runs the command and exits the JVM with its exit code. */
    public static void main(String[] args) {
        System.setProperty("java.awt.headless", "true");
        System.exit(execute(args, System.out, System.err));
    }

    /**
     * Runs the command with the variants found on the class path of the thread's context class
     * loader, printing to the given streams.
     *
     * @return the exit code: {@link #OK}, {@link #RUN_FAILED}, {@link #BAD_INPUT} or {@link #INTERRUPTED}
     */
    public static int execute(String[] args, PrintStream out, PrintStream err) {
        VariantRegistry registry;
        try {
            registry = VariantRegistry.load();
        } catch (IllegalStateException e) {
            err.println("kron4j: " + BadInputException.oneLine(e.getMessage()));
            return RUN_FAILED;
        }
        return execute(registry, args, out, err);
    }

    /** {@link #execute(String[], PrintStream, PrintStream)} with a given registry (tests). */
    public static int execute(VariantRegistry registry, String[] args, PrintStream out, PrintStream err) {
        String[] effective = args;
        if (args.length == 0) {
            err.println("kron4j: no command given, running the default ablation ('kron4j ablate'); "
                    + "'kron4j --help' lists the commands");
            effective = new String[] {"ablate"};
        }
        Kron4jCommand root = new Kron4jCommand(registry, out, err);
        CommandLine cl = new CommandLine(root);
        cl.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        cl.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        cl.setParameterExceptionHandler((e, ignored) -> {
            String command = e.getCommandLine().getCommandSpec().qualifiedName();
            err.println(command + ": " + BadInputException.oneLine(e.getMessage()) + " (see '" + command + " --help')");
            return BAD_INPUT;
        });
        cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            String command = commandLine.getCommandSpec().qualifiedName();
            if (e instanceof BadInputException) {
                err.println(command + ": " + e.getMessage());
                if (root.verbose) {
                    e.printStackTrace(err);
                }
                return BAD_INPUT;
            }
            err.println(command + ": run failed: " + BadInputException.oneLine(String.valueOf(e))
                    + (root.verbose ? "" : " (--verbose shows the stack trace)"));
            if (root.verbose) {
                e.printStackTrace(err);
            }
            return RUN_FAILED;
        });
        return cl.execute(effective);
    }

    @Override
    public Integer call() {
        new CommandLine(this).usage(out);
        return OK;
    }

    public VariantRegistry registry() {
        return registry;
    }

    public PrintStream out() {
        return out;
    }

    public PrintStream err() {
        return err;
    }

    public boolean isVerbose() {
        return verbose;
    }

    /** The version: the jar's Implementation-Version when packaged, else the project version. */
    public static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Kron4jCommand.class.getPackage().getImplementationVersion();
            return new String[] {"kron4j " + (v != null ? v : "0.1.0-SNAPSHOT")};
        }
    }
}
