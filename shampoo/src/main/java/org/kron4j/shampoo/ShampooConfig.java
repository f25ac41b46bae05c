package org.kron4j.shampoo;

import org.kron4j.api.optim.OptimizerSettings;
import org.kron4j.api.settings.Settings;

/**
 * Shampoo's effective settings for one optimizer, read once from the optimizer's {@link Settings}
 * and checked across fields.
 *
 * @param epsilon                    ε &gt; 0
 * @param epsilonMode                absolute, or relative to λ_max
 * @param exponent                   the root exponent override e (0 = 1/(2k))
 * @param statistics                 ema or sum
 * @param statisticsDecay            the driver's β (the store's moving-average decay)
 * @param blockSize                  largest preconditioned mode
 * @param mergeSmallDims             whether adjacent small modes are merged
 * @param diagonalMaxSize            tensors with at most this many entries are preconditioned diagonally
 * @param startPreconditioningStep   the first step (0-based) that uses the roots
 * @param rootMethod                 eigen or coupled_newton
 * @param newtonTolerance            accepted residual of the Newton iteration
 * @param newtonMaxIterations        Newton step limit
 * @param maxConsecutiveRootFailures give up after this many failed refreshes of one root in a row
 * @param grafting                   the grafted first-order method
 * @param graftBeta1                 Adam's β₁
 * @param graftBeta2                 Adam's β₂
 * @param graftEpsilon               AdaGrad's and Adam's ε
 * @param tInv                       the driver's refresh period
 */
public record ShampooConfig(double epsilon, EpsilonMode epsilonMode, double exponent, StatisticsMode statistics,
        double statisticsDecay, int blockSize, boolean mergeSmallDims, int diagonalMaxSize,
        int startPreconditioningStep, RootMethod rootMethod, double newtonTolerance, int newtonMaxIterations,
        int maxConsecutiveRootFailures, Grafting grafting, double graftBeta1, double graftBeta2, double graftEpsilon,
        int tInv) {

    /**
     * Reads and cross-checks the settings.
     *
     * @throws IllegalArgumentException naming the settings when {@code statistics=sum} is combined
     *     with {@code statisticsDecay < 1}, or {@code rootMethod=coupled_newton} with an exponent
     *     override that is not 1/p for an integer p
     */
    public static ShampooConfig from(Settings settings) {
        ShampooConfig config = new ShampooConfig(
                settings.get(ShampooApproximation.EPSILON),
                settings.get(ShampooApproximation.EPSILON_MODE),
                settings.get(ShampooApproximation.EXPONENT),
                settings.get(ShampooApproximation.STATISTICS),
                settings.get(OptimizerSettings.STATISTICS_DECAY),
                settings.get(ShampooApproximation.BLOCK_SIZE),
                settings.get(ShampooApproximation.MERGE_SMALL_DIMS),
                settings.get(ShampooApproximation.DIAGONAL_MAX_SIZE),
                settings.get(ShampooApproximation.START_PRECONDITIONING_STEP),
                settings.get(ShampooApproximation.ROOT_METHOD),
                settings.get(ShampooApproximation.NEWTON_TOLERANCE),
                settings.get(ShampooApproximation.NEWTON_MAX_ITERATIONS),
                settings.get(ShampooApproximation.MAX_CONSECUTIVE_ROOT_FAILURES),
                settings.get(ShampooApproximation.GRAFTING),
                settings.get(ShampooApproximation.GRAFT_BETA1),
                settings.get(ShampooApproximation.GRAFT_BETA2),
                settings.get(ShampooApproximation.GRAFT_EPSILON),
                settings.get(OptimizerSettings.T_INV));
        if (config.statistics == StatisticsMode.SUM && config.statisticsDecay != 1.0) {
            throw new IllegalArgumentException("statistics=sum needs statisticsDecay=1 (the sum is the step count times "
                    + "the running mean of all steps), got statisticsDecay=" + config.statisticsDecay);
        }
        if (config.rootMethod == RootMethod.COUPLED_NEWTON && config.exponent > 0 && integerRoot(config.exponent) < 0) {
            throw new IllegalArgumentException("rootMethod=coupled_newton needs exponent = 1/p for an integer p "
                    + "(or 0 for 1/(2k)), got exponent=" + config.exponent);
        }
        return config;
    }

    /** The exponent e of an order-k preconditioner (k = 1 for the diagonal method). */
    public double exponent(int order) {
        return exponent > 0 ? exponent : 1.0 / (2.0 * order);
    }

    /** p = 1/e when it is an integer (to 1e-9), else −1. */
    static int integerRoot(double exponent) {
        double p = 1.0 / exponent;
        long rounded = Math.round(p);
        return rounded >= 1 && Math.abs(p - rounded) <= 1e-9 * p && rounded <= Integer.MAX_VALUE ? (int) rounded : -1;
    }

    /** True when preconditioning can never start (startPreconditioningStep = Integer.MAX_VALUE). */
    public boolean neverPreconditions() {
        return startPreconditioningStep == Integer.MAX_VALUE;
    }
}
