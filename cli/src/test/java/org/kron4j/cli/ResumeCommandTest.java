package org.kron4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kron4j.cli.checkpoint.StudyCheckpoints;
import org.kron4j.cli.checkpoint.StudyRecord;
import org.kron4j.cli.report.OutputFolder;

/**
 * {@code --resume} and the results-folder lifecycle in-process, on a small reference-engine study
 * (iris): what is refused and with which message, a partial folder without checkpoints resumed to
 * the same results, and results kept when a later file (a plot) cannot be written.
 */
class ResumeCommandTest {
    @TempDir
    static Path tmp;
    static Path finished;

    static String[] study(Path out) {
        return new String[] {"ablate", "--quiet", "--engine", "reference", "--data", "iris", "--variants",
            "kfac;sgd:learningRate=0.1", "--seeds", "1", "--steps", "8", "--window", "2", "--out", out.toString()};
    }

    @BeforeAll
    static void finishedStudy() {
        finished = tmp.resolve("finished");
        Cli.Result r = Cli.run(study(finished));
        assertThat(r.exitCode()).as(r.toString()).isZero();
    }

    @Test
    void resume_ofAFinishedStudy_saysSoAndDoesNothing() {
        Cli.Result r = Cli.run("ablate", "--resume", finished.toString());
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(r.out()).contains("is a finished study").contains("nothing to resume");
    }

    @Test
    void resume_withOptionsThatChangeTheStudy_isBadInput() {
        Cli.Result r = Cli.run("ablate", "--resume", finished.toString(), "--steps", "9", "--variants", "sgd");
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(Kron4jCommand.BAD_INPUT);
        assertThat(r.err()).contains("--resume continues a study exactly as it was configured")
                .contains("--variants").contains("--steps");
    }

    @Test
    void checkpointEvery_negative_isBadInputNamingTheRange() {
        Cli.Result r = Cli.run("ablate", "--checkpoint-every", "-1", "--out", tmp.resolve("never").toString());
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(Kron4jCommand.BAD_INPUT);
        assertThat(r.err()).contains("--checkpoint-every must be at least 0").contains("got -1");
        assertThat(tmp.resolve("never")).doesNotExist();
    }

    @Test
    void resume_ofAFolderThatIsNoStudy_isBadInput() throws Exception {
        Path plain = Files.createDirectories(tmp.resolve("plain"));
        Cli.Result r = Cli.run("ablate", "--resume", plain.toString());
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(Kron4jCommand.BAD_INPUT);
        assertThat(r.err()).contains("is not a kron4j study folder");

        Path noRecord = tmp.resolve("norecord");
        try (OutputFolder folder = OutputFolder.reserve(noRecord)) {
            folder.keep();
        }
        r = Cli.run("ablate", "--resume", noRecord.toString());
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(Kron4jCommand.BAD_INPUT);
        assertThat(r.err()).contains("is not a kron4j study: it has no " + StudyRecord.FILE);
    }

    /** A stopped study's folder as the command leaves it before its first checkpoint. */
    private static Path stoppedStudy(String name) throws Exception {
        Path out = tmp.resolve(name);
        String config = Files.readString(finished.resolve("config.json"));
        try (OutputFolder folder = OutputFolder.reserve(out)) {
            folder.write("config.json", config);
            new StudyRecord(StudyCheckpoints.digest(config), "kron4j ablate (test)", "2026-01-01T10:00:00", 3)
                    .write(folder.partial());
            folder.keep();
        }
        return out;
    }

    @Test
    void resume_ofAStudyWhoseConfigWasEdited_isRefused() throws Exception {
        Path out = stoppedStudy("edited");
        Path config = out.resolveSibling(".edited.partial").resolve("config.json");
        Files.writeString(config, Files.readString(config).replace("\"steps\" : 8", "\"steps\" : 9"));
        Cli.Result r = Cli.run("ablate", "--resume", out.toString());
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(Kron4jCommand.BAD_INPUT);
        assertThat(r.err()).contains("does not match the study that ran there");
        assertThat(out.resolveSibling(".edited.partial")).as("kept for the user to decide").isDirectory();
    }

    @Test
    void resume_ofAStoppedStudy_isReportedAtTheNextStart_andGivesTheUninterruptedResults() throws Exception {
        Path out = stoppedStudy("stopped");
        Cli.Result other = Cli.run(study(tmp.resolve("other")));
        assertThat(other.exitCode()).as(other.toString()).isZero();
        assertThat(other.err()).contains("a stopped study can be resumed: kron4j ablate --resume " + out);

        Cli.Result r = Cli.run("ablate", "--quiet", "--resume", out.toString());
        assertThat(r.exitCode()).as(r.toString()).isZero();
        assertThat(KillAndResumeTest.withoutTimings(out.resolve("results.csv")))
                .isEqualTo(KillAndResumeTest.withoutTimings(finished.resolve("results.csv")));
        assertThat(Files.readAllLines(out.resolve("steps.csv")))
                .isEqualTo(Files.readAllLines(finished.resolve("steps.csv")));
        assertThat(out.resolveSibling(".stopped.partial")).doesNotExist();
    }

    /**
     * A plot that cannot be written (here: a folder in the way of loss.png) does not cost the
     * results: results.csv, steps.csv and config.json are committed, the failure is reported and the
     * exit code is 1.
     */
    @Test
    void aPlotThatFails_keepsTheResults_reportsIt_exits1() throws Exception {
        Path out = tmp.resolve("plotfails");
        Path partial = out.resolveSibling(".plotfails.partial");
        Thread blocker = new Thread(() -> {
            try {
                while (!Files.isDirectory(partial)) {
                    Thread.sleep(2);
                }
                Files.createDirectories(partial.resolve("loss.png").resolve("in-the-way"));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        blocker.start();
        Cli.Result r = Cli.run(study(out));
        blocker.join();
        assertThat(r.exitCode()).as(r.toString()).isEqualTo(Kron4jCommand.RUN_FAILED);
        assertThat(r.err()).contains("the results are in").contains("writing loss.png");
        try (Stream<Path> files = Files.list(out)) {
            assertThat(files.map(p -> p.getFileName().toString())).contains("results.csv", "steps.csv",
                    "config.json", "report.md", "damping.png");
        }
        assertThat(Files.readAllLines(out.resolve("steps.csv")))
                .isEqualTo(Files.readAllLines(finished.resolve("steps.csv")));
    }
}
