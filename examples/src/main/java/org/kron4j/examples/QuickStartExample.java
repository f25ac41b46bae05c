package org.kron4j.examples;

import java.util.Locale;
import java.util.SplittableRandom;
import org.kron4j.api.Kron4j;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.capture.StepPlan;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.Loss;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.optim.StepResult;
import org.kron4j.api.settings.OptimizerConfig;
import org.kron4j.reference.data.Dataset;
import org.kron4j.reference.data.Datasets;
import org.kron4j.reference.mlp.ReferenceMlp;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The quick start of the root {@code README.md}: the code between the {@code README:} markers is
 * the README's snippet character for character ({@code ReadmeSnippetsTest} compares them) and
 * {@code QuickStartExampleTest} runs it.
 *
 * <p>Usage: {@code scripts/run-main examples org.kron4j.examples.QuickStartExample}; prints the
 * training loss over the whole digits set after 100 adaptive K-FAC steps.
 */
public final class QuickStartExample {

    private QuickStartExample() {
    }

    public static void main(String[] args) {
        System.out.printf(Locale.ROOT, "digits, 64-128-128-10 tanh MLP, 100 adaptive K-FAC steps of 256 examples:"
                + " training loss %.4f (ln 10 = 2.30 is chance)%n", train());
    }

    /** Runs the README's quick start; returns the mean training loss over the whole digits set after it. */
    public static double train() {
        // README: begin quick-start
        Dataset digits = Datasets.digits().standardize();                   // bundled UCI digits: 1797 × 64, 10 classes
        ReferenceMlp net = ReferenceMlp.builder(64, 128, 128, 10)            // any engine that produces captures
                .hidden(Activation.TANH).loss(Loss.SOFTMAX_CROSS_ENTROPY).seed(1).build();
        KroneckerOptimizer optimizer = Kron4j.optimizer("kfac")               // adaptive: α, μ and λ chosen per step
                .model(net.modelSpec())
                .build();                                                    // fixed instead: .adaptive(false).learningRate(0.5)...
        Random random = Nd4j.getRandomFactory().getNewRandomInstance(1);     // ND4J's generator: MC Fisher targets
        SplittableRandom batches = new SplittableRandom(1);                  // which rows each batch takes

        for (int step = 0; step < 100; step++) {
            Dataset batch = digits.subset(batches.ints(256, 0, digits.size()).toArray());   // 256 random rows
            StepPlan plan = optimizer.plan();                                // what this step needs
            ModelCapture capture = net.capture(batch.features(), batch.oneHot(), plan, random); // gradients (+ statistics when asked)
            StepResult result = optimizer.step(capture);
            if (result.applied()) {                                          // false: a guard skipped a NaN step
                net.addToParameters(result.updates());
            }
        }
        double loss = net.loss(digits.features(), digits.oneHot());         // mean loss over the whole set
        // README: end quick-start
        return loss;
    }

    /** The README's second snippet: a spec parsed once into a typed configuration. */
    public static KroneckerOptimizer fromConfig(ReferenceMlp net) {
        // README: begin optimizer-config
        OptimizerConfig config = OptimizerConfig.parse("kfac:damping=0.1,tCov=1,tInv=5");
        KroneckerOptimizer optimizer = KroneckerOptimizer.builder(config).model(net.modelSpec()).build();
        // README: end optimizer-config
        return optimizer;
    }
}
