package org.kron4j.kfac;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.Loss;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.optim.StepResult;
import org.kron4j.api.settings.OptimizerConfig;
import org.kron4j.reference.data.Datasets;
import org.kron4j.reference.mlp.ReferenceMlp;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The measurement behind the adaptive initial damping on an autoencoder (not part of the suite:
 * {@code -Dtest=AdaptiveAutoencoderExploration -Dkron4j.specs=kfac:damping=1;...}): digits scaled
 * to [0, 1], a 64-100-30-100-64 autoencoder (tanh, linear code, sigmoid cross-entropy summed over
 * pixels, mean over the batch), batch 256 with replacement, 300 steps, seed 1; logs the loss
 * (mean of the last 10 batches) at steps 50, 100, 200, 300.
 */
class AdaptiveAutoencoderExploration {
    private static final Logger LOG = LoggerFactory.getLogger("org.kron4j.results.adaptive");

    @Test
    void explore() {
        INDArray x = Datasets.digits(DataType.FLOAT).features().div(16.0);
        int n = (int) x.size(0);
        for (String spec : System.getProperty("kron4j.specs", "kfac").split(";")) {
            ReferenceMlp mlp = ReferenceMlp.builder(64, 100, 30, 100, 64)
                    .hidden(Activation.TANH, Activation.IDENTITY, Activation.TANH).loss(Loss.SIGMOID_CROSS_ENTROPY)
                    .seed(1).build();
            KroneckerOptimizer optimizer = KroneckerOptimizer.builder(OptimizerConfig.parse(spec))
                    .model(mlp.modelSpec()).build();
            Random random = new Random(1);
            double[] losses = new double[300];
            StringBuilder text = new StringBuilder();
            long start = System.nanoTime();
            int skipped = 0;
            for (int step = 0; step < 300; step++) {
                int[] rows = new int[256];
                for (int i = 0; i < rows.length; i++) {
                    rows[i] = random.nextInt(n);
                }
                INDArray batch = Nd4j.pullRows(x, 1, rows);
                ReferenceMlp.StepCapture capture = mlp.captureWithLoss(batch, batch, optimizer.plan(), null);
                losses[step] = capture.loss();
                StepResult result = optimizer.step(capture.capture());
                if (result.applied()) {
                    mlp.addToParameters(result.updates());
                } else {
                    skipped++;
                }
                if ((step + 1) % 50 == 0) {
                    double mean = 0;
                    for (int k = step - 9; k <= step; k++) {
                        mean += losses[k] / 10;
                    }
                    text.append(String.format(" %d:%.2f(λ=%.3g)", step + 1, mean, optimizer.damping()));
                }
            }
            LOG.info("EXPLORE-AE {}: {} skipped={} {}s", spec, text, skipped,
                    Math.round((System.nanoTime() - start) / 1e7) / 100.0);
        }
    }
}
