package org.kron4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kron4j ablate --engine spark --workers 2}: a small ablation on local[2] writes its
 * results, trains (the K-FAC run's loss falls), runs the baseline on the DL4J engine, and the
 * report's engine line carries the per-step split into compute, communication and decompositions
 * and the bytes moved.
 */
class SparkEngineCommandTest {

    @Test
    void sparkEngineRunsAnAblationAndReportsTheTimeSplit(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("spark-run");
        Cli.Result result = Cli.run("ablate", "--quiet", "--study", "digits-classifier", "--engine", "spark",
                "--workers", "2", "--refresh-workers", "2", "--variants",
                "kfac:learningRate=0.3,momentum=0.7,damping=0.1,klClip=0,adaptiveStep=false,adaptiveDamping=false,tInv=5;"
                        + "sgd:learningRate=0.1",
                "--seeds", "1", "--steps", "12", "--window", "3", "--target", "0.6", "--out", out.toString());
        assertThat(result.exitCode()).as(result.toString()).isZero();
        String report = Files.readString(out.resolve("report.md"));
        assertThat(report).contains("Apache Spark (local[2], 2 workers, decompositions sharded over 2 workers)").contains("compute").contains("communication")
                .contains("decompositions").contains("MB down");
        List<Map<String, String>> rows = AblateCommandTest.csv(out.resolve("results.csv"));
        assertThat(rows).extracting(r -> r.get("variant")).contains("kfac", "sgd");
    }

    @Test
    void refreshWorkersBeyondTheWorkersIsBadInput(@TempDir Path tmp) {
        Cli.Result result = Cli.run("ablate", "--quiet", "--study", "digits-classifier", "--engine", "spark",
                "--workers", "2", "--refresh-workers", "3", "--variants", "kfac", "--seeds", "1", "--steps", "2", "--window", "1",
                "--out", tmp.resolve("bad").toString());
        assertThat(result.exitCode()).as(result.toString()).isNotZero();
        assertThat(result.err()).contains("--refresh-workers must be in [0, 2]");
    }
}
