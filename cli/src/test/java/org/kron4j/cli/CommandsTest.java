package org.kron4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** list, verify and --help. */
class CommandsTest {

    @ParameterizedTest
    @ValueSource(strings = {"", "list", "ablate", "verify"})
    void help_everyCommand_printsUsageAndExits0(String command) {
        Cli.Result result = command.isEmpty() ? Cli.run("--help") : Cli.run(command, "--help");
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.out()).contains("Usage: kron4j" + (command.isEmpty() ? "" : " " + command));
        assertThat(result.out()).contains("Exit codes");
    }

    @Test
    void help_ablate_describesTheDefaultAndEveryOption() {
        String help = Cli.run("ablate", "--help").out();
        assertThat(help).contains("--variants", "--seeds", "--steps", "--target", "--data", "--model", "--out",
                "--config", "64-128-128-10", "results.csv", "report.md", "loss.png", "config.json");
    }

    @Test
    void list_everyVariantWithSettingsDefaultsRangesAndPresets() {
        Cli.Result result = Cli.run("list");
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.out()).contains("kron4j variants on the class path: ekfac, kfac, kfra, shampoo");
        for (String variant : new String[] {"kfac", "ekfac", "kfra", "shampoo"}) {
            assertThat(result.out()).contains("\n" + variant + " — ");
        }
        assertThat(result.out()).contains("damping", "0.001", "in [0, ∞)", "tInv", "startPreconditioningStep",
                "ablation preset (classifiers)", "sgd — ", "adam — ", "mnist", "fashion-mnist");
    }

    @Test
    void list_oneVariant_onlyThatOne() {
        Cli.Result result = Cli.run("list", "kfra");
        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).contains("kfra — ").doesNotContain("shampoo — ");
    }

    @Test
    void list_shampoo_listsNoSettingItIgnores() {
        Cli.Result result = Cli.run("list", "shampoo");
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.out()).contains("shampoo — ").contains("epsilon").contains("tInv")
                .doesNotContainPattern("(?m)^\\s*(damping|dampingMode|targets)\\b");
    }

    @Test
    void list_kfra_listsNoTargets() {
        Cli.Result result = Cli.run("list", "kfra");
        assertThat(result.out()).contains("damping").doesNotContainPattern("(?m)^\\s*targets\\b");
    }

    @Test
    void verify_defaultShape_printsPerLayerErrorsAndPasses() {
        Cli.Result result = Cli.run("verify", "--width", "5", "--batch", "6");
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.out()).contains("tiny copy 5-5-5-5 of 64-128-128-10")
                .contains("check: ").contains("kfac ok").contains("ekfac ok").contains("kfra ok")
                .contains("shampoo n/a");
    }

    @Test
    void verify_autoencoderWithSquaredError_runs() {
        Cli.Result result = Cli.run("verify", "--model", "autoencoder:6-3", "--loss", "squared", "--width", "4",
                "--variants", "kfac;kfra");
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.out()).contains("tiny copy 4-4-3-4-4").contains("squared error").contains("kfra ok");
    }

    @Test
    void version_printsTheVersion() {
        Cli.Result result = Cli.run("--version");
        assertThat(result.exitCode()).isZero();
        assertThat(result.out()).startsWith("kron4j ");
    }
}
