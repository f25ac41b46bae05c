package org.kron4j.shampoo;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kron4j.api.BlockContext;
import org.kron4j.api.CurvatureApproximation;
import org.kron4j.api.CurvatureBlock;
import org.kron4j.api.model.LayerKind;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.optim.OptimizerSettings;
import org.kron4j.api.settings.Setting;

/**
 * Shampoo (Gupta, Koren and Singer, "Shampoo: Preconditioned Stochastic Tensor Optimization",
 * ICML 2018) with the practical extensions of Anil, Gupta, Koren, Regan and Singer ("Scalable
 * Second Order Optimization for Deep Learning", 2020): blocking of large modes, merging of small
 * ones, a diagonal fallback, delayed start, grafting and robust inverse p-th roots. Found by
 * {@link java.util.ServiceLoader} as {@value #NAME}.
 *
 * <p>Shampoo needs gradients only, so it preconditions every layer: a dense layer as its m×(n+1)
 * gradient matrix (bias column included), any tensor of order 1 to 4 as itself. For an order-k
 * gradient G the direction is G ×₁ (L₁+εI)^{-1/(2k)} ⋯ ×_k (L_k+εI)^{-1/(2k)} with L_i the moving
 * average (or sum) of G_(i) G_(i)ᵀ; see {@link ShampooBlock} for the step, {@link TensorLayout} for
 * blocking, merging and the diagonal rule, {@link StatisticsMode}, {@link EpsilonMode},
 * {@link RootMethod} and {@link Grafting} for the choices.
 *
 * <p>Driver defaults differ from K-FAC's: statistics every step ({@code tCov=1}), refresh every
 * 20 steps, no KL clipping (a K-FAC device), momentum 0.9, β₂ = {@code statisticsDecay} = 0.99.
 * The driver's {@code damping} is ignored: ε regularises the roots.
 *
 * <p>Memory per layer: see {@link ShampooBlock}; for a dense m×(n+1) layer with m, n+1 ≤ blockSize,
 * about 3(m² + (n+1)²) values with the eigen route plus one or two gradient-sized grafting arrays.
 *
 * <p>Stateless and thread-safe.
 */
public final class ShampooApproximation implements CurvatureApproximation {

    /** The name this variant is registered under. */
    public static final String NAME = "shampoo";

    public static final Setting<Double> EPSILON = Setting.real("epsilon", 1e-6, 0, false,
            Double.POSITIVE_INFINITY, false,
            "ε added to every statistic before its inverse root: (L + ε_eff I)^{-e}; see epsilonMode");
    public static final Setting<EpsilonMode> EPSILON_MODE = Setting.choice("epsilonMode", EpsilonMode.class,
            EpsilonMode.RELATIVE, "absolute: ε_eff = ε; relative: ε_eff = ε·λ_max(L) (ε when L = 0)");
    public static final Setting<Double> EXPONENT = Setting.real("exponent", 0.0, 0, true, 1, true,
            "root exponent e of (L + ε_eff I)^{-e}; 0 = 1/(2k) for an order-k block (1/2 for the diagonal method)");
    public static final Setting<StatisticsMode> STATISTICS = Setting.choice("statistics", StatisticsMode.class,
            StatisticsMode.EMA, "ema: L = moving average with β₂ = statisticsDecay; "
                    + "sum: L = Σ over steps of G_(i)G_(i)ᵀ (original paper; needs statisticsDecay=1)");
    public static final Setting<Integer> BLOCK_SIZE = Setting.integer("blockSize", 1024, 1, Integer.MAX_VALUE,
            "modes larger than this are split into blocks of at most this size, each with its own preconditioner");
    public static final Setting<Boolean> MERGE_SMALL_DIMS = Setting.flag("mergeSmallDims", true,
            "merge adjacent modes while their product stays <= blockSize (3x3x64x128 -> 576x128)");
    public static final Setting<Integer> DIAGONAL_MAX_SIZE = Setting.integer("diagonalMaxSize", 64, 0,
            Integer.MAX_VALUE, "tensors with at most this many entries (and every vector) get the diagonal method");
    public static final Setting<Integer> START_PRECONDITIONING_STEP = Setting.integer("startPreconditioningStep", 10,
            0, Integer.MAX_VALUE, "first step (0-based) that uses Shampoo's roots; before it, the grafted direction; "
                    + Integer.MAX_VALUE + " = never");
    public static final Setting<RootMethod> ROOT_METHOD = Setting.choice("rootMethod", RootMethod.class,
            RootMethod.EIGEN, "eigen: float64 eigendecomposition through the factor store; "
                    + "coupled_newton: Guo-Higham coupled Newton iteration (matrix products only)");
    public static final Setting<Double> NEWTON_TOLERANCE = Setting.real("newtonTolerance", 1e-6, 0, false, 1, false,
            "coupled_newton: accept a root when its residual max|M - I| is at most this");
    public static final Setting<Integer> NEWTON_MAX_ITERATIONS = Setting.integer("newtonMaxIterations", 100, 1,
            10_000, "coupled_newton: at most this many Newton steps per root");
    public static final Setting<Integer> MAX_CONSECUTIVE_ROOT_FAILURES = Setting.integer("maxConsecutiveRootFailures",
            5, 1, Integer.MAX_VALUE, "give up (IllegalStateException) when one root fails this many refreshes in a row");
    public static final Setting<Grafting> GRAFTING = Setting.choice("grafting", Grafting.class, Grafting.ADAGRAD,
            "first-order method whose per-layer step size Shampoo's direction takes (and whose direction is used "
                    + "before preconditioning starts)");
    public static final Setting<Double> GRAFT_BETA1 = Setting.real("graftBeta1", 0.9, 0, true, 1, false,
            "grafting=adam: first-moment decay β₁");
    public static final Setting<Double> GRAFT_BETA2 = Setting.real("graftBeta2", 0.999, 0, true, 1, false,
            "grafting=adam: second-moment decay β₂");
    public static final Setting<Double> GRAFT_EPSILON = Setting.real("graftEpsilon", 1e-8, 0, false,
            Double.POSITIVE_INFINITY, false, "grafting=adagrad/adam: ε added to the root of the second moment");

    /** Every Shampoo setting, in the order reports list them. */
    public static final List<Setting<?>> SETTINGS = List.of(EPSILON, EPSILON_MODE, EXPONENT, STATISTICS, BLOCK_SIZE,
            MERGE_SMALL_DIMS, DIAGONAL_MAX_SIZE, START_PRECONDITIONING_STEP, ROOT_METHOD, NEWTON_TOLERANCE,
            NEWTON_MAX_ITERATIONS, MAX_CONSECUTIVE_ROOT_FAILURES, GRAFTING, GRAFT_BETA1, GRAFT_BETA2, GRAFT_EPSILON);

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "Shampoo: per-mode Kronecker preconditioners for tensors of any order, with blocking and grafting "
                + "(Gupta, Koren & Singer 2018; Anil et al. 2020)";
    }

    private static final List<Setting<?>> DRIVER_SETTINGS = OptimizerSettings.FIXED.stream()
            .filter(s -> s != OptimizerSettings.DAMPING && s != OptimizerSettings.DAMPING_MODE
                    && s != OptimizerSettings.TARGETS)
            .toList();

    @Override
    public List<Setting<?>> settings() {
        return SETTINGS;
    }

    /** Every driver setting but damping, dampingMode and targets: ε regularises the roots, and Shampoo samples nothing. */
    @Override
    public List<Setting<?>> driverSettings() {
        return DRIVER_SETTINGS;
    }

    @Override
    public Map<String, Object> driverDefaults() {
        Map<String, Object> defaults = new LinkedHashMap<>();
        defaults.put(OptimizerSettings.T_COV.name(), 1);
        defaults.put(OptimizerSettings.T_INV.name(), 20);
        defaults.put(OptimizerSettings.KL_CLIP.name(), 0.0);
        defaults.put(OptimizerSettings.MOMENTUM.name(), 0.9);
        defaults.put(OptimizerSettings.STATISTICS_DECAY.name(), 0.99);
        return defaults;
    }

    /** Every dense layer and every tensor of order 1 to 4. */
    @Override
    public boolean supports(LayerSpec layer) {
        return layer.kind().equals(LayerKind.DENSE)
                || (layer.kind().equals(LayerKind.TENSOR) && layer.gradientShape().length >= 1
                        && layer.gradientShape().length <= 4);
    }

    @Override
    public CurvatureBlock createBlock(BlockContext context) {
        return new ShampooBlock(context.layer(), ShampooConfig.from(context.settings()), context.store());
    }

    @Override
    public String toString() {
        return "ShampooApproximation{" + NAME + "}";
    }
}
