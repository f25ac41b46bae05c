package org.kron4j.cli.ablation;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The settings an ablation starts each method from before the user's {@code name:key=value}
 * overrides: kron4j's library defaults are conservative general-purpose values (statistics every
 * 10 steps, inverses every 100, a KL clip), while a short fixed-budget ablation needs each method
 * at a setting that is good for it, or the comparison is between tunings, not methods. One set for
 * classifiers and one for autoencoders; the numbers behind them are in {@link #RATIONALE}, which
 * every report.md repeats.
 *
 * <p>Baselines get a learning-rate sweep ({@code a|b|c}); the best rate (lowest median steps to
 * the target, then lowest median final loss) is the one reported, so that neither baseline is a
 * straw man. The Kronecker variants get a single tuned rate each.
 */
public final class Presets {
    /** The methods of the embedded default ablation, in report order; variants missing from the class path are skipped. */
    public static final List<String> DEFAULT_METHODS = List.of("kfac", "ekfac", "kfra", "shampoo", "sgd", "adam");

    private static final Map<String, String> CLASSIFIER = ordered(
            "kfac", "learningRate=0.3,momentum=0.7,damping=0.1,klClip=0,tCov=1,tInv=5",
            "ekfac", "learningRate=0.2,momentum=0.7,damping=0.15,klClip=0,tCov=1,tInv=20",
            "kfra", "learningRate=0.3,momentum=0.7,damping=0.1,klClip=0,tCov=1,tInv=5",
            "shampoo", "learningRate=0.02,momentum=0.9,tInv=5,startPreconditioningStep=0",
            "sgd", "learningRate=0.3|0.6|1,momentum=0.9",
            "adam", "learningRate=0.01|0.02|0.04");

    private static final Map<String, String> AUTOENCODER = ordered(
            "kfac", "learningRate=0.1,momentum=0.7,damping=1,klClip=0,tCov=1,tInv=20",
            "ekfac", "learningRate=0.1,momentum=0.7,damping=1,klClip=0,tCov=1,tInv=20",
            "kfra", "learningRate=0.1,momentum=0.7,damping=1,klClip=0,tCov=1,tInv=20",
            "shampoo", "learningRate=0.005,momentum=0.9,tInv=20,startPreconditioningStep=0",
            "sgd", "learningRate=0.01|0.03|0.1,momentum=0.9",
            "adam", "learningRate=0.001|0.003|0.01");

    /** Why the presets are what they are: measured, repeated in every report. */
    public static final String RATIONALE = """
            Classifier presets, measured with this command on digits (DL4J engine, 64-128-128-10 tanh MLP, batch 256, \
            seeds 1-3, 80 steps; median steps until the mean of the last 10 batch losses is at most 0.05; steps do \
            not depend on the machine's load, so they were compared rather than seconds):

            - kfac: learningRate 0.15 / 0.3 / 0.6 with DL4J's Nesterov momentum 0.7 → 24 / 19 / 33 steps (0.5 with \
            momentum 0.5: 21, one seed at 46); damping 0.3 → 29; klClip 0.001 (the library default) → 53, 0.01 → 26, \
            0 → 19; inverses every 20 steps instead of 5 → 39; statistics every 5 steps and inverses every 20 → 42 \
            steps at 55 % of the step time; statistics every 2 and inverses every 10 → 20 steps at 70 % (a good \
            trade when seconds matter more than steps); the empirical Fisher (targets=empirical) → 19, like the MC \
            Fisher.
            - ekfac: learningRate 0.1 / 0.2 / 0.4 → 26 / 22 / 54; eigenbasis every 20 steps instead of 5 → 22 vs 21 \
            steps at about half the step time: its scalings are re-estimated every step, so the basis may age \
            (George et al. 2018's point), hence tInv=20.
            - kfra: learningRate 0.15 / 0.3 / 0.6 (momentum 0.7) → 24 / 19 / 40; momentum 0.5 at 0.5 → 20.
            - shampoo: learningRate 0.005 / 0.01 / 0.02 → 24 / 20 / 20 (0.02 ends lower); roots every 20 steps → 21. \
            Preconditioning from step 0 (the library waits 10 steps).
            - sgd (Nesterov momentum 0.9): 0.1 / 0.3 / 0.6 / 1 → 43 / 25 / 22 / 24, so the sweep 0.3|0.6|1 \
            brackets the best rate; adam: 0.003 / 0.01 / 0.02 / 0.04 → 55 / 29 / 25 / 27, so the sweep \
            0.01|0.02|0.04 brackets it. On other data sets widen the sweeps (e.g. sgd:learningRate=0.01|0.03|0.1|0.3|1).

            Autoencoder presets, measured on MNIST (DL4J engine, 784-1000-500-250-30 mirrored sigmoid autoencoder, \
            sigmoid cross-entropy summed over pixels, batch 256, seed 1): every method falls to the mean-image plateau \
            (loss ≈ 206) within 20 steps. After 300 steps: shampoo learningRate 0.001 / 0.005 → 172 / 159; adam \
            0.001 / 0.003 / 0.01 → 184 / 183 / 207; sgd 0.01 / 0.03 / 0.1 → 206 / 206 / 207; kfac, ekfac and kfra at \
            learningRate 0.1, damping 1, inverses every 20 steps → 206 (still on the plateau; kfac at 0.03 → 206). \
            Smaller damping diverges (kfac damping 0.1 at learningRate 0.3 → 1831 after 40 steps, at 0.03 → 1659 \
            after 150) or, with a KL clip (0.001 or 0.01), stays on the plateau. Escaping it with the K-FAC family \
            needs adaptive (Levenberg-Marquardt) damping, which kron4j does not have yet.

            On DL4J the variants' learningRate and momentum are those of DL4J's Nesterovs updater; on the test-kit \
            engine they are kron4j's own (heavy-ball momentum), for which the same numbers are a reasonable start.
            """;

    private Presets() {
    }

    /** The preset of a method for a kind of model, as {@code key=value,...}; empty when there is none. */
    public static String of(String method, boolean autoencoder) {
        return (autoencoder ? AUTOENCODER : CLASSIFIER).getOrDefault(method, "");
    }

    private static Map<String, String> ordered(String... pairs) {
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            map.put(pairs[i], pairs[i + 1]);
        }
        return map;
    }
}
