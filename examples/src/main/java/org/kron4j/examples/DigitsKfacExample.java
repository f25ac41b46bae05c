package org.kron4j.examples;

import java.util.Locale;
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
import org.kron4j.reference.train.FirstOrderRule;

/**
 * Trains the 64-128-128-10 tanh MLP on the bundled digits data with K-FAC and with SGD-momentum
 * (same initial weights, same batches) and prints both loss curves side by side as a table, with
 * the steps each needed to bring the 10-step mean training loss to 0.05.
 *
 * <p>Usage: {@code DigitsKfacExample [kfac-spec] [steps]}, e.g.
 * {@code "kfac:learningRate=0.5,momentum=0.5,damping=0.1,klClip=0,tCov=1,tInv=5,adaptiveStep=false,adaptiveDamping=false" 60}
 * (fixed-step K-FAC: without {@code adaptiveStep=false} the library's default adaptive mode would
 * choose the learning rate and momentum itself and ignore the ones given).
 */
public final class DigitsKfacExample {
    // the test kit's digits protocol: batch, loss target and window of the moving mean
    private static final int BATCH = 256;
    private static final double TARGET = 0.05;
    private static final int WINDOW = 10;

    private DigitsKfacExample() {
    }

    public static void main(String[] args) {
        String spec = args.length > 0 ? args[0] : "kfac:learningRate=0.5,momentum=0.5,damping=0.1,klClip=0,tCov=1,tInv=5,adaptiveStep=false,adaptiveDamping=false";
        int steps = args.length > 1 ? Integer.parseInt(args[1]) : 60;
        long seed = 1;
        Dataset digits = Datasets.digits().standardize();
        TrainingRun run = TrainingRun.on(digits).batchSize(BATCH).maxSteps(steps).seed(seed)
                .targetLoss(TARGET).window(WINDOW).build();

        ReferenceMlp kfacNet = network(seed);
        KroneckerOptimizer optimizer = Kron4j.optimizer(spec).model(kfacNet.modelSpec()).build();
        TrainingResult kfac = run.run(kfacNet, StepFunction.of(optimizer));
        ReferenceMlp sgdNet = network(seed);
        TrainingResult sgd = run.run(sgdNet, FirstOrderRule.heavyBall(0.3, 0.9));

        System.out.println("digits, 64-128-128-10 tanh MLP, softmax cross-entropy, batch 256, seed " + seed);
        System.out.println("K-FAC: " + spec);
        System.out.println("SGD:   learningRate=0.3, momentum=0.9 (the best of 0.03, 0.1, 0.3)");
        System.out.println();
        System.out.println("| step | K-FAC loss | SGD loss |");
        System.out.println("|--:|--:|--:|");
        for (int t = 0; t < steps; t++) {
            if (t < 10 || t % 5 == 4 || t == steps - 1) {
                System.out.printf(Locale.ROOT, "| %d | %.4f | %.4f |%n", t + 1, kfac.loss(t), sgd.loss(t));
            }
        }
        System.out.println();
        System.out.printf(Locale.ROOT, "steps to a 10-step mean loss <= %.2f: K-FAC %s, SGD %s%n", TARGET,
                describe(kfac), describe(sgd));
        System.out.printf(Locale.ROOT, "wall time: K-FAC %.1f s, SGD %.1f s; K-FAC factor store %.2f MB%n",
                kfac.wallMillis() / 1e3, sgd.wallMillis() / 1e3, optimizer.store().bytes() / 1e6);
        System.out.printf(Locale.ROOT, "training accuracy: K-FAC %.3f, SGD %.3f%n",
                kfacNet.accuracy(digits.features(), digits.oneHot()), sgdNet.accuracy(digits.features(), digits.oneHot()));
    }

    /** The protocol's 64-128-128-10 tanh network for a seed. */
    private static ReferenceMlp network(long seed) {
        return ReferenceMlp.builder(64, 128, 128, 10).hidden(Activation.TANH).loss(Loss.SOFTMAX_CROSS_ENTROPY)
                .seed(seed).build();
    }

    private static String describe(TrainingResult result) {
        return result.stepsToTarget().isPresent() ? String.valueOf(result.stepsToTarget().getAsInt())
                : "not within " + result.steps();
    }
}
