package org.kron4j.cli.ablation;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kron4j.cli.engine.ModelShape;

/**
 * The settings an ablation starts each method from before the user's {@code name:key=value}
 * overrides, one set for classifiers and one for autoencoders; why they are what they are is in
 * {@link #RATIONALE}, which every report.md repeats.
 *
 * <p><b>No per-problem tuning of the K-FAC family.</b> kfac, ekfac and kfra run at kron4j's
 * library defaults for damping, learning rate, momentum and KL clip (with the adaptive driver:
 * Levenberg-Marquardt damping, learning rate and momentum from the quadratic model); their
 * presets only set how often statistics and decompositions are refreshed, a cost/benefit choice
 * that does not change what the method is. Shampoo keeps a documented preset. Baselines get a
 * learning-rate sweep ({@code a|b|c}); the best rate (lowest median steps to the target, then
 * lowest median final loss) is the one reported, so that neither baseline is a straw man.
 */
public final class Presets {
    /** The methods of the embedded default ablation, in report order; variants missing from the class path are skipped. */
    public static final List<String> DEFAULT_METHODS = List.of("kfac", "ekfac", "kfra", "shampoo", "sgd", "adam");

    /**
     * The methods of the default ablation of a CNN: KFRA is left out (KFRA for convolutions is not
     * a published method, and kron4j's refuses conv layers).
     */
    public static final List<String> CNN_METHODS = List.of("kfac", "ekfac", "shampoo", "sgd", "adam");

    /** The kind of problem a preset set is for. */
    public enum Problem {
        /** An MLP classifier (softmax cross-entropy). */
        CLASSIFIER,
        /** A deep autoencoder (sigmoid cross-entropy over the pixels). */
        AUTOENCODER,
        /** A convolutional classifier ({@code --model cnn}). */
        CNN;

        /** The problem a model text describes ("cnn…", "autoencoder…", anything else a classifier). */
        public static Problem of(String modelText) {
            return ModelShape.isCnn(modelText) ? CNN
                    : ModelShape.isAutoencoder(modelText) ? AUTOENCODER : CLASSIFIER;
        }

        /** {@link #AUTOENCODER} when true, else {@link #CLASSIFIER}. */
        public static Problem of(boolean autoencoder) {
            return autoencoder ? AUTOENCODER : CLASSIFIER;
        }
    }

    /** The K-FAC family: presets of these never set damping, learning rate, momentum or KL clip. */
    public static final List<String> KFAC_FAMILY = List.of("kfac", "ekfac", "kfra");

    private static final Map<String, String> CLASSIFIER = ordered(
            "kfac", "tCov=1,tInv=5",
            "ekfac", "tCov=1,tInv=20",
            "kfra", "tCov=1,tInv=5",
            "shampoo", "learningRate=0.02,momentum=0.9,tInv=5,startPreconditioningStep=0",
            "sgd", "learningRate=0.3|0.6|1,momentum=0.9",
            "adam", "learningRate=0.01|0.02|0.04");

    private static final Map<String, String> AUTOENCODER = ordered(
            "kfac", "tCov=1,tInv=20",
            "ekfac", "tCov=1,tInv=20",
            "kfra", "tCov=1,tInv=20",
            "shampoo", "learningRate=0.005,momentum=0.9,tInv=20,startPreconditioningStep=0",
            "sgd", "learningRate=0.001|0.003|0.01|0.03,momentum=0.9",
            "adam", "learningRate=0.0001|0.0003|0.001|0.003");

    private static final Map<String, String> CNN = ordered(
            "kfac", "tCov=1,tInv=20",
            "ekfac", "tCov=1,tInv=20",
            "shampoo", "learningRate=0.03,momentum=0.9,tInv=20,startPreconditioningStep=0",
            "sgd", "learningRate=0.01|0.03|0.1|0.3,momentum=0.9",
            "adam", "learningRate=0.0003|0.001|0.003|0.01|0.03");

    /** Why the presets are what they are: measured, repeated in every report. */
    public static final String RATIONALE = """
            K-FAC, EKFAC and KFRA run at kron4j's library defaults for damping, learning rate, momentum and KL clip \
            — nothing tuned per problem (issue 17): the adaptive driver chooses the damping by the \
            Levenberg-Marquardt rule on the reduction ratio ρ, and the step size α and momentum μ as the minimizer \
            of the quadratic model along the new direction and the previous update (Martens & Grosse 2015, §6-7). \
            Their presets set only the refresh cadence: statistics every step and inverses every 5 steps (kfac, \
            kfra) or eigenbases every 20 (ekfac, whose scalings are re-estimated every step) on classifiers, \
            inverses every 20 steps on autoencoders (the K-FAC paper's T₃ = 20). The damping.png chart and \
            steps.csv show what λ did. Before the adaptive driver, hand-tuned fixed settings were needed (digits: \
            learningRate 0.3, DL4J Nesterov momentum 0.7, damping 0.1, no KL clip → 19 median steps to 0.05; the \
            sigmoid MNIST autoencoder stayed on the mean-image plateau, loss ≈ 206, at every fixed damping tried).

            Shampoo (documented preset, not adaptive): classifiers learningRate 0.005 / 0.01 / 0.02 → 24 / 20 / 20 \
            median steps on digits (0.02 ends lower), roots every 5 steps (every 20 → 21 steps), preconditioning \
            from step 0 (the library waits 10 steps); autoencoders learningRate 0.005 (0.001 → 172, 0.005 → 159 \
            after 300 steps on the sigmoid MNIST autoencoder, batch 256), roots every 20 steps.

            Baselines, swept: on digits (DL4J engine, 64-128-128-10 tanh MLP, batch 256, seeds 1-3, 80 steps) \
            sgd with Nesterov momentum 0.9 at 0.1 / 0.3 / 0.6 / 1 → 43 / 25 / 22 / 24 median steps, so 0.3|0.6|1 \
            brackets the best rate; adam 0.003 / 0.01 / 0.02 / 0.04 → 55 / 29 / 25 / 27, so 0.01|0.02|0.04. On \
            the MNIST autoencoder adam sweeps {1e-4, 3e-4, 1e-3, 3e-3} (the benchmark's target is the loss the best \
            of them reaches after 1000 steps) and sgd 0.001|0.003|0.01|0.03 (tanh MNIST autoencoder, batch 1000, 200 \
            steps: 3e-3 → 184.1, 1e-3 → 193.1, 3e-4 → 205.6, 1e-2 stays at 380, 3e-2 and 1e-1 diverge; the digits \
            autoencoder's best is 3e-2). On other data sets widen the sweeps (e.g. \
            sgd:learningRate=0.01|0.03|0.1|0.3|1).

            CNNs (--model cnn, DL4J engine): K-FAC and EKFAC at the same library defaults, KFC blocks for the conv \
            layers, statistics every step and inverses / eigenbases every 20 steps (the first dense layer of the \
            28×28 CNN has a 1569×1569 factor A: the K-FAC paper's T₃ = 20 amortises its decomposition); KFRA is left \
            out (no KFRA for convolutions is published; kron4j refuses conv layers). Shampoo learningRate 0.03, \
            momentum 0.9 (the rate of kron4j-dl4j's digits-CNN test), roots every 20 steps. Baselines: sgd \
            0.01|0.03|0.1|0.3 (Nesterov momentum 0.9) and adam 3e-4|1e-3|3e-3|1e-2|3e-2, wide enough to bracket \
            the best rates of both CNN problems without tuning: on the digits CNN (batch 256, target 0.3, seeds \
            1-3, DL4J engine) SGD's best is 0.1 (49 / 37 / 39 steps; 1.0 diverges) and Adam's 2e-2 to 3e-2 \
            (28 / 24 / 24 steps; 3e-3, the top of a first three-rate sweep, 55 / 54 / 55), against adaptive \
            K-FAC at the library defaults 19 / 18 / 22 and EKFAC 16 / 15 / 16 (with the DL4J batch oracle \
            through conv layers, branch cnnoracle). With fixed damping (0.1, DL4J Nesterov 0.3 / 0.7) K-FAC \
            needed a median 32 steps and EKFAC 27 there: the adaptive defaults are what makes the CNN fast. \
            On a Fashion-MNIST subset (cnn:5x8-5x16-64, batch 128, target 0.7) the same defaults do not win yet: \
            K-FAC 27 / not within 150 / 33 steps, EKFAC not within 150, Adam 1e-2 to 2e-2 35 / 29 / 31.

            On DL4J the variants' learningRate and momentum in fixed-damping mode are applied by DL4J's Nesterovs \
            updater; on the reference engine they are kron4j's own (heavy-ball momentum).
            """;

    private Presets() {
    }

    /** The preset of a method for a kind of model, as {@code key=value,...}; empty when there is none. */
    public static String of(String method, boolean autoencoder) {
        return of(method, Problem.of(autoencoder));
    }

    /** The preset of a method for a kind of problem, as {@code key=value,...}; empty when there is none. */
    public static String of(String method, Problem problem) {
        Map<String, String> presets = switch (problem) {
            case CLASSIFIER -> CLASSIFIER;
            case AUTOENCODER -> AUTOENCODER;
            case CNN -> CNN;
        };
        return presets.getOrDefault(method, "");
    }

    /** The methods of the default ablation of a problem, in report order. */
    public static List<String> defaultMethods(Problem problem) {
        return problem == Problem.CNN ? CNN_METHODS : DEFAULT_METHODS;
    }

    private static Map<String, String> ordered(String... pairs) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put(pairs[i], pairs[i + 1]);
        }
        return map;
    }
}
