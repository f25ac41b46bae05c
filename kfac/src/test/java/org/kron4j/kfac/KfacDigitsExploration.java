package org.kron4j.kfac;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
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

@Tag("exploration")
class KfacDigitsExploration {
    @Test
    void explore() {
        Dataset digits = Datasets.digits().standardize();
        String spec = System.getProperty("spec", "kfac");
        double lr = Double.parseDouble(System.getProperty("lr", "0.1"));
        for (long seed = 0; seed < 3; seed++) {
            ReferenceMlp mlp = ReferenceMlp.builder(64, 128, 128, 10).hidden(Activation.TANH)
                    .loss(Loss.SOFTMAX_CROSS_ENTROPY).dataType(DataType.FLOAT).seed(seed).build();
            TrainingRun run = TrainingRun.on(digits).batchSize(256).maxSteps(600).seed(seed).targetLoss(0.05)
                    .stopAtTarget(true).build();
            if (spec.equals("sgd")) {
                TrainingResult r = run.run(mlp, new SgdMomentum(lr, 0.9));
                System.err.printf("sgd lr=%s seed=%d steps=%s final=%.4f ms=%.0f%n", lr, seed, r.stepsToTarget(),
                        r.finalMovingMean(), r.wallMillis());
            } else {
                KroneckerOptimizer opt = org.kron4j.api.optim.KroneckerOptimizer.builder(
                        org.kron4j.api.settings.OptimizerConfig.parse(new KfacApproximation(), spec))
                        .model(mlp.modelSpec()).build();
                TrainingResult r = run.run(mlp, StepFunction.of(opt));
                System.err.printf("%s seed=%d steps=%s final=%.4f ms=%.0f skipped=%d%n", spec, seed, r.stepsToTarget(),
                        r.finalMovingMean(), r.wallMillis(), opt.skippedSteps());
            }
        }
    }
}
