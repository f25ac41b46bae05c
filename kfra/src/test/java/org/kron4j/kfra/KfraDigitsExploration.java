package org.kron4j.kfra;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Tag;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.Loss;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.settings.OptimizerConfig;
import org.kron4j.kfac.KfacApproximation;
import org.kron4j.reference.data.Dataset;
import org.kron4j.reference.data.Datasets;
import org.kron4j.reference.mlp.ReferenceMlp;
import org.kron4j.reference.train.StepFunction;
import org.kron4j.reference.train.TrainingResult;
import org.kron4j.reference.train.TrainingRun;
import org.kron4j.testkit.baseline.SgdMomentum;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Settings exploration on the digits protocol of {@link KfraDigitsTest}, off by default:
 * {@code mvn -o -pl kfra test -Dtest=KfraDigitsExploration -Dkron4j.excludedGroups=none
 * -Dspecs="kfra:learningRate=0.5,damping=0.1;sgd:0.3"} (';'-separated specs; {@code sgd:lr} for the baseline).
 * Prints steps to target per seed on stderr.
 */
@Tag("exploration")
class KfraDigitsExploration {
    @Test
    void explore() {
        Dataset digits = Datasets.digits().standardize();
        for (String spec : System.getProperty("specs", "kfra").split(";")) {
            StringBuilder line = new StringBuilder(spec).append(':');
            for (long seed = 0; seed < 3; seed++) {
                ReferenceMlp mlp = ReferenceMlp.builder(64, 128, 128, 10).hidden(Activation.TANH)
                        .loss(Loss.SOFTMAX_CROSS_ENTROPY).dataType(DataType.FLOAT).seed(seed).build();
                TrainingRun run = TrainingRun.on(digits).batchSize(256).maxSteps(200).seed(seed).targetLoss(0.05)
                        .stopAtTarget(true).build();
                TrainingResult result;
                if (spec.startsWith("sgd:")) {
                    result = run.run(mlp, new SgdMomentum(Double.parseDouble(spec.substring(4)), 0.9));
                } else {
                    KroneckerOptimizer optimizer = KroneckerOptimizer.builder(OptimizerConfig.parse(
                            spec.startsWith("kfac") ? new KfacApproximation() : new KfraApproximation(), spec))
                            .model(mlp.modelSpec()).build();
                    result = run.run(mlp, StepFunction.of(optimizer));
                }
                line.append(String.format(" seed%d=%s(%.3f, %.0fms)", seed,
                        result.stepsToTarget().isPresent() ? String.valueOf(result.stepsToTarget().getAsInt()) : "-",
                        result.finalMovingMean(), result.wallMillis()));
            }
            System.err.println("EXPLORE " + line);
        }
    }
}
