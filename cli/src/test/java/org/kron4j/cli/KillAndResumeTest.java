package org.kron4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kron4j.cli.checkpoint.TestPause;

/**
 * Issue 16's test 1 and the SIGTERM check, on a child JVM running {@code kron4j ablate} on a small
 * digits study (DL4J engine: adaptive K-FAC with its Monte-Carlo sampling, Shampoo, Nesterov SGD and
 * Adam — so the network's parameters, DL4J's updater state and iteration count, the optimizer's
 * transforms and factor store, and the sampling generator all cross a checkpoint; 2 seeds, 12 steps,
 * a checkpoint every 5 steps). The study is killed with SIGKILL at seeded random places — after a
 * step between checkpoints, in the middle of writing a checkpoint (a test-only pause, see
 * {@link TestPause}), and at a random moment — resumed each time, and its results.csv and steps.csv
 * must equal an uninterrupted study's. Both hold every loss, λ, ρ, α and μ of every step and the
 * final losses and accuracies, printed to 6-7 significant digits; a resumed run computes the same
 * floating-point operations on the same state as an uninterrupted one, so the comparison is exact
 * (only the timing columns differ).
 */
class KillAndResumeTest {
    private static final String VARIANTS = "kfac;shampoo;sgd:learningRate=0.05;adam:learningRate=0.01";
    private static final int RUNS = 8; // 2 seeds × 4 methods
    private static final int STEPS = 12;
    private static final int EVERY = 5;
    private static final Duration LIMIT = Duration.ofSeconds(120);

    @TempDir
    static Path tmp;
    static Path reference;

    static String[] study(Path out, String... more) {
        List<String> args = new ArrayList<>(List.of("ablate", "--quiet", "--study", "digits-classifier", "--variants",
                VARIANTS, "--seeds", "1,2", "--steps", String.valueOf(STEPS), "--batch", "64", "--window", "3",
                "--target", "1.0", "--checkpoint-every", String.valueOf(EVERY), "--out", out.toString()));
        args.addAll(List.of(more));
        return args.toArray(new String[0]);
    }

    static String[] resume(Path out) {
        return new String[] {"ablate", "--quiet", "--resume", out.toString()};
    }

    /** A resume that logs what it resumes (INFO). */
    static String[] resumeVerbose(Path out) {
        return new String[] {"ablate", "--quiet", "--verbose", "--resume", out.toString()};
    }

    @BeforeAll
    static void uninterrupted() throws Exception {
        reference = tmp.resolve("reference");
        ChildCli child = ChildCli.start(tmp.resolve("logs"), List.of(), study(reference));
        assertThat(child.await(LIMIT)).as(child.toString()).isZero();
    }

    private static List<String> pause(Path marker, int run, int step, String where) {
        return List.of("-D" + TestPause.PROPERTY + "=" + marker + ":" + run + ":" + step + ":" + where);
    }

    private static Path partialOf(Path out) {
        return out.resolveSibling("." + out.getFileName() + ".partial");
    }

    @Test
    void killedAtRandomPlaces_resumesToTheUninterruptedResults() throws Exception {
        Random random = new Random(16);
        Path out = tmp.resolve("killed");
        Path logs = tmp.resolve("logs");

        // 1. SIGKILL after a step between two checkpoints (not a multiple of EVERY): the steps since the
        //    last checkpoint are lost and recomputed
        int run1 = 1 + random.nextInt(RUNS - 2);
        int step1 = EVERY + 1 + random.nextInt(EVERY - 1);
        Path marker = tmp.resolve("marker1");
        ChildCli child = ChildCli.start(logs, pause(marker, run1, step1, "step"), study(out));
        child.awaitFile(marker, LIMIT);
        child.kill();
        assertThat(out).doesNotExist();
        assertThat(partialOf(out).resolve("checkpoints").resolve(String.format("run-%04d.k4js", run1))).exists();

        // 2. resumed, then SIGKILL in the middle of writing a checkpoint of a later run
        int run2 = run1 + 1 + random.nextInt(RUNS - run1 - 1);
        marker = tmp.resolve("marker2");
        child = ChildCli.start(logs, pause(marker, run2, EVERY, "checkpoint"), resumeVerbose(out));
        child.awaitFile(marker, LIMIT);
        child.kill();
        assertThat(child.err()).as("runs before the kill are read back, the killed one continues from step 5")
                .contains("run " + (run1 - 1) + " (").contains("finished before, read from its record")
                .containsPattern("run " + run1 + " \\([^)]*\\): resumed from its checkpoint at step " + EVERY);
        try (Stream<Path> files = Files.list(partialOf(out).resolve("checkpoints"))) {
            assertThat(files.map(p -> p.getFileName().toString())).as("the half-written checkpoint")
                    .anyMatch(name -> name.endsWith(".tmp"));
        }

        // 3. resumed, then SIGKILL at a random moment (if it is not done by then)
        child = ChildCli.start(logs, List.of(), resumeVerbose(out));
        child.awaitErr("resuming", LIMIT);
        Thread.sleep(random.nextInt(2000));
        child.kill();

        // 4. resumed to the end
        child = ChildCli.start(logs, List.of(), resume(out));
        assertThat(child.await(LIMIT)).as(child.toString()).isZero();
        assertSameResults(out);
        assertThat(partialOf(out)).doesNotExist();
        try (Stream<Path> files = Files.list(out)) {
            assertThat(files.map(p -> p.getFileName().toString())).as("no checkpoint left in the results")
                    .containsExactlyInAnyOrder("results.csv", "steps.csv", "report.md", "loss.png", "damping.png",
                            "config.json");
        }

        // a finished study: nothing to resume
        child = ChildCli.start(logs, List.of(), resume(out));
        assertThat(child.await(LIMIT)).as(child.toString()).isZero();
        assertThat(child.out()).contains("finished study").contains("nothing to resume");
    }

    @Test
    void sigterm_finishesTheStep_writesACheckpoint_exits130_andResumes() throws Exception {
        Path out = tmp.resolve("terminated");
        Path logs = tmp.resolve("logs");
        Path marker = tmp.resolve("marker-term");
        int run = 2;
        int step = 3; // before the run's first periodic checkpoint: only the stop writes one
        ChildCli child = ChildCli.start(logs, pause(marker, run, step, "step"), study(out));
        child.awaitFile(marker, LIMIT);
        child.process().destroy(); // SIGTERM
        assertThat(child.await(LIMIT)).as(child.toString()).isEqualTo(Kron4jCommand.INTERRUPTED);
        assertThat(child.err()).contains("SIGTERM received").contains("stopped at step " + step)
                .contains("resume with: kron4j ablate --resume " + out);
        assertThat(partialOf(out).resolve("checkpoints").resolve(String.format("run-%04d.k4js", run))).exists();
        assertThat(partialOf(out).resolve("checkpoints").resolve(String.format("run-%04d.done.k4js", run - 1)))
                .exists();

        // the resume command it printed continues the study to the uninterrupted results
        child = ChildCli.start(logs, List.of(), resumeVerbose(out));
        assertThat(child.await(LIMIT)).as(child.toString()).isZero();
        assertThat(child.err()).containsPattern("run " + run + " \\([^)]*\\): resumed from its checkpoint at step "
                + step);
        assertSameResults(out);
    }

    /** results.csv without its timing columns, and steps.csv, equal the uninterrupted study's. */
    private static void assertSameResults(Path out) throws IOException {
        assertThat(withoutTimings(out.resolve("results.csv")))
                .isEqualTo(withoutTimings(reference.resolve("results.csv")));
        assertThat(Files.readAllLines(out.resolve("steps.csv")))
                .isEqualTo(Files.readAllLines(reference.resolve("steps.csv")));
    }

    /** The CSV with the columns whose names mention seconds or ms blanked. */
    static List<String> withoutTimings(Path csv) throws IOException {
        List<String> lines = Files.readAllLines(csv);
        String[] header = lines.get(0).split(",", -1);
        List<String> out = new ArrayList<>();
        for (String line : lines) {
            String[] cells = line.split(",", -1);
            for (int i = 0; i < header.length; i++) {
                if (header[i].contains("seconds") || header[i].startsWith("ms_") || header[i].contains("_ms")) {
                    cells[i] = "";
                }
            }
            out.add(String.join(",", cells));
        }
        return out;
    }
}
