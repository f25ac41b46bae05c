package org.kron4j.tribuo;

import com.oracle.labs.mlrg.olcut.config.PropertyException;
import java.util.SplittableRandom;
import org.kron4j.api.capture.TargetSource;
import org.kron4j.api.model.Loss;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tribuo.classification.sgd.objectives.LogMulticlass;
import org.tribuo.common.sgd.SGDObjective;
import org.tribuo.math.LinearParameters;
import org.tribuo.math.StochasticGradientOptimiser;
import org.tribuo.regression.sgd.objectives.SquaredLoss;

/** What the two Kronecker linear trainers share: objective checks, the capturing parameters, the plain hand-off. */
final class KroneckerTrainers {
    private static final Logger LOG = LoggerFactory.getLogger(KroneckerTrainers.class);
    /** Odd constant that spreads consecutive invocation counts over the seed space (golden ratio, 64 bits). */
    private static final long SPREAD = 0x9E3779B97F4A7C15L;

    private KroneckerTrainers() {
    }

    /**
     * The distribution a Tribuo objective is the negative log-likelihood of, with its canonical
     * link: LogMulticlass is softmax cross-entropy, SquaredLoss is a unit Gaussian. Null for
     * objectives that are no likelihood (hinge, Huber, absolute loss).
     */
    static Loss likelihood(SGDObjective<?> objective) {
        if (objective instanceof LogMulticlass) {
            return Loss.SOFTMAX_CROSS_ENTROPY;
        }
        if (objective instanceof SquaredLoss) {
            return Loss.SQUARED_ERROR;
        }
        return null;
    }

    /**
     * Refuses an objective whose Fisher cannot be sampled when the optimiser samples it.
     *
     * @throws PropertyException naming the {@code objective} field
     */
    static void checkObjective(SGDObjective<?> objective, StochasticGradientOptimiser optimiser) {
        if (objective == null || !(optimiser instanceof Kron4jOptimiser kron4j)) {
            return;
        }
        TargetSource targets = kron4j.targetSource();
        if (targets != TargetSource.EMPIRICAL && likelihood(objective) == null) {
            throw new PropertyException("", "objective", "objective " + objective + " is not the negative "
                    + "log-likelihood of a distribution kron4j can sample (LogMulticlass, SquaredLoss), so targets="
                    + targets.name().toLowerCase(java.util.Locale.ROOT) + " is impossible: use targets=empirical "
                    + "on the optimiser, or a likelihood objective");
        }
    }

    /** Seed of the MC Fisher sampler: a function of the trainer's seed and its train-invocation count. */
    static long samplingSeed(long seed, int invocationCount) {
        return new SplittableRandom(seed + SPREAD * invocationCount).nextLong();
    }

    /** The training-time parameters, recording statistics for a kron4j optimiser. */
    static CapturingLinearParameters parameters(int numFeatures, int numOutputs, SGDObjective<?> objective,
            Loss nominal, StochasticGradientOptimiser optimiser, long seed, int invocationCount) {
        checkObjective(objective, optimiser);
        return new CapturingLinearParameters(numFeatures + 1, numOutputs, likelihood(objective), nominal,
                String.valueOf(objective), samplingSeed(seed, invocationCount));
    }

    /** Plain Tribuo parameters holding the trained weights: the model saved carries nothing of kron4j. */
    static LinearParameters plain(LinearParameters trained, StochasticGradientOptimiser optimiser) {
        if (trained instanceof CapturingLinearParameters capturing) {
            if (!capturing.attached()) {
                LOG.warn("optimiser {} used none of the statistics the Kronecker trainer records; a plain Tribuo "
                        + "LinearSGDTrainer would do the same", optimiser);
            }
            capturing.release();
        }
        return new LinearParameters(trained.getWeightMatrix());
    }
}
