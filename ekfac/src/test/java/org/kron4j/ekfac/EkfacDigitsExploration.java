package org.kron4j.ekfac;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.kron4j.api.Kron4j;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.Loss;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.reference.data.Dataset;
import org.kron4j.reference.data.Datasets;
import org.kron4j.reference.mlp.ReferenceMlp;
import org.kron4j.reference.train.StepFunction;
import org.kron4j.reference.train.TrainingResult;
import org.kron4j.reference.train.TrainingRun;
import org.kron4j.testkit.baseline.SgdMomentum;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * A manual harness for tuning on digits (tagged "exploration", which the build excludes by default):
 * {@code mvn -o -pl ekfac test -Dtest=EkfacDigitsExploration -Dkron4j.excludedGroups=none
 * -Dspecs="ekfac:learningRate=0.5;kfac:learningRate=0.5"} (specs separated by ';', "sgd:lr" for the
 * baseline; -Dseeds=1,2,3 for other seeds).
 */
@Tag("exploration")
class EkfacDigitsExploration {
    @Test
    void explore() {
        Dataset digits = Datasets.digits().standardize();
        int maxSteps = Integer.getInteger("maxSteps", 120);
        for (String spec : System.getProperty("specs", "ekfac").split(";")) {
            StringBuilder line = new StringBuilder(spec).append(" ->");
            for (String seedText : System.getProperty("seeds", "0,1,2").split(",")) {
                long seed = Long.parseLong(seedText.trim());
                ReferenceMlp mlp = ReferenceMlp.builder(64, 128, 128, 10).hidden(Activation.TANH)
                        .loss(Loss.SOFTMAX_CROSS_ENTROPY).dataType(DataType.FLOAT).seed(seed).build();
                TrainingRun run = TrainingRun.on(digits).batchSize(256).maxSteps(maxSteps).seed(seed)
                        .targetLoss(0.05).stopAtTarget(true).build();
                TrainingResult r;
                if (spec.startsWith("sgd:")) {
                    r = run.run(mlp, new SgdMomentum(Double.parseDouble(spec.substring(4)), 0.9));
                } else {
                    KroneckerOptimizer opt = Kron4j.optimizer(spec).model(mlp.modelSpec()).build();
                    r = run.run(mlp, StepFunction.of(opt));
                }
                line.append(String.format(" seed%d=%s(%.3f, %.0fms)", seed, r.stepsToTarget(), r.finalMovingMean(),
                        r.wallMillis()));
            }
            System.err.println(line);
        }
    }
}
