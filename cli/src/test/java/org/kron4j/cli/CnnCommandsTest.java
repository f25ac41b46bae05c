package org.kron4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kron4j.api.Kron4j;
import org.kron4j.cli.ablation.MethodConfig;
import org.kron4j.cli.ablation.Presets;
import org.kron4j.cli.ablation.Study;

/** {@code --model cnn} through the commands: ablate on the DL4J engine, the reference engine's refusal, verify. */
class CnnCommandsTest {
    /** The K-FAC family in the CNN smoke run: the presets' adaptive library defaults (the DL4J batch oracle goes through conv layers). */
    static final String KFAC_FAMILY_SETTINGS = "tCov=1";

    @TempDir
    Path tmp;

    @Test
    void ablate_digitsCnn_trainsOnDl4j_andWritesTheResolvedModel() throws IOException {
        Path out = tmp.resolve("cnn");
        Cli.Result result = Cli.run("ablate", "--quiet", "--study", "digits-cnn", "--steps", "4", "--window", "2",
                "--seeds", "1", "--variants", "kfac:" + KFAC_FAMILY_SETTINGS + ";adam:learningRate=0.003", "--out",
                out.toString());
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.out()).contains("cnn:3x8-3x16-64");
        String config = Files.readString(out.resolve("config.json"));
        assertThat(config).contains("\"model\" : \"cnn\"").contains("\"activation\" : \"relu\"");
        List<String> rows = Files.readAllLines(out.resolve("results.csv"));
        assertThat(rows).hasSize(3);
        // the variant keeps curvature factors (for both conv layers and both dense layers): column factor_bytes,
        // the 8th, before any quoted settings column
        assertThat(rows.get(0).split(",")[7]).isEqualTo("factor_bytes");
        long factorBytes = Long.parseLong(rows.get(1).split(",")[7]);
        assertThat(rows.get(1)).startsWith("kfac,");
        assertThat(factorBytes).isPositive();
        // no step skipped: the adaptive step runs on the CNN (report.md notes skipped steps per run otherwise)
        assertThat(Files.readString(out.resolve("report.md"))).doesNotContain("steps skipped by kron4j's guards");
        assertThat(Files.readString(out.resolve("report.md"))).contains("CNN 8×8×1 → conv 3×3×8");
    }

    @Test
    void ablate_cnnOnTheReferenceEngine_isRefusedNamingTheEngine() {
        Cli.Result result = Cli.run("ablate", "--quiet", "--engine", "reference", "--data", "digits", "--model", "cnn",
                "--out", tmp.resolve("never").toString());
        assertThat(result.exitCode()).as(result.toString()).isEqualTo(2);
        assertThat(result.err()).contains("engine 'reference' trains MLPs").contains("--engine dl4j");
        assertThat(tmp.resolve("never")).doesNotExist();
    }

    @Test
    void cnnDefaults_leaveOutKfra_andUseTheCnnPresets() {
        List<MethodConfig> methods = MethodConfig.defaults(Kron4j.variants(), Presets.Problem.CNN);
        assertThat(methods).extracting(MethodConfig::label).containsExactly("kfac", "ekfac", "shampoo", "sgd", "adam");
        MethodConfig kfac = methods.get(0);
        // no per-problem tuning of the K-FAC family: only the refresh cadence differs from the library's defaults
        assertThat(kfac.nonDefaultSettings(Kron4j.variants())).isEqualTo("learningRate=0.01,tCov=1,tInv=20");
        assertThat(methods.get(4).learningRates()).containsExactly(0.0003, 0.001, 0.003, 0.01, 0.03);
        assertThat(Presets.Problem.of("cnn:5x16-128")).isEqualTo(Presets.Problem.CNN);
        assertThat(Study.find("fashion-cnn")).hasValueSatisfying(s -> {
            assertThat(s.data()).isEqualTo("fashion-mnist");
            assertThat(s.batch()).isEqualTo(256);
        });
    }

    @Test
    void verify_cnn_kfacAndEkfacExactWhereKfcAssumptionsHold() {
        Cli.Result result = Cli.run("verify", "--model", "cnn:input=5x5x2,kernel=2,stride=2,padding=1,channels=2",
                "--batch", "4");
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.out()).contains("kfac ok").contains("ekfac ok").contains("kfra n/a")
                .contains("one position: kernel = input (2×2)").contains("shared weights over 4 positions");
    }

    @Test
    void verify_cnnWithAnUnknownKey_isBadInput() {
        Cli.Result result = Cli.run("verify", "--model", "cnn:size=3");
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("unknown key 'size'");
    }
}
