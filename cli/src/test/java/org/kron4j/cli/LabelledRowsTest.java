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
 * A study listing K-FAC twice, with MC-Fisher and empirical targets: the rows of results.csv and
 * steps.csv carry labels that tell the two apart, the settings column holds each row's resolved
 * spec, and a --config rerun keeps the labels (issue 16).
 */
class LabelledRowsTest {

    @Test
    void repeatedMethod_rowsLabelledBySettings_andTheConfigRerunKeepsThem(@TempDir Path tmp) throws IOException {
        Path run = tmp.resolve("labels");
        Cli.Result result = Cli.run("ablate", "--quiet", "--engine", "reference", "--data", "iris", "--variants",
                "kfac;kfac:targets=empirical", "--seeds", "1", "--steps", "3", "--window", "1", "--out", run.toString());
        assertThat(result.exitCode()).as(result.toString()).isZero();
        List<Map<String, String>> rows = AblateCommandTest.csv(run.resolve("results.csv"));
        assertThat(rows).extracting(r -> r.get("variant")).containsExactly("kfac", "kfac[targets=empirical]");
        assertThat(rows.get(0).get("settings")).startsWith("kfac:").contains("targets=mc_fisher");
        assertThat(rows.get(1).get("settings")).startsWith("kfac:").contains("targets=empirical");
        assertThat(Files.readString(run.resolve("steps.csv"))).contains("\nkfac[targets=empirical],0.01,1,3,"); // no comma in the label: unquoted
        assertThat(Files.readString(run.resolve("report.md"))).contains("kfac[targets=empirical]");

        Path rerun = tmp.resolve("rerun");
        Cli.Result again = Cli.run("ablate", "--quiet", "--config", run.resolve("config.json").toString(), "--out",
                rerun.toString());
        assertThat(again.exitCode()).as(again.toString()).isZero();
        assertThat(AblateCommandTest.csv(rerun.resolve("results.csv"))).extracting(r -> r.get("variant"))
                .containsExactly("kfac", "kfac[targets=empirical]");
    }
}
