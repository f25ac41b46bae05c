package org.kron4j.cli.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kron4j.cli.BadInputException;

/** Reservation, commit, keep and takeover of results folders. */
class OutputFolderTest {
    @TempDir
    Path tmp;

    /**
     * Commands started in the same second want the same results/&lt;stamp&gt;: each gets its own
     * folder (stamp, stamp-2, …), every one commits, none fails and none writes into another's.
     */
    @Test
    void reserveNew_concurrentCommandsOfTheSameSecond_getDistinctFolders() throws Exception {
        int commands = 8;
        Path results = tmp.resolve("results");
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(commands);
        List<Future<Path>> done = new ArrayList<>();
        for (int i = 0; i < commands; i++) {
            int id = i;
            done.add(pool.submit(() -> {
                go.await();
                try (OutputFolder folder = OutputFolder.reserveNew(results, "2026-01-01T10-00-00")) {
                    folder.write("results.csv", "command " + id + "\n");
                    Thread.sleep(5);
                    return folder.commit();
                }
            }));
        }
        go.countDown();
        List<Path> targets = new ArrayList<>();
        for (Future<Path> f : done) {
            targets.add(f.get());
        }
        pool.shutdown();
        assertThat(targets).doesNotHaveDuplicates().hasSize(commands);
        List<String> contents = new ArrayList<>();
        for (Path t : targets) {
            contents.add(Files.readString(t.resolve("results.csv")));
            try (Stream<Path> files = Files.list(t)) {
                assertThat(files.map(p -> p.getFileName().toString())).containsExactly("results.csv");
            }
        }
        assertThat(contents).doesNotHaveDuplicates();
        try (Stream<Path> files = Files.list(results)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.startsWith("."))
                    .contains("2026-01-01T10-00-00", "2026-01-01T10-00-00-2");
        }
    }

    @Test
    void reserve_whileAnotherCommandWritesThere_isRefusedNamingIt() {
        Path target = tmp.resolve("out");
        try (OutputFolder first = OutputFolder.reserve(target)) {
            assertThatThrownBy(() -> OutputFolder.reserve(target)).isInstanceOf(BadInputException.class)
                    .hasMessageContaining("being written by another kron4j command (pid "
                            + ProcessHandle.current().pid());
            assertThat(OutputFolder.stale(tmp)).as("a running command's folder is not stale").isEmpty();
        }
    }

    @Test
    void keptFolder_ofAStoppedStudy_isListedResumableAndRefusedAsANewOut() throws Exception {
        Path target = tmp.resolve("out");
        Path partial;
        try (OutputFolder folder = OutputFolder.reserve(target)) {
            folder.write("config.json", "{}");
            folder.keep();
            partial = folder.partial();
        }
        assertThat(partial).isDirectory().hasFileName(".out.partial");
        assertThat(OutputFolder.stale(tmp)).containsExactly(partial);
        assertThatThrownBy(() -> OutputFolder.reserve(target)).isInstanceOf(BadInputException.class)
                .hasMessageContaining("a stopped study left " + partial)
                .hasMessageContaining("kron4j ablate --resume " + partial);
        try (OutputFolder resumed = OutputFolder.resume(target)) {
            assertThat(resumed.partial()).isEqualTo(partial);
            assertThat(resumed.target()).isEqualTo(target);
            assertThatThrownBy(() -> OutputFolder.resume(partial)).isInstanceOf(BadInputException.class)
                    .hasMessageContaining("in use by a running kron4j command");
            resumed.bookkeeping("checkpoints");
            Files.createDirectories(partial.resolve("checkpoints"));
            resumed.commit();
        }
        assertThat(partial).doesNotExist();
        try (Stream<Path> files = Files.list(target)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("config.json");
        }
    }

    @Test
    void notKept_closedWithoutCommit_leavesNothing() throws Exception {
        Path target = tmp.resolve("a").resolve("b").resolve("out");
        try (OutputFolder folder = OutputFolder.reserve(target)) {
            folder.write("results.csv", "x");
        }
        assertThat(tmp.resolve("a")).doesNotExist();
    }

    @Test
    void resume_ofAFolderThatIsNoStudy_isRefused() throws Exception {
        Files.createDirectories(tmp.resolve("plain"));
        assertThatThrownBy(() -> OutputFolder.resume(tmp.resolve("plain"))).isInstanceOf(BadInputException.class)
                .hasMessageContaining("is not a kron4j study folder");
    }

    @Test
    void discardIfEmpty_removesOnlyAFolderWithNothingButADeadOwnersLock() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve(".a.partial"));
        Files.writeString(empty.resolve(OutputFolder.LOCK), "999999999\n"); // no such process
        Path study = Files.createDirectories(tmp.resolve(".b.partial"));
        Files.writeString(study.resolve(OutputFolder.LOCK), "999999999\n");
        Files.writeString(study.resolve("config.json"), "{}");
        assertThat(OutputFolder.stale(tmp)).containsExactly(empty, study);
        assertThat(OutputFolder.discardIfEmpty(empty)).isTrue();
        assertThat(OutputFolder.discardIfEmpty(study)).isFalse();
        assertThat(empty).doesNotExist();
        assertThat(study.resolve("config.json")).exists();
    }

    @Test
    void removeBookkeeping_ofAFinishedFolderKilledDuringItsCommit_keepsTheResults() throws Exception {
        Path finished = Files.createDirectories(tmp.resolve("done"));
        Files.writeString(finished.resolve("results.csv"), "x");
        Files.writeString(finished.resolve(OutputFolder.LOCK), "999999999\n");
        Files.createDirectories(finished.resolve("checkpoints")).resolve("run-0000.done.k4js").toFile().createNewFile();
        assertThat(OutputFolder.removeBookkeeping(finished, "checkpoints")).isTrue();
        try (Stream<Path> files = Files.list(finished)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("results.csv");
        }
        assertThat(OutputFolder.removeBookkeeping(finished, "checkpoints")).isFalse();
    }
}
