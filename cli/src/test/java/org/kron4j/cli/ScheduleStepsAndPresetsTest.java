package org.kron4j.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kron4j.api.Kron4j;
import org.kron4j.api.model.Activation;
import org.kron4j.api.settings.VariantSpec;
import org.kron4j.cli.ablation.AblationConfig;
import org.kron4j.cli.ablation.BatchSchedule;
import org.kron4j.cli.ablation.MethodConfig;
import org.kron4j.cli.ablation.Presets;
import org.kron4j.cli.ablation.Study;
import org.kron4j.cli.engine.ModelShape;
import org.kron4j.cli.report.StepsCsv;

/**
 * The issue-17 command-line pieces: the batch growth schedule, steps.csv from the optimizer's
 * per-step diagnostics (one small ablation on the reference engine, requested by its former name
 * 'testkit'), the K-FAC family's presets, the autoencoder's reference set-up, the bundled
 * studies, and the product modules' independence of the test kit.
 */
class ScheduleStepsAndPresetsTest {
    @TempDir
    static Path tmp;
    static Path run;
    static Cli.Result result;

    @BeforeAll
    static void ablate() {
        run = tmp.resolve("steps");
        result = Cli.run("ablate", "--quiet", "--engine", "testkit", "--data", "iris", "--variants",
                "kfac;adam:learningRate=0.01|0.02", "--seeds", "1,2", "--steps", "6", "--window", "2", "--batch",
                "8..32@4", "--out", run.toString());
    }

    // ---------------------------------------------------------------- schedule

    @Test
    void schedule_growth_followsTheFormulaAndReachesItsLastSizeAtK() {
        BatchSchedule s = BatchSchedule.parse("1000..60000@500");
        assertThat(s.at(0)).isEqualTo(1000);
        assertThat(s.at(250)).isEqualTo((int) Math.round(1000 * Math.sqrt(60.0))); // 7746
        assertThat(s.at(499)).isEqualTo((int) Math.round(1000 * Math.pow(60.0, 499 / 500.0)));
        assertThat(s.at(500)).isEqualTo(60000);
        assertThat(s.at(10_000)).isEqualTo(60000);
        for (int k = 1; k <= 500; k++) {
            assertThat(s.at(k)).as("step %d", k).isGreaterThanOrEqualTo(s.at(k - 1)).isLessThanOrEqualTo(60000);
        }
        assertThat(s).hasToString("1000..60000@500");
        assertThat(BatchSchedule.parse(s.toString())).isEqualTo(s);
    }

    @Test
    void schedule_constant_isTheSameEveryStep() {
        BatchSchedule s = BatchSchedule.parse(" 256 ");
        assertThat(s.isConstant()).isTrue();
        assertThat(s.at(0)).isEqualTo(256);
        assertThat(s.at(1_000_000)).isEqualTo(256);
        assertThat(s).hasToString("256");
    }

    @Test
    void schedule_malformed_isBadInputSayingWhatToWrite() {
        Map<String, String> cases = Map.of(
                "1000..500@10", "must grow",
                "1000..2000", "needs '@K'",
                "10..20@0", "at least 1",
                "10@5", "needs a range",
                "a..b@c", "expected integers",
                "0", "at least 1",
                "", "expected integers",
                "100000000", "at most");
        cases.forEach((text, message) -> assertThatThrownBy(() -> BatchSchedule.parse(text)).as(text)
                .isInstanceOf(BadInputException.class).hasMessageContaining(message)
                .hasMessageContaining("--batch '" + text + "'"));
        Cli.Result bad = Cli.run("ablate", "--quiet", "--batch", "64..32@5", "--out", tmp.resolve("bad").toString());
        assertThat(bad.exitCode()).as(bad.toString()).isEqualTo(Kron4jCommand.BAD_INPUT);
        assertThat(bad.err()).contains("must grow");
        assertThat(tmp.resolve("bad")).doesNotExist();
    }

    @Test
    void schedule_configJson_roundTripsAsText() throws IOException {
        AblationConfig config = new AblationConfig("iris", null, "4-16-3", "tanh", "reference",
                BatchSchedule.parse("8..64@10"), 20, 0.2, 5, List.of(1L), 0.25, 0, 500, 1,
                MethodConfig.parseList("kfac;adam", Kron4j.variants(), false)).check();
        Path file = Files.writeString(tmp.resolve("schedule.json"), config.toJson());
        assertThat(new ObjectMapper().readTree(file.toFile()).get("batchSize").asText()).isEqualTo("8..64@10");
        AblationConfig read = AblationConfig.read(file, Kron4j.variants());
        assertThat(read).isEqualTo(config);
        assertThat(read.batch().at(10)).isEqualTo(64);
    }

    // ---------------------------------------------------------------- steps.csv, engine alias

    @Test
    void stepsCsv_hasOneRowPerStepOfEveryRunWithTheScheduledBatchAndTheOptimizersDiagnostics() throws IOException {
        assertThat(result.exitCode()).as(result.toString()).isZero();
        List<String> lines = Files.readAllLines(run.resolve("steps.csv"));
        assertThat(lines.get(0)).isEqualTo(StepsCsv.HEADER)
                .isEqualTo("method,learning_rate,seed,step,batch_size,loss,damping,rho,alpha,mu");
        List<Map<String, String>> rows = AblateCommandTest.csv(run.resolve("steps.csv"));
        // kfac: one rate; adam: two; two seeds; six steps each
        assertThat(rows).hasSize((1 + 2) * 2 * 6);
        int[] expectedBatch = {8, 11, 16, 23, 32, 32}; // round(8·4^(k/4)), capped at 32
        for (Map<String, String> r : rows) {
            int step = Integer.parseInt(r.get("step"));
            assertThat(step).isBetween(1, 6);
            assertThat(Integer.parseInt(r.get("batch_size"))).as(r.toString()).isEqualTo(expectedBatch[step - 1]);
            assertThat(Double.parseDouble(r.get("loss"))).as(r.toString()).isPositive().isFinite();
            if (r.get("method").equals("kfac")) {
                assertThat(Double.parseDouble(r.get("damping"))).as(r.toString()).isPositive().isFinite();
                assertThat(Double.parseDouble(r.get("alpha"))).as(r.toString()).isPositive().isFinite();
                // fixed settings: the momentum setting; the adaptive step's μ may be negative
                assertThat(Double.parseDouble(r.get("mu"))).as(r.toString()).isFinite();
                assertThat(r.get("learning_rate")).isEqualTo("0.01");
            } else {
                assertThat(r.get("method")).isEqualTo("adam");
                assertThat(r.get("learning_rate")).isIn("0.01", "0.02");
                assertThat(r.get("damping") + r.get("rho") + r.get("alpha") + r.get("mu")).as("baselines report none")
                        .isEmpty();
            }
        }
        // the kfac losses are the same batch losses the results are judged on: the seeds differ
        assertThat(rows.stream().filter(r -> r.get("method").equals("kfac") && r.get("step").equals("1"))
                .map(r -> r.get("loss")).distinct()).hasSize(2);
    }

    @Test
    void schedule_onTheDl4jEngine_trainsEveryStepAtItsScheduledBatch() throws IOException {
        Path dl4j = tmp.resolve("dl4j-schedule");
        Cli.Result r = Cli.run("ablate", "--quiet", "--data", "iris", "--variants", "kfac;sgd:learningRate=0.1",
                "--seeds", "1", "--steps", "6", "--window", "2", "--batch", "8..32@4", "--out", dl4j.toString());
        assertThat(r.exitCode()).as(r.toString()).isZero();
        int[] expectedBatch = {8, 11, 16, 23, 32, 32};
        List<Map<String, String>> rows = AblateCommandTest.csv(dl4j.resolve("steps.csv"));
        assertThat(rows).hasSize(2 * 6);
        for (Map<String, String> row : rows) {
            assertThat(Integer.parseInt(row.get("batch_size"))).as(row.toString())
                    .isEqualTo(expectedBatch[Integer.parseInt(row.get("step")) - 1]);
            assertThat(Double.parseDouble(row.get("loss"))).as(row.toString()).isPositive().isFinite();
        }
        assertThat(rows).filteredOn(row -> row.get("method").equals("kfac"))
                .allSatisfy(row -> assertThat(Double.parseDouble(row.get("damping"))).isPositive());
    }

    @Test
    void engine_formerNameTestkit_isAcceptedAsReferenceWithALine() throws IOException {
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.err()).contains("engine 'testkit' is now called 'reference'");
        assertThat(new ObjectMapper().readTree(run.resolve("config.json").toFile()).get("engine").asText())
                .isEqualTo("reference");
        assertThat(AblationConfig.engine("testkit")).isEqualTo("reference");
        assertThat(AblationConfig.engine("dl4j")).isEqualTo("dl4j");
        assertThat(result.out()).contains("reference engine").contains("batch 8..32@4");
        String report = Files.readString(run.resolve("report.md"));
        assertThat(report).contains("8..32@4 (batch(k) = min(32, round(8·(32/8)^(k/4)))")
                .contains("## Damping").contains("![damping](damping.png)").contains("| method | λ at step 1 |");
    }

    // ---------------------------------------------------------------- presets, model, studies

    @Test
    void presets_kfacFamily_setNoDampingLearningRateMomentumOrKlClip() {
        for (boolean autoencoder : new boolean[] {false, true}) {
            for (String method : Presets.KFAC_FAMILY) {
                String preset = Presets.of(method, autoencoder);
                Map<String, String> settings = preset.isEmpty() ? Map.of()
                        : VariantSpec.parse(method + ":" + preset).settings();
                assertThat(settings).as("%s (autoencoder %s)", method, autoencoder)
                        .doesNotContainKeys("damping", "learningRate", "momentum", "klClip");
            }
            // and the resolved methods carry the library defaults for them
            MethodConfig kfac = MethodConfig.parseList("kfac", Kron4j.variants(), autoencoder).get(0);
            assertThat(kfac.nonDefaultSettings(Kron4j.variants())).doesNotContain("damping")
                    .doesNotContain("klClip").doesNotContain("momentum");
        }
        assertThat(Presets.of("adam", true)).isEqualTo("learningRate=0.0001|0.0003|0.001|0.003");
        assertThat(MethodConfig.parseList("adam", Kron4j.variants(), true).get(0).learningRates())
                .containsExactly(1e-4, 3e-4, 1e-3, 3e-3);
        assertThat(Presets.of("sgd", false)).contains("learningRate=").contains("|");
    }

    @Test
    void model_autoencoder_isTheKfacPapersSetupAndSigmoidOnRequest() {
        ModelShape tanh = ModelShape.resolve("autoencoder", null, 784, 10, "mnist");
        assertThat(tanh.sizes()).containsExactly(784, 1000, 500, 250, 30, 250, 500, 1000, 784);
        assertThat(tanh.activations()).containsExactly(Activation.TANH, Activation.TANH, Activation.TANH,
                Activation.IDENTITY, Activation.TANH, Activation.TANH, Activation.TANH, Activation.IDENTITY);
        assertThat(tanh.describe()).contains("tanh units, linear code layer, sigmoid cross-entropy");
        ModelShape sigmoid = ModelShape.resolve("autoencoder", "sigmoid", 784, 10, "mnist");
        assertThat(sigmoid.activations().get(0)).isEqualTo(Activation.SIGMOID);
        assertThat(sigmoid.activations().get(3)).isEqualTo(Activation.IDENTITY);
    }

    @Test
    void studies_digitsAutoencoderIsTheDefaultAndTheClassifierStaysAvailable() {
        assertThat(Study.DEFAULT).isEqualTo(Study.DIGITS_AUTOENCODER);
        assertThat(Study.keys()).containsExactly("digits-classifier", "digits-autoencoder", "digits-cnn", "fashion-cnn",
                "mnist-cnn");
        Study ae = Study.find("digits-autoencoder").orElseThrow();
        ModelShape shape = ModelShape.resolve(ae.model(), null, 64, 10, ae.data());
        assertThat(shape.isAutoencoder()).isTrue();
        assertThat(shape.sizes()).containsExactly(64, 128, 64, 32, 8, 32, 64, 128, 64);
        assertThat(shape.activations().get(0)).isEqualTo(Activation.TANH);
        Cli.Result bad = Cli.run("ablate", "--quiet", "--study", "nope", "--out", tmp.resolve("nope").toString());
        assertThat(bad.exitCode()).isEqualTo(Kron4jCommand.BAD_INPUT);
        assertThat(bad.err()).contains("unknown study 'nope'").contains("digits-autoencoder");
    }

    // ---------------------------------------------------------------- product modules

    @Test
    void productModules_doNotDependOnTheTestKitAtCompileScope() throws IOException {
        Pattern dependency = Pattern.compile("<dependency>(.*?)</dependency>", Pattern.DOTALL);
        for (String module : List.of("cli", "benchmarks", "examples")) {
            Path pom = Path.of("..").resolve(module).resolve("pom.xml");
            assertThat(pom).as(module).exists();
            Matcher m = dependency.matcher(Files.readString(pom));
            while (m.find()) {
                String body = m.group(1);
                if (body.contains("<artifactId>kron4j-testkit</artifactId>")) {
                    assertThat(body).as(module + " depends on the test kit outside test scope")
                            .contains("<scope>test</scope>");
                }
            }
        }
    }
}
