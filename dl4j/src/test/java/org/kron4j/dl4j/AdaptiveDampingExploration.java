package org.kron4j.dl4j;

import java.util.Arrays;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.NoOp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The measurement behind the adaptive defaults (not part of the suite: run with
 * {@code -Dtest=AdaptiveDampingExploration}): digits, the DL4J 64-128-128-10 MLP of
 * {@link DigitsEndToEndTest}, steps to the 10-step mean loss 0.05 for initial dampings λ₀ and
 * specs given by {@code -Dkron4j.specs=kfac:damping=0.1;...}.
 */
class AdaptiveDampingExploration {
    private static final Logger LOG = LoggerFactory.getLogger("org.kron4j.results.adaptive");
    private static final INDArray X = Dl4jFixtures.DIGITS.features();
    private static final INDArray Y = Dl4jFixtures.DIGITS.oneHot();

    @Test
    void explore() {
        String specs = System.getProperty("kron4j.specs", "kfac");
        for (String spec : specs.split(";")) {
            int[] steps = new int[3];
            double[] seconds = new double[3];
            String lambdas = "";
            for (int s = 0; s < 3; s++) {
                MultiLayerNetwork network = Dl4jFixtures.digitsMlp(s + 1, new NoOp());
                Kron4jAttachment attachment = Kron4jDl4j.attach(network, spec);
                Dl4jFixtures.Run run = Dl4jFixtures.train(network, X, Y, 256, 300, s + 1, 0.05, 10);
                steps[s] = run.reached() ? run.stepsToTarget() : -1;
                seconds[s] = Math.round(run.seconds() * 100) / 100.0;
                lambdas += " " + attachment.optimizer().damping() + "/skipped=" + attachment.diagnostics().skippedSteps();
            }
            LOG.info("EXPLORE {}: steps {} seconds {} final λ{}", spec, Arrays.toString(steps),
                    Arrays.toString(seconds), lambdas);
        }
    }
}
