package org.kron4j.tribuo;

import java.util.SplittableRandom;
import org.kron4j.api.model.Loss;
import org.tribuo.ImmutableFeatureMap;
import org.tribuo.ImmutableOutputInfo;
import org.tribuo.Trainer;
import org.tribuo.classification.Label;
import org.tribuo.classification.sgd.LabelObjective;
import org.tribuo.classification.sgd.linear.LinearSGDModel;
import org.tribuo.classification.sgd.linear.LinearSGDTrainer;
import org.tribuo.classification.sgd.objectives.LogMulticlass;
import org.tribuo.math.LinearParameters;
import org.tribuo.math.StochasticGradientOptimiser;
import org.tribuo.provenance.ModelProvenance;

/**
 * Tribuo's linear SGD classification trainer (logistic regression with {@link LogMulticlass})
 * whose training loop also records what K-FAC family optimisers need: the layer inputs (the
 * feature vectors) and output gradients of targets sampled from the model's own predictions (the
 * MC Fisher, kron4j's default {@code targets}), so that a {@link Kron4jOptimiser} with variant
 * {@code kfac}, {@code ekfac} or {@code kfra} can precondition the weight matrix. Gradient-only
 * variants ({@code shampoo}) work here too; other Tribuo optimisers train exactly as in
 * {@link LinearSGDTrainer}.
 *
 * <p><b>How.</b> Tribuo's SGD loop calls {@code LinearParameters.gradients(score, features)} once
 * per example, then the optimiser's {@code step} once per minibatch. This trainer overrides
 * {@link #createParameters} to hand the loop a {@link LinearParameters} subclass that records the
 * example in that hook when the optimiser's next step collects statistics; the optimiser picks the
 * records up in {@code step}. {@link #createModel} copies the trained weights into a plain
 * {@link LinearParameters}: the {@link LinearSGDModel} produced is an ordinary Tribuo model, which
 * loads and predicts without kron4j. The model's provenance names this trainer and the optimiser
 * with their configuration, so the trainer can be rebuilt from it.
 *
 * <p><b>Configuration.</b> The fields of {@link LinearSGDTrainer} ({@code objective},
 * {@code optimiser}, {@code epochs}, {@code minibatchSize}, {@code seed}, …). Defaults: log loss,
 * {@code Kron4jOptimiser("kfac")}, 5 epochs, minibatches of {@value #DEFAULT_MINIBATCH_SIZE},
 * Tribuo's default seed. With targets {@code mc_fisher} or {@code exact} the objective must be
 * {@link LogMulticlass} (hinge loss is no likelihood: use {@code targets=empirical}). MC targets
 * are drawn from a generator seeded by {@code seed} and the train-invocation count, so the same
 * configuration trains the same model. Example weights scale the gradient as in Tribuo but not
 * the curvature statistics.
 *
 * <p><b>Memory and time.</b> Besides Tribuo's own: the optimiser's state (K-FAC: 2((n+1)² + k²)
 * values for n features and k classes) and, on statistics steps, the minibatch's feature vectors
 * (references) plus B×n, B×k arrays. K-FAC (Martens and Grosse, ICML 2015) costs O(k²n + kn²) per
 * step after O(n³ + k³) refreshes every {@code tInv} steps, so it suits dense problems with up to
 * a few thousand features.
 */
public final class KroneckerClassificationTrainer extends LinearSGDTrainer {
    /** The default minibatch size: K-FAC's statistics and steps pay off on minibatches, not single examples. */
    public static final int DEFAULT_MINIBATCH_SIZE = 16;

    /** For OLCUT: log loss, K-FAC, 5 epochs, minibatches of {@value #DEFAULT_MINIBATCH_SIZE}. */
    private KroneckerClassificationTrainer() {
        super(new LogMulticlass(), null, 5, -1, DEFAULT_MINIBATCH_SIZE, Trainer.DEFAULT_SEED);
    }

    /**
     * Logistic regression (log loss) with the given optimiser.
     *
     * @param optimiser     usually a {@link Kron4jOptimiser}
     * @param epochs        passes over the data
     * @param minibatchSize examples per step
     * @param seed          seed of the shuffles and of the MC Fisher targets
     */
    public KroneckerClassificationTrainer(StochasticGradientOptimiser optimiser, int epochs, int minibatchSize,
            long seed) {
        this(new LogMulticlass(), optimiser, epochs, -1, minibatchSize, seed);
    }

    /**
     * The general constructor, as {@link LinearSGDTrainer}'s.
     *
     * @throws com.oracle.labs.mlrg.olcut.config.PropertyException when the objective is no
     *     likelihood but the optimiser samples targets from it
     */
    public KroneckerClassificationTrainer(LabelObjective objective, StochasticGradientOptimiser optimiser, int epochs,
            int loggingInterval, int minibatchSize, long seed) {
        super(objective, optimiser, epochs, loggingInterval, minibatchSize, seed);
        postConfig();
    }

    /** Used by OLCUT; also checks the objective against the optimiser's targets. */
    @Override
    public synchronized void postConfig() {
        super.postConfig();
        if (getObjective() == null) {
            return; // called from the super-constructor, before any field of ours is set: done again at the end
        }
        if (optimiser == null) {
            optimiser = new Kron4jOptimiser("kfac");
        }
        KroneckerTrainers.checkObjective(getObjective(), optimiser);
    }

    @Override
    protected LinearParameters createParameters(int numFeatures, int numOutputs, SplittableRandom localRNG) {
        return KroneckerTrainers.parameters(numFeatures, numOutputs, getObjective(), Loss.SOFTMAX_CROSS_ENTROPY,
                optimiser, seed, getInvocationCount());
    }

    @Override
    protected LinearSGDModel createModel(String name, ModelProvenance provenance, ImmutableFeatureMap featureMap,
            ImmutableOutputInfo<Label> outputInfo, LinearParameters parameters) {
        return super.createModel(name, provenance, featureMap, outputInfo,
                KroneckerTrainers.plain(parameters, optimiser));
    }

    @Override
    public String toString() {
        return "KroneckerClassificationTrainer(objective=" + getObjective() + ",optimiser=" + optimiser + ",epochs="
                + epochs + ",minibatchSize=" + minibatchSize + ",seed=" + seed + ",shuffle=" + shuffle + ")";
    }
}
