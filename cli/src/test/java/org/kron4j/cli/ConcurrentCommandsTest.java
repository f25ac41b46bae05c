package org.kron4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scenario: two {@code kron4j ablate} commands started at the same moment in the same
 * directory, both writing to the default {@code results/<timestamp>}. Each must finish with its own
 * complete folder (the thread test in {@code OutputFolderTest} forces the same-second collision; here
 * two real processes race).
 */
class ConcurrentCommandsTest {
    @TempDir
    Path tmp;

    @Test
    void twoCommandsStartedTogether_bothFinish_inDistinctFolders() throws Exception {
        String[] args = {"ablate", "--quiet", "--engine", "reference", "--data", "iris", "--variants",
            "sgd:learningRate=0.1", "--seeds", "1", "--steps", "3", "--window", "1"};
        List<ChildCli> children = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            children.add(ChildCli.start(tmp.resolve("logs"), tmp, List.of(), args));
        }
        for (ChildCli child : children) {
            assertThat(child.await(Duration.ofSeconds(120))).as(child.toString()).isZero();
        }
        try (Stream<Path> folders = Files.list(tmp.resolve("results"))) {
            List<Path> all = folders.toList();
            assertThat(all).as("two results folders, no partial one left").hasSize(2)
                    .noneMatch(p -> p.getFileName().toString().startsWith("."));
            for (Path folder : all) {
                assertThat(folder.resolve("results.csv")).isRegularFile();
                assertThat(folder.resolve("report.md")).isRegularFile();
            }
        }
    }
}
