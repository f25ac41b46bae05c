package org.kron4j.cli.ablation;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kron4j.api.Kron4j;
import org.kron4j.cli.checkpoint.StudyCheckpoints;
import org.kron4j.cli.checkpoint.StudyStopped;
import org.kron4j.cli.data.DataCatalog;
import org.kron4j.cli.data.TrainingData;
import org.kron4j.cli.engine.Dl4jEngine;
import org.kron4j.cli.engine.ModelShape;
import org.kron4j.cli.engine.ReferenceEngine;
import org.kron4j.cli.engine.TrainingEngine;

/**
 * A study stopped again and again at seeded random step boundaries (as SIGTERM stops it) and
 * continued each time by a new runner from its checkpoints gives, run for run, the very numbers of
 * an uninterrupted study: every batch loss and diagnostic bit for bit, the final losses and
 * accuracies, factor bytes, skipped steps and the damping in use. On both engines, every variant
 * and both baselines (DL4J's updaters; the reference engine's first-order rules).
 */
class AblationRunnerResumeTest {
    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"reference", "dl4j"})
    void stoppedAtRandomBoundaries_andResumed_givesTheUninterruptedRunsBitForBit(String engineName) {
        var registry = Kron4j.variants();
        boolean dl4j = engineName.equals("dl4j");
        String data = dl4j ? "digits" : "iris";
        String model = dl4j ? "64-24-10" : "4-16-3";
        AblationConfig config = new AblationConfig(data, null, model, "tanh", engineName, 32, 9, 0.5, 3, List.of(1L),
                0.2, 0, 500, 1, MethodConfig.parseList("kfac;ekfac;kfra;shampoo;sgd:learningRate=0.1;"
                        + "adam:learningRate=0.01", registry, false)).check();
        TrainingData trainingData = DataCatalog.load(data, null, false, config.testFraction(), config.splitSeed(),
                config.evalExamples());
        ModelShape shape = ModelShape.resolve(model, "tanh", trainingData.features(), trainingData.classes(), data);
        TrainingEngine engine = dl4j ? new Dl4jEngine(registry) : new ReferenceEngine(registry);

        List<RunResult> expected = new AblationRunner(config, shape, trainingData, engine).runAll(AblationRunner.Listener.NONE);

        StudyCheckpoints checkpoints = new StudyCheckpoints(tmp, "study", 4);
        Random random = new Random(engineName.hashCode());
        List<RunResult> resumed = null;
        int stops = 0;
        while (resumed == null) {
            int after = 1 + random.nextInt(25);
            int[] calls = {0};
            BooleanSupplier stop = () -> ++calls[0] >= after;
            try {
                resumed = new AblationRunner(config, shape, trainingData, engine).checkpointing(checkpoints, stop)
                        .runAll(AblationRunner.Listener.NONE);
            } catch (StudyStopped e) {
                stops++;
            }
            assertThat(stops).as("the study ends").isLessThan(200);
        }
        assertThat(stops).isGreaterThan(2);
        assertThat(resumed).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            RunResult a = expected.get(i);
            RunResult b = resumed.get(i);
            String run = a.label() + " seed " + a.seed();
            assertThat(bits(b.losses())).as(run + " losses").isEqualTo(bits(a.losses()));
            assertThat(untimed(b.diagnostics())).as(run + " diagnostics").isEqualTo(untimed(a.diagnostics()));
            assertThat(b.batchSizes()).as(run).isEqualTo(a.batchSizes());
            assertThat(Double.doubleToLongBits(b.finalTrainLoss())).as(run + " final loss")
                    .isEqualTo(Double.doubleToLongBits(a.finalTrainLoss()));
            assertThat(Double.doubleToLongBits(b.testLoss())).as(run + " test loss")
                    .isEqualTo(Double.doubleToLongBits(a.testLoss()));
            assertThat(Double.doubleToLongBits(b.testAccuracy())).as(run)
                    .isEqualTo(Double.doubleToLongBits(a.testAccuracy()));
            assertThat(b.stepsToTarget()).as(run).isEqualTo(a.stepsToTarget());
            assertThat(b.factorBytes()).as(run).isEqualTo(a.factorBytes());
            assertThat(b.skippedSteps()).as(run).isEqualTo(a.skippedSteps());
            assertThat(b.diverged()).as(run).isEqualTo(a.diverged());
            assertThat(b.dampingInUse()).as(run + " damping in use").isEqualTo(a.dampingInUse());
        }
    }

    private static List<Long> bits(double[] values) {
        List<Long> out = new ArrayList<>();
        for (double v : values) {
            out.add(Double.doubleToRawLongBits(v));
        }
        return out;
    }

    /** The diagnostics timings aside (a refresh's stall is a measured time, like the seconds columns). */
    private static java.util.List<org.kron4j.api.optim.StepDiagnostics> untimed(
            java.util.List<org.kron4j.api.optim.StepDiagnostics> diagnostics) {
        return diagnostics.stream().map(d -> new org.kron4j.api.optim.StepDiagnostics(d.loss(), d.damping(),
                d.reductionRatio(), d.learningRate(), d.momentum(), d.decompositionAge(), 0.0)).toList();
    }
}
