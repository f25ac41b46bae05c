package org.kron4j.dl4j;

import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;

/** Hyperparameter exploration (not run by surefire: the class name does not end in Test). */
class Dl4jDigitsExploration {
    @Test
    void explore() {
        for (String config : System.getProperty("configs", "adam|0.01|0").split(";")) {
            String[] parts = config.split("\\|");
            explore(parts[0], Double.parseDouble(parts[1]), Double.parseDouble(parts[2]));
        }
    }

    private void explore(String spec, double lr, double mu) {
        int maxSteps = Integer.getInteger("steps", 600);
        int total = 0;
        for (long seed = 1; seed <= 3; seed++) {
            IUpdater updater = spec.equals("adam") ? new Adam(lr) : mu > 0 ? new Nesterovs(lr, mu) : new Sgd(lr);
            MultiLayerNetwork net = Dl4jFixtures.digitsMlp(seed, updater);
            Kron4jAttachment attachment = spec.equals("adam") ? null : Kron4jDl4j.attach(net, spec);
            Dl4jFixtures.Run run = Dl4jFixtures.train(net, Dl4jFixtures.DIGITS.features(), Dl4jFixtures.DIGITS.oneHot(),
                    256, maxSteps, seed, 0.05, 10);
            total += run.stepsToTarget();
            System.err.printf("%s lr=%s mu=%s seed=%d: %s %s%n", spec, lr, mu, seed, run,
                    attachment == null ? "" : attachment.diagnostics().overheadMillisPerIteration());
        }
        System.err.printf("TOTAL %s lr=%s mu=%s: %d%n", spec, lr, mu, total);
    }
}
