package org.kron4j.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import org.kron4j.api.registry.VariantRegistry;
import org.kron4j.cli.ablation.AblationConfig;
import org.kron4j.cli.ablation.MethodConfig;
import org.kron4j.cli.data.DataCatalog;
import org.kron4j.cli.data.TrainingData;
import org.kron4j.cli.engine.Dl4jEngine;
import org.kron4j.cli.engine.ModelShape;
import org.kron4j.cli.engine.TrainingEngine;
import org.kron4j.cli.report.SoakPlot;
import org.kron4j.cli.soak.MemorySample;
import org.kron4j.cli.soak.ProcessMemory;
import org.kron4j.cli.soak.SoakCsv;
import org.kron4j.cli.soak.SoakSummary;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/**
 * {@code kron4j soak}: trains one DL4J network per variant for many steps and samples memory every
 * N steps (process RSS, JavaCPP's physical and counted bytes, the factor store's bytes, the heap),
 * writes soak.csv and soak.png and prints, per variant, the least-squares slope of each counter
 * per 1000 steps after the warm-up. A flat RSS over 10 000 steps means no leak; a positive slope
 * that stays as the run grows longer means one. Not run in CI except at a toy size.
 */
@Command(name = "soak", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Long training runs that watch memory: a DL4J network per variant, memory sampled every "
                + "--every steps, soak.csv + soak.png, the slope per 1000 steps printed.",
            "",
            "Variants run one after the other in this process, so a later one starts at the earlier ones' memory "
                + "high-water mark; for clean absolute numbers give one variant per command, on a quiet machine.",
            "",
            "Examples:",
            "  kron4j soak --variants kfac --steps 10000                      # then ekfac, kfra, shampoo",
            "  kron4j soak --variants kfac,ekfac,kfra,shampoo --steps 10000   # all in one process",
            "  kron4j soak --model autoencoder:128-64-32-8 --steps 10000     # the default study's autoencoder shape",
            "  kron4j soak --data mnist --model autoencoder --batch 1000 --steps 2000 --variants kfac"})
public final class SoakCommand implements Callable<Integer> {
    private static final String DEFAULT_VARIANTS = "kfac;ekfac;kfra;shampoo";
    private static final double MB = 1024.0 * 1024.0;

    @ParentCommand
    private Kron4jCommand parent;

    @Option(names = "--variants", paramLabel = "SPECS", description = "Methods as for ablate, ';'-separated "
            + "(a plain list of names may use ','); default " + DEFAULT_VARIANTS + ".")
    private String variants = DEFAULT_VARIANTS;

    @Option(names = "--steps", paramLabel = "N", description = "Steps per variant (default 10000).")
    private int steps = 10_000;

    @Option(names = "--every", paramLabel = "N", description = "Sample memory every N steps (default 100).")
    private int every = 100;

    @Option(names = "--warm-up", paramLabel = "N", description = "Steps left out of the slopes (default: a tenth of "
            + "--steps): first allocations, JIT and the factor store filling up are not a leak.")
    private Integer warmUp;

    @Option(names = "--data", paramLabel = "NAME", description = "As for ablate (default digits).")
    private String data = "digits";

    @Option(names = "--data-dir", paramLabel = "DIR", description = "As for ablate.")
    private String dataDir;

    @Option(names = "--model", paramLabel = "SHAPE", description = "As for ablate (default <features>-128-128-<classes>;"
            + " e.g. autoencoder:128-64-32-8).")
    private String model;

    @Option(names = "--activation", paramLabel = "NAME", description = "Hidden activation (default tanh).")
    private String activation = "tanh";

    @Option(names = "--batch", paramLabel = "N", description = "Batch size (default " + AblationConfig.DEFAULT_BATCH + ").")
    private int batch = AblationConfig.DEFAULT_BATCH;

    @Option(names = "--seed", paramLabel = "N", description = "Seed of weights, batches and MC Fisher samples (default 1).")
    private long seed = 1;

    @Option(names = "--threads", paramLabel = "N", description = "Native threads of ND4J's kernels (default 1).")
    private int threads = AblationConfig.DEFAULT_THREADS;

    @Option(names = "--out", paramLabel = "DIR", description = "Output folder; must not exist (default "
            + "results/soak-<timestamp>).")
    private String out;

    @Override
    public Integer call() throws IOException {
        VariantRegistry registry = parent.registry();
        if (steps < 2) {
            throw new BadInputException("--steps must be at least 2, got " + steps);
        }
        if (every < 1 || every > steps) {
            throw new BadInputException("--every must be in [1, " + steps + "] (--steps), got " + every);
        }
        long warm = warmUp == null ? steps / 10 : warmUp;
        if (warm < 0 || warm > steps - every) {
            throw new BadInputException("--warm-up must be in [0, " + (steps - every) + "] (two samples must remain), got "
                    + warm);
        }
        if (batch < 1) {
            throw new BadInputException("--batch must be at least 1, got " + batch);
        }
        if (threads < 1 || threads > 256) {
            throw new BadInputException("--threads must be in [1, 256], got " + threads);
        }
        String specs = variants.contains(":") ? variants : variants.replace(',', ';');
        boolean autoencoder = model != null && ModelShape.isAutoencoder(model);
        List<MethodConfig> methods = MethodConfig.parseList(specs, registry, autoencoder);
        Path dir = dataDir == null ? null : WorkingDirectory.resolve(dataDir);
        TrainingData trainingData = DataCatalog.load(data, dir, autoencoder, AblationConfig.DEFAULT_TEST_FRACTION, 0L,
                AblationConfig.DEFAULT_EVAL_EXAMPLES);
        String modelText = model != null ? model
                : trainingData.features() + "-128-128-" + trainingData.classes();
        ModelShape shape = ModelShape.resolve(modelText, activation, trainingData.features(), trainingData.classes(), data);
        Path target = out != null ? WorkingDirectory.resolve(out) : defaultOut();
        if (Files.exists(target)) {
            throw new BadInputException("--out " + target + " exists; give a new folder");
        }
        NativeThreads.set(threads);

        TrainingEngine engine = new Dl4jEngine(registry);
        List<MemorySample> samples = new ArrayList<>();
        List<SoakSummary> summaries = new ArrayList<>();
        String title = "Soak: " + data + ", " + shape.describe() + ", batch " + batch;
        parent.err().println("kron4j soak: " + title + "; " + steps + " steps per variant, memory every " + every);
        for (MethodConfig method : methods) {
            List<MemorySample> own = soak(engine, shape, method, trainingData);
            samples.addAll(own);
            SoakSummary summary = SoakSummary.of(method.label(), own, warm);
            summaries.add(summary);
            parent.err().println(line(summary));
        }
        Files.createDirectories(target);
        Files.writeString(target.resolve("soak.csv"), SoakCsv.write(samples), StandardCharsets.UTF_8);
        Files.write(target.resolve("soak.png"), SoakPlot.render(samples, title));
        print(summaries, target, title, warm);
        return Kron4jCommand.OK;
    }

    /** One variant: a fresh network, the steps, a sample at step 0 and every {@code every} steps. */
    private List<MemorySample> soak(TrainingEngine engine, ModelShape shape, MethodConfig method, TrainingData data) {
        List<MemorySample> own = new ArrayList<>();
        SplittableRandom rows = new SplittableRandom(seed);
        int n = data.trainSize();
        long start = System.nanoTime();
        try (TrainingEngine.Trainer trainer = engine.create(shape, method, method.learningRates().get(0), seed)) {
            own.add(ProcessMemory.sample(method.label(), 0, trainer.factorBytes(), 0));
            for (int step = 1; step <= steps; step++) {
                int[] picked = rows.ints(batch, 0, n).toArray();
                INDArray x = Nd4j.pullRows(data.trainX(), 1, picked);
                INDArray y = Nd4j.pullRows(data.trainY(), 1, picked);
                double loss = trainer.step(x, y);
                if (!Double.isFinite(loss)) {
                    parent.err().printf(Locale.ROOT, "kron4j soak: %s: batch loss %s at step %d; memory is still "
                            + "sampled%n", method.label(), loss, step);
                }
                if (step % every == 0) {
                    MemorySample sample = ProcessMemory.sample(method.label(), step, trainer.factorBytes(),
                            (System.nanoTime() - start) / 1e9);
                    own.add(sample);
                    parent.err().printf(Locale.ROOT, "  %s step %d: RSS %.1f MB, JavaCPP physical %.1f MB, store %.3f MB, "
                            + "heap %.1f MB, %d GCs, %.1f s%n", method.label(), step, sample.rssBytes() / MB,
                            sample.physicalBytes() / MB, sample.storeBytes() / MB, sample.heapBytes() / MB,
                            sample.gcCount(), sample.seconds());
                }
            }
        }
        return own;
    }

    private static String line(SoakSummary s) {
        return String.format(Locale.ROOT, "%-14s %8d..%-8d %10s %10s %10s %10s %10s %9.2f", s.variant(), s.fromStep(),
                s.toStep(), mb(s.rss()), mb(s.physical()), mb(s.javacpp()), mb(s.store()), mb(s.heap()), s.msPerStep());
    }

    private static String mb(double bytesPerThousand) {
        return String.format(Locale.ROOT, "%+.3f", bytesPerThousand / MB);
    }

    private void print(List<SoakSummary> summaries, Path target, String title, long warm) {
        parent.out().println(title);
        parent.out().println("memory slope, MB per 1000 steps (least squares over the samples from step " + warm
                + " on):");
        parent.out().printf(Locale.ROOT, "%-14s %8s..%-8s %10s %10s %10s %10s %10s %9s%n", "variant", "from", "to",
                "RSS", "physical", "javacpp", "store", "heap", "ms/step");
        summaries.forEach(s -> parent.out().println(line(s)));
        parent.out().println("written: " + target + "/ (soak.csv, soak.png)");
    }

    private static Path defaultOut() {
        Path results = WorkingDirectory.resolve("results");
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH-mm-ss"));
        Path candidate = results.resolve("soak-" + stamp);
        for (int n = 2; Files.exists(candidate); n++) {
            candidate = results.resolve("soak-" + stamp + "-" + n);
        }
        return candidate;
    }
}
