package org.kron4j.cli;

import org.kron4j.cli.ablation.AblationConfig;
import org.kron4j.cli.ablation.AblationResult;
import org.kron4j.cli.ablation.AblationRunner;
import org.kron4j.cli.ablation.Baseline;
import org.kron4j.cli.ablation.MethodConfig;
import org.kron4j.cli.ablation.Presets;
import org.kron4j.cli.ablation.RunResult;
import org.kron4j.cli.data.DataCatalog;
import org.kron4j.cli.data.TrainingData;
import org.kron4j.cli.engine.Dl4jEngine;
import org.kron4j.cli.engine.ModelShape;
import org.kron4j.cli.engine.ReferenceEngine;
import org.kron4j.cli.engine.SparkEngine;
import org.kron4j.cli.ablation.BatchSchedule;
import org.kron4j.cli.ablation.Study;
import org.kron4j.cli.report.DampingPlot;
import org.kron4j.cli.report.StepsCsv;
import org.kron4j.cli.engine.TrainingEngine;
import org.kron4j.cli.report.LossPlot;
import org.kron4j.cli.report.OutputFolder;
import org.kron4j.cli.report.Progress;
import org.kron4j.cli.report.ReportWriter;
import org.kron4j.cli.report.ResultsCsv;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.kron4j.api.registry.VariantRegistry;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code kron4j ablate}: trains one model with several optimizers over several seeds and writes
 * results.csv, report.md, loss.png and config.json into a new folder.
 */
@Command(name = "ablate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Compare kron4j variants and first-order baselines on one model: every method at a fixed step budget "
                    + "on several seeds (same initial weights and batches per seed), steps and seconds to a training-"
                    + "loss target, final training loss, test accuracy, step time and factor memory.",
            "",
            "Without options it runs the default study (--study digits-autoencoder): a DL4J deep autoencoder on the "
                    + "bundled UCI digits, 64-128-64-32-8 mirrored, tanh units, linear code layer, sigmoid cross-entropy "
                    + "summed over pixels, batch 256, 200 steps, target 19; the variants kfac, ekfac, kfra and shampoo "
                    + "(those on the class path) at the library defaults and DL4J's sgd (Nesterov momentum 0.9) and "
                    + "adam, each baseline with a learning-rate sweep, seeds 1,2,3 (about 2.5 minutes on 2 cores). "
                    + "--study digits-classifier (or --data digits) runs the 64-128-128-10 classifier instead.",
            "",
            "Writes into --out (default results/<timestamp>/, never over an existing folder): results.csv (one row "
                    + "per method and seed), steps.csv (per step: batch size, loss, damping λ, reduction ratio ρ, step "
                    + "size α, momentum μ), report.md (medians, winners, damping, settings), loss.png (loss vs steps and "
                    + "vs seconds), damping.png (λ vs steps), config.json (every setting; rerun with --config).",
            ""},
        footerHeading = "%nExamples:%n",
        footer = {
            "  kron4j ablate --variants \"kfac;kfac:damping=0.01,label=kfac-low;sgd\" --seeds 1..5",
            "  kron4j ablate --data mnist --model autoencoder --steps 1000 --target 120",
            "  kron4j ablate --data mnist --model autoencoder --batch 1000..60000@500 --variants \"kfac;adam\"",
            "  kron4j ablate --study digits-autoencoder",
            "  kron4j ablate --engine reference --data iris --steps 60",
            "  kron4j ablate --config results/2025-01-01T10-00-00/config.json --out results/rerun",
            "",
            "Exit codes: 0 ok, 1 the run failed, 2 bad input (one line on stderr, nothing written)."})
public final class AblateCommand implements Callable<Integer> {
    @ParentCommand
    private Kron4jCommand parent;

    @Spec
    private CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE",
            description = "Rerun the ablation a config.json describes; other options given here override its fields.")
    private String configFile;

    @Option(names = "--study", paramLabel = "NAME",
            description = "A bundled problem with its data, model, batch, steps and target: digits-classifier (the "
                    + "default when neither --data, --model nor --config is given) or digits-autoencoder "
                    + "(64-128-64-32-8 mirrored, tanh, linear code). Other options override its fields.")
    private String study;

    @Option(names = "--variants", paramLabel = "SPECS",
            description = {"Methods separated by ';', each 'name[:key=value,...]': the variants (see 'kron4j list') "
                    + "and the baselines sgd and adam. Each starts from its ablation preset; keys override it. "
                    + "learningRate=a|b|c sweeps rates (the best is reported); label=NAME names the rows.",
                "Default: kfac;ekfac;kfra;shampoo;sgd;adam (variants not on the class path are skipped)."})
    private String variants;

    @Option(names = "--seeds", paramLabel = "LIST",
            description = "Seeds, e.g. 1,2,3 or 1..5 (default 1,2,3). A seed sets the initial weights, the batches and "
                    + "the MC Fisher samples.")
    private String seeds;

    @Option(names = "--steps", paramLabel = "N", description = "Step budget of every run (default "
            + AblationConfig.DEFAULT_STEPS + ").")
    private Integer steps;

    @Option(names = "--target", paramLabel = "LOSS",
            description = "Training-loss target for steps/seconds to target (default " + AblationConfig.CLASSIFIER_TARGET
                    + " for classifiers, " + AblationConfig.AUTOENCODER_TARGET + " for autoencoders).")
    private Double target;

    @Option(names = "--window", paramLabel = "N",
            description = "The target is reached when the mean of the last N batch losses is at most it (default "
                    + AblationConfig.DEFAULT_WINDOW + ").")
    private Integer window;

    @Option(names = "--batch", paramLabel = "N|a..b@K",
            description = "Examples per step (default " + AblationConfig.DEFAULT_BATCH + " for classifiers, "
                    + AblationConfig.AUTOENCODER_BATCH + " for autoencoders), or a growth schedule a..b@K: "
                    + "batch(k) = min(b, round(a·(b/a)^(k/K))) at step k = 0, 1, …, reaching b at step K (the K-FAC "
                    + "paper's exponentially growing batch, e.g. 1000..60000@500).")
    private String batch;

    @Option(names = "--data", paramLabel = "NAME",
            description = "digits (default), iris, wine, breast-cancer (bundled), mnist, fashion-mnist (IDX files from "
                    + "--data-dir; the error message says how to get them).")
    private String data;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Folder with the MNIST / Fashion-MNIST IDX files (default ~/.cache/kron4j/<name>, also "
                    + "/usr/share/datasets/fashion-mnist).")
    private String dataDir;

    @Option(names = "--model", paramLabel = "SHAPE",
            description = "MLP widths like 64-128-128-10 (default: <features>-128-128-<classes>), 'autoencoder' "
                    + "(d-1000-500-250-30 mirrored, tanh units, linear 30-unit code layer, sigmoid cross-entropy "
                    + "summed over the d outputs: the set-up of Martens & Grosse 2015) or 'autoencoder:256-64-16'.")
    private String model;

    @Option(names = "--activation", paramLabel = "NAME",
            description = "Hidden activation: tanh (default), sigmoid (e.g. the sigmoid autoencoder of Hinton & "
                    + "Salakhutdinov 2006), relu, softplus, identity.")
    private String activation;

    @Option(names = "--engine", paramLabel = "NAME",
            description = "dl4j (default: DL4J MultiLayerNetwork, kron4j attached through kron4j-dl4j), reference "
                    + "(kron4j's ReferenceMlp from kron4j-reference; 'testkit', its former name, is accepted) or spark "
                    + "(data-parallel on Apache Spark, --workers N).")
    private String engine;

    @Option(names = "--workers", paramLabel = "N",
            description = "With --engine spark: partitions of every batch (default 2); the master is local[N] unless "
                    + "--spark-master is given.")
    private Integer workers;

    @Option(names = "--refresh-workers", paramLabel = "G",
            description = "With --engine spark: decompositions sharded by layer over G of the workers (balanced "
                    + "n^3 costs, results sent to the driver); 0 (default) decomposes on the driver.")
    private Integer refreshWorkers;

    @Option(names = "--spark-master", paramLabel = "URL",
            description = "With --engine spark: a Spark master URL (spark://host:7077, yarn...) instead of local[N]; "
                    + "see spark/README.md.")
    private String sparkMaster;

    @Option(names = "--threads", paramLabel = "N",
            description = "Native threads of ND4J's kernels (default " + AblationConfig.DEFAULT_THREADS + ": steady "
                    + "timings on a shared machine; more can help large models on an idle one). Part of the config: it "
                    + "changes the order of floating-point sums.")
    private Integer threads;

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder; must not exist (default "
            + "results/<timestamp>).")
    private String out;

    @Option(names = {"-q", "--quiet"}, description = "No progress bar.")
    private boolean quiet;

    @Override
    public Integer call() throws IOException {
        VariantRegistry registry = parent.registry();
        List<String> skipped = new ArrayList<>();
        AblationConfig config = configure(registry, skipped);
        Path target = out != null ? WorkingDirectory.resolve(out) : defaultOut();
        String started = LocalDateTime.now().format(DateTimeFormatter.ISO_LOCAL_DATE_TIME).substring(0, 19);
        try (OutputFolder folder = OutputFolder.prepare(target)) {
            Path dir = config.dataDir() == null ? null : WorkingDirectory.resolve(config.dataDir());
            TrainingData trainingData = DataCatalog.load(config.data(), dir, config.autoencoder(), config.testFraction(),
                    config.splitSeed(), config.evalExamples());
            ModelShape shape = ModelShape.resolve(config.model(), config.activation(), trainingData.features(),
                    trainingData.classes(), config.data());
            TrainingEngine trainingEngine = switch (config.engine()) {
                case "dl4j" -> new Dl4jEngine(registry);
                case SparkEngine.NAME -> sparkEngine(registry);
                default -> new ReferenceEngine(registry);
            };
            NativeThreads.set(config.threads());
            AblationRunner runner = new AblationRunner(config, shape, trainingData, trainingEngine);
            long start = System.nanoTime();
            List<RunResult> runs;
            try (Progress progress = new Progress(parent.err(), !quiet)) {
                progress.started(runner.totalSteps());
                runner.warmUp(progress);
                runs = runner.runAll(progress);
            }
            double wall = (System.nanoTime() - start) / 1e9;
            AblationResult result = new AblationResult(config, shape, trainingData.description(),
                    trainingEngine.describe(), runs, wall, skipped);
            folder.write("results.csv", ResultsCsv.write(result.reportedRuns()));
            folder.write("config.json", config.toJson());
            folder.write("steps.csv", StepsCsv.write(result.runs()));
            folder.write("loss.png", LossPlot.render(result));
            folder.write("damping.png", DampingPlot.render(result));
            folder.write("report.md", ReportWriter.write(result, commandLine(), display(target), registry, started));
            Path written = folder.commit();
            printSummary(result, written);
        }
        return Kron4jCommand.OK;
    }

    private SparkEngine sparkEngine(VariantRegistry registry) {
        try {
            return new SparkEngine(registry, workers != null ? workers : 2, sparkMaster,
                    refreshWorkers != null ? refreshWorkers : 0);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(e.getMessage());
        }
    }

    /** The configuration: config.json (if given) overridden by options, else defaults overridden by options. */
    private AblationConfig configure(VariantRegistry registry, List<String> skipped) {
        AblationConfig base = null;
        if (configFile != null) {
            base = AblationConfig.read(WorkingDirectory.resolve(configFile), registry);
        }
        Study chosen = null;
        if (study != null) {
            if (base != null) {
                throw new BadInputException("--study and --config exclude each other: a config file names its problem");
            }
            chosen = Study.find(study).orElseThrow(() -> new BadInputException("unknown study '" + study + "'; known: "
                    + String.join(", ", Study.keys())));
        } else if (base == null && data == null && model == null) {
            chosen = Study.DEFAULT;
        }
        String dataName = data != null ? DataCatalog.canonical(data) : base != null ? base.data()
                : chosen != null ? chosen.data() : "digits";
        String modelText = model != null ? model.trim() : base != null ? base.model()
                : chosen != null && dataName.equals(chosen.data()) ? chosen.model() : null;
        boolean studyApplies = chosen != null && dataName.equals(chosen.data())
                && java.util.Objects.equals(modelText, chosen.model());
        boolean autoencoder = ModelShape.isAutoencoder(modelText);
        if (engine != null && engine.trim().equalsIgnoreCase(ReferenceEngine.ALIAS)) {
            parent.err().println("kron4j ablate: engine 'testkit' is now called 'reference'; using 'reference'");
        }
        String act = activation != null ? activation.trim().toLowerCase(Locale.ROOT)
                : base != null && model == null ? base.activation() : "tanh";
        List<MethodConfig> methods;
        if (variants != null) {
            methods = MethodConfig.parseList(variants, registry, autoencoder);
        } else if (base != null) {
            methods = base.methods();
        } else {
            methods = MethodConfig.defaults(registry, autoencoder);
            for (String name : Presets.DEFAULT_METHODS) {
                if (Baseline.find(name).isEmpty() && registry.find(name).isEmpty()) {
                    skipped.add(name);
                }
            }
            if (!skipped.isEmpty()) {
                parent.err().println("kron4j ablate: not on the class path, skipped: " + String.join(", ", skipped));
            }
        }
        double defaultTarget = autoencoder ? AblationConfig.AUTOENCODER_TARGET : AblationConfig.CLASSIFIER_TARGET;
        boolean sameKind = base != null && base.autoencoder() == autoencoder;
        AblationConfig config = new AblationConfig(dataName,
                dataDir != null ? dataDir : base != null ? base.dataDir() : null,
                modelText != null ? modelText : "",
                act,
                engine != null ? engine.trim().toLowerCase(Locale.ROOT) : base != null ? base.engine() : "dl4j",
                batch != null ? BatchSchedule.parse(batch) : base != null ? base.batch()
                        : BatchSchedule.constant(studyApplies ? chosen.batch()
                                : autoencoder ? AblationConfig.AUTOENCODER_BATCH : AblationConfig.DEFAULT_BATCH),
                steps != null ? steps : base != null ? base.steps()
                        : studyApplies ? chosen.steps() : AblationConfig.DEFAULT_STEPS,
                target != null ? target : sameKind ? base.target() : studyApplies ? chosen.target() : defaultTarget,
                window != null ? window : base != null ? base.window() : AblationConfig.DEFAULT_WINDOW,
                seeds != null ? parseSeeds(seeds) : base != null ? base.seeds() : AblationConfig.DEFAULT_SEEDS,
                base != null ? base.testFraction() : AblationConfig.DEFAULT_TEST_FRACTION,
                base != null ? base.splitSeed() : 0L,
                base != null ? base.evalExamples() : AblationConfig.DEFAULT_EVAL_EXAMPLES,
                threads != null ? threads : base != null ? base.threads() : AblationConfig.DEFAULT_THREADS,
                methods);
        if (config.model().isEmpty()) {
            // the default classifier's widths depend on the data: resolve them now so config.json states them
            config = withDefaultModel(config);
        }
        return config.check();
    }

    /** Fills in the default model text from the data's shape, without loading MNIST twice. */
    private static AblationConfig withDefaultModel(AblationConfig c) {
        int[] shape = switch (c.data()) {
            case "digits" -> new int[] {64, 10};
            case "iris" -> new int[] {4, 3};
            case "wine" -> new int[] {13, 3};
            case "breast-cancer" -> new int[] {30, 2};
            default -> new int[] {784, 10};
        };
        String text = ModelShape.resolve(null, c.activation(), shape[0], shape[1], c.data()).text();
        return new AblationConfig(c.data(), c.dataDir(), text, c.activation(), c.engine(), c.batch(), c.steps(),
                c.target(), c.window(), c.seeds(), c.testFraction(), c.splitSeed(), c.evalExamples(), c.threads(),
                c.methods());
    }

    /** "1,2,3", "1..5", "7" or "1..3,10". */
    public static List<Long> parseSeeds(String text) {
        LinkedHashSet<Long> seeds = new LinkedHashSet<>();
        for (String part : text.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            try {
                int range = p.indexOf("..");
                if (range >= 0) {
                    long from = Long.parseLong(p.substring(0, range).trim());
                    long to = Long.parseLong(p.substring(range + 2).trim());
                    if (to < from || to - from >= 10_000) {
                        throw new BadInputException("seed range '" + p + "' must go upwards and hold at most 10000 seeds");
                    }
                    for (long s = from; s <= to; s++) {
                        addSeed(seeds, s, text);
                    }
                } else {
                    addSeed(seeds, Long.parseLong(p), text);
                }
            } catch (NumberFormatException e) {
                throw new BadInputException("--seeds '" + text + "': expected integers like 1,2,3 or 1..5, got '" + p
                        + "'");
            }
        }
        if (seeds.isEmpty()) {
            throw new BadInputException("--seeds '" + text + "' names no seed");
        }
        return List.copyOf(seeds);
    }

    private static void addSeed(LinkedHashSet<Long> seeds, long seed, String text) {
        if (!seeds.add(seed)) {
            throw new BadInputException("--seeds '" + text + "' lists seed " + seed + " twice");
        }
    }

    private static Path defaultOut() {
        Path results = WorkingDirectory.resolve("results");
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH-mm-ss"));
        Path candidate = results.resolve(stamp);
        for (int n = 2; Files.exists(candidate); n++) {
            candidate = results.resolve(stamp + "-" + n);
        }
        return candidate;
    }

    private static String display(Path path) {
        Path base = WorkingDirectory.base();
        return path.startsWith(base) ? base.relativize(path).toString() : path.toString();
    }

    private String commandLine() {
        List<String> args = spec.commandLine().getParseResult().originalArgs();
        StringBuilder sb = new StringBuilder("kron4j");
        for (String a : args) {
            sb.append(' ').append(a.matches("[A-Za-z0-9_./:=,+@-]+") ? a : "'" + a.replace("'", "'\\''") + "'");
        }
        return sb.toString();
    }

    private void printSummary(AblationResult result, Path written) {
        var stdout = parent.out();
        AblationConfig config = result.config();
        stdout.printf(Locale.ROOT, "kron4j ablate: %s, %s, %s engine, %d steps × batch %s, seeds %s, target %s "
                + "(mean of %d batch losses), %.1f s%n", config.data(), result.model().widths(), config.engine(),
                config.steps(), config.batch(), config.seeds(), ReportWriter.fmt(config.target()), config.window(),
                result.wallSeconds());
        stdout.printf(Locale.ROOT, "%-16s %10s %8s %10s %10s %12s %10s %9s %9s %10s%n", "method", "lr", "reached",
                "steps", "seconds", "final loss", result.model().isAutoencoder() ? "test loss" : "test acc", "ms/step",
                "cpu ms", "factor MB");
        for (AblationResult.MethodRuns m : result.methods()) {
            AblationResult.RateRuns r = m.chosen();
            stdout.printf(Locale.ROOT, "%-16s %10s %8s %10s %10s %12s %10s %9.2f %9.2f %10.2f%n", m.method().label(),
                    ReportWriter.fmt(r.rate()), r.reached() + "/" + r.runs().size(), steps(r.medianSteps()),
                    seconds(r.medianSeconds()), number(r.medianFinalLoss()),
                    number(result.model().isAutoencoder() ? r.medianTestLoss() : r.medianTestAccuracy()),
                    r.medianMsPerStep(), r.medianCpuMsPerStep(), r.medianFactorBytes() / 1e6);
        }
        stdout.println("(medians over seeds; steps and seconds to target, '-' = not reached)");
        stdout.println("results: " + display(written) + "/ (results.csv, steps.csv, report.md, loss.png, damping.png, "
                + "config.json)");
    }

    private static String steps(double v) {
        return Double.isFinite(v) ? (v == Math.rint(v) ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.1f", v))
                : "-";
    }

    private static String seconds(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.2f", v) : "-";
    }

    private static String number(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.4f", v) : "-";
    }
}
