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
import org.kron4j.cli.checkpoint.ResumableStudy;
import org.kron4j.cli.checkpoint.StopSignal;
import org.kron4j.cli.checkpoint.StudyCheckpoints;
import org.kron4j.cli.checkpoint.StudyRecord;
import org.kron4j.cli.checkpoint.StudyStopped;
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
                    + "adam, each baseline with a learning-rate sweep, seeds 1,2,3 (about 2 to 2.5 minutes on 2 cores). "
                    + "--study digits-classifier (or --data digits) runs the 64-128-128-10 classifier instead.",
            "",
            "Writes into --out (default results/<timestamp>/, never over an existing folder): results.csv (one row "
                    + "per method and seed), steps.csv (per step: batch size, loss, damping λ, reduction ratio ρ, step "
                    + "size α, momentum μ), report.md (medians, winners, damping, settings), loss.png (loss vs steps and "
                    + "vs seconds), damping.png (λ vs steps), config.json (every setting; rerun with --config).",
            "",
            "Interrupted studies: the study runs in a hidden partial folder next to its results folder "
                    + "(results/.<name>.partial) with a checkpoint of the running run every --checkpoint-every steps "
                    + "and a record of every finished run. Ctrl-C or SIGTERM finishes the current step, writes a "
                    + "checkpoint, prints the command that resumes the study and exits with 130; after a kill "
                    + "(SIGKILL, power loss) the last checkpoint is used. 'kron4j ablate --resume DIR' continues it "
                    + "and writes the results an uninterrupted study would have (timings aside). Every 'kron4j "
                    + "ablate' lists the stopped studies next to its results folder with their resume commands; "
                    + "delete a partial folder to discard its study. Two commands started at the same moment never "
                    + "share a folder (the second gets <timestamp>-2). If a plot or the report fails, the results "
                    + "are kept and the command exits with 1.",
            ""},
        footerHeading = "%nExamples:%n",
        footer = {
            "  kron4j ablate --variants \"kfac;kfac:damping=0.01,label=kfac-low;sgd\" --seeds 1..5",
            "  kron4j ablate --data mnist --model autoencoder --steps 1000 --target 120",
            "  kron4j ablate --data mnist --model autoencoder --batch 1000..60000@500 --variants \"kfac;adam\"",
            "  kron4j ablate --study digits-autoencoder",
            "  kron4j ablate --study fashion-cnn --threads 2",
            "  kron4j ablate --data fashion-mnist --model cnn:5x32-5x64-1024 --variants \"kfac;ekfac;adam\"",
            "  kron4j ablate --engine reference --data iris --steps 60",
            "  kron4j ablate --config results/2025-01-01T10-00-00/config.json --out results/rerun",
            "  kron4j ablate --resume results/2025-01-01T10-00-00",
            "",
            "Exit codes: 0 ok, 1 the run failed (computed results are kept), 2 bad input (one line on stderr, "
                    + "nothing written), 130 interrupted by Ctrl-C or SIGTERM (checkpoint written; resume with the "
                    + "printed command)."})
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
                    + "(64-128-64-32-8 mirrored, tanh, linear code), digits-cnn, fashion-cnn and mnist-cnn (the "
                    + "last two need the IDX files). Other options override its fields.")
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
                    + "summed over the d outputs: the set-up of Martens & Grosse 2015), 'autoencoder:256-64-16', "
                    + "or 'cnn' (DL4J engine; conv 5x5x16 -> max-pool 2 -> conv 5x5x32 -> max-pool 2 -> dense 128 "
                    + "-> softmax on 28x28 images, 3x8-3x16-64 on the 8x8 digits; relu, Same mode) or "
                    + "'cnn:5x32-5x64-1024' (KxO conv stages each with a 2x2 max-pool, then dense widths).")
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
            + "results/<timestamp>, or <timestamp>-2, -3, … when that is taken).")
    private String out;

    @Option(names = {"-q", "--quiet"}, description = "No progress bar.")
    private boolean quiet;

    @Option(names = "--checkpoint-every", paramLabel = "N",
            description = "Write a checkpoint of the running run every N steps (default "
                    + StudyCheckpoints.DEFAULT_EVERY + "; 0: only when stopped and at the end of each run), in the "
                    + "hidden partial folder next to the results folder; a resume keeps the study's interval unless "
                    + "given. Does not change any result.")
    private Integer checkpointEvery;

    @Option(names = "--resume", paramLabel = "DIR",
            description = "Continue a study that was stopped (SIGINT, SIGTERM) or killed: DIR is its results folder "
                    + "(as it will be named) or its partial folder .NAME.partial. Finished runs are kept, the "
                    + "interrupted run continues from its last checkpoint; the results are those of an "
                    + "uninterrupted study, timings aside. Only --checkpoint-every, --quiet and --verbose may be "
                    + "given with it.")
    private String resume;

    @Override
    public Integer call() throws IOException {
        int every = checkpointEvery();
        if (resume != null) {
            return resumeStudy();
        }
        VariantRegistry registry = parent.registry();
        List<String> skipped = new ArrayList<>();
        AblationConfig config = configure(registry, skipped);
        String started = LocalDateTime.now().format(DateTimeFormatter.ISO_LOCAL_DATE_TIME).substring(0, 19);
        OutputFolder folder = out != null ? OutputFolder.reserve(WorkingDirectory.resolve(out))
                : OutputFolder.reserveNew(WorkingDirectory.resolve("results"),
                        LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH-mm-ss")));
        reportStopped(folder.target().getParent());
        return runStudy(folder, config, skipped, new StudyRecord(StudyCheckpoints.digest(config.toJson()),
                commandLine(), started, every), false, every);
    }

    private int checkpointEvery() {
        if (checkpointEvery == null) {
            return StudyCheckpoints.DEFAULT_EVERY;
        }
        if (checkpointEvery < 0) {
            throw new BadInputException("--checkpoint-every must be at least 0 (0: checkpoint a run only when "
                    + "stopped and at its end), got " + checkpointEvery);
        }
        return checkpointEvery;
    }

    /** --resume DIR: takes over the partial folder, checks its record and config, runs what is left. */
    private Integer resumeStudy() throws IOException {
        List<String> given = new ArrayList<>();
        String[][] options = {{"--config", configFile}, {"--study", study}, {"--variants", variants},
            {"--seeds", seeds}, {"--steps", str(steps)}, {"--target", str(target)}, {"--window", str(window)},
            {"--batch", batch}, {"--data", data}, {"--data-dir", dataDir}, {"--model", model},
            {"--activation", activation}, {"--engine", engine}, {"--threads", str(threads)}, {"--out", out}};
        for (String[] option : options) {
            if (option[1] != null) {
                given.add(option[0]);
            }
        }
        if (!given.isEmpty()) {
            throw new BadInputException("--resume continues a study exactly as it was configured; "
                    + String.join(", ", given) + " cannot be given with it (start a new study to change them)");
        }
        Path dir = WorkingDirectory.resolve(resume);
        if (OutputFolder.partialFolder(dir).isEmpty() && Files.isRegularFile(dir.resolve("results.csv"))) {
            parent.out().println("kron4j ablate: " + display(dir) + " is a finished study (results.csv is there): "
                    + "nothing to resume");
            if (OutputFolder.removeBookkeeping(dir, StudyRecord.FILE, StudyCheckpoints.FOLDER)) {
                parent.out().println("kron4j ablate: removed the checkpoints a kill during its final move left in "
                        + display(dir));
            }
            return Kron4jCommand.OK;
        }
        OutputFolder folder = OutputFolder.resume(dir);
        try {
            ResumableStudy stopped = ResumableStudy.open(folder.partial(), parent.registry());
            StudyRecord record = stopped.record();
            parent.err().println("kron4j ablate: resuming " + display(folder.target()) + " (started "
                    + record.started() + ": " + record.commandLine() + ")");
            int every = checkpointEvery != null ? checkpointEvery() : record.checkpointEvery();
            return runStudy(folder, stopped.config(), List.of(), record, true, every);
        } catch (RuntimeException | IOException e) {
            folder.close();
            throw e;
        }
    }

    private static String str(Object value) {
        return value == null ? null : value.toString();
    }

    /** Reports the stopped studies next to a results folder, with the command that resumes each. */
    private void reportStopped(Path results) {
        List<Path> stopped = new ArrayList<>();
        for (Path partial : OutputFolder.stale(results)) {
            if (Files.exists(partial.resolve(StudyRecord.FILE))) {
                stopped.add(partial);
            } else if (OutputFolder.discardIfEmpty(partial)) {
                parent.err().println("kron4j ablate: removed " + display(partial) + ", left empty by a command killed "
                        + "before its study started");
            }
        }
        for (Path partial : stopped.subList(0, Math.min(5, stopped.size()))) {
            parent.err().println("kron4j ablate: a stopped study can be resumed: " + resumeCommand(partial)
                    + " (or delete " + display(partial) + ")");
        }
        if (stopped.size() > 5) {
            parent.err().println("kron4j ablate: and " + (stopped.size() - 5) + " more stopped studies in "
                    + display(results) + " (ls -a)");
        }
        for (Path legacy : OutputFolder.legacyLeftovers(results)) {
            parent.err().println("kron4j ablate: " + display(legacy) + " was left by a kron4j run killed before "
                    + "studies could be resumed; it holds nothing to resume: delete it");
        }
    }

    private static String resumeCommand(Path partial) {
        String name = partial.getFileName().toString();
        Path target = partial.resolveSibling(name.substring(1, name.length() - OutputFolder.PARTIAL_SUFFIX.length()));
        return "kron4j ablate --resume " + display(target);
    }

    /** Runs (or continues) a study in its reserved folder; commits the results, keeps them if a later step fails. */
    private Integer runStudy(OutputFolder reserved, AblationConfig config, List<String> skipped, StudyRecord record,
            boolean resumed, int every) throws IOException {
        VariantRegistry registry = parent.registry();
        try (OutputFolder folder = reserved; StopSignal stop = StopSignal.install(parent.err())) {
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
            String json = config.toJson();
            if (!resumed) {
                folder.write("config.json", json);
                record.write(folder.partial());
            }
            folder.bookkeeping(StudyRecord.FILE, StudyCheckpoints.FOLDER);
            StudyCheckpoints checkpoints = new StudyCheckpoints(folder.partial(), record.digest(), every);
            checkpoints.removeTemporaryFiles();
            AblationRunner runner = new AblationRunner(config, shape, trainingData, trainingEngine)
                    .checkpointing(checkpoints, stop);
            long start = System.nanoTime();
            List<RunResult> runs;
            try (Progress progress = new Progress(parent.err(), !quiet)) {
                progress.started(runner.totalSteps());
                try {
                    runner.warmUp(progress);
                } catch (StudyStopped e) {
                    folder.keep();
                    throw e;
                }
                folder.keep();
                runs = runner.runAll(progress);
            } catch (StudyStopped e) {
                parent.err().println("kron4j ablate: " + stop.received() + ": " + e.getMessage()
                        + "; finished runs and checkpoints are kept in " + display(folder.partial()));
                parent.err().println("kron4j ablate: resume with: " + resumeCommand(folder.partial()));
                return Kron4jCommand.INTERRUPTED;
            } catch (RuntimeException | Error e) {
                if (checkpoints.hasAny()) {
                    parent.err().println("kron4j ablate: the study failed; what it computed is kept in "
                            + display(folder.partial()) + "; resume with: " + resumeCommand(folder.partial()));
                }
                throw e;
            }
            double wall = (System.nanoTime() - start) / 1e9;
            AblationResult result = new AblationResult(config, shape, trainingData.description(),
                    trainingEngine.describe(), runs, wall, skipped);
            // the data first: once these are written the study's results exist, whatever fails after
            folder.write("results.csv", ResultsCsv.write(result));
            folder.write("config.json", json);
            folder.write("steps.csv", StepsCsv.write(result.runs()));
            List<String> failed = new ArrayList<>();
            String commandLine = resumed ? record.commandLine() + " (resumed: " + commandLine() + ")"
                    : record.commandLine();
            writeOrReport(folder, "loss.png", () -> LossPlot.render(result), failed);
            writeOrReport(folder, "damping.png", () -> DampingPlot.render(result), failed);
            writeOrReport(folder, "report.md", () -> ReportWriter.write(result, commandLine, display(folder.target()),
                    registry, record.started()).getBytes(java.nio.charset.StandardCharsets.UTF_8), failed);
            Path written;
            try {
                written = folder.commit();
            } catch (IOException e) {
                parent.err().println("kron4j ablate: the results are complete in " + display(folder.partial())
                        + " but could not be moved to " + display(folder.target()) + ": " + e.getMessage()
                        + "; '" + resumeCommand(folder.partial()) + "' moves them once that is fixed");
                return Kron4jCommand.RUN_FAILED;
            }
            try {
                printSummary(result, written);
            } catch (RuntimeException e) {
                failed.add("the summary (" + BadInputException.oneLine(String.valueOf(e)) + ")");
            }
            if (!failed.isEmpty()) {
                parent.err().println("kron4j ablate: the results are in " + display(written) + " (results.csv, "
                        + "steps.csv, config.json), but writing " + String.join(", ", failed) + " failed");
                return Kron4jCommand.RUN_FAILED;
            }
        }
        return Kron4jCommand.OK;
    }

    /** What renders one report file. */
    private interface Render {
        byte[] bytes() throws IOException;
    }

    /** Writes a file derived from the results; a failure (out of memory while drawing, too) is noted, not thrown. */
    private static void writeOrReport(OutputFolder folder, String name, Render render, List<String> failed) {
        try {
            folder.write(name, render.bytes());
        } catch (IOException | RuntimeException | OutOfMemoryError e) {
            org.slf4j.LoggerFactory.getLogger(AblateCommand.class).warn("writing {} failed", name, e);
            failed.add(name + " (" + BadInputException.oneLine(String.valueOf(e)) + ")");
        }
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
        Presets.Problem problem = Presets.Problem.of(modelText);
        if (engine != null && engine.trim().equalsIgnoreCase(ReferenceEngine.ALIAS)) {
            parent.err().println("kron4j ablate: engine 'testkit' is now called 'reference'; using 'reference'");
        }
        String act = activation != null ? activation.trim().toLowerCase(Locale.ROOT)
                : base != null && model == null ? base.activation() : ModelShape.defaultActivation(modelText);
        List<MethodConfig> methods;
        if (variants != null) {
            methods = MethodConfig.parseList(variants, registry, problem);
        } else if (base != null) {
            methods = base.methods();
        } else {
            methods = MethodConfig.defaults(registry, problem);
            for (String name : Presets.defaultMethods(problem)) {
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
