package org.kron4j.api.optim;

import java.util.List;
import org.kron4j.api.capture.TargetSource;
import org.kron4j.api.settings.Setting;
import org.kron4j.api.store.Precision;

/**
 * The settings of the optimizer driver, shared by every variant. Each names its allowed range;
 * variants may change defaults through
 * {@link org.kron4j.api.CurvatureApproximation#driverDefaults()} and add their own settings.
 */
public final class OptimizerSettings {
    private OptimizerSettings() {
    }

    public static final Setting<Double> LEARNING_RATE = Setting.real("learningRate", 0.01,
            0, false, Double.POSITIVE_INFINITY, false, "step size η applied to the preconditioned direction");
    public static final Setting<Double> MOMENTUM = Setting.real("momentum", 0.9, 0, true, 1, false,
            "heavy-ball momentum μ: v ← μ v + d, θ ← θ − η v");
    public static final Setting<Double> DAMPING = Setting.real("damping", 1e-3, 0, true,
            Double.POSITIVE_INFINITY, false, "Tikhonov damping λ added to the curvature");
    public static final Setting<DampingMode> DAMPING_MODE = Setting.choice("dampingMode", DampingMode.class,
            DampingMode.FACTORED, "factored: (A+π√λI)⊗(G+√λ/πI); eigen: exact (A⊗G+λI) in the eigenbasis");
    public static final Setting<Integer> T_COV = Setting.integer("tCov", 10, 1, Integer.MAX_VALUE,
            "collect curvature statistics every tCov steps");
    public static final Setting<Integer> T_INV = Setting.integer("tInv", 100, 1, Integer.MAX_VALUE,
            "refresh inverses / eigendecompositions every tInv steps");
    public static final Setting<Double> STATISTICS_DECAY = Setting.real("statisticsDecay", 0.95, 0, false, 1,
            true, "moving-average decay β of the statistics (1 = running mean of all batches)");
    public static final Setting<Double> KL_CLIP = Setting.real("klClip", 1e-3, 0, true,
            Double.POSITIVE_INFINITY, false,
            "norm constraint κ: scale directions by min(1, √(κ / (η² Σ dᵀg))); 0 disables");
    public static final Setting<Double> WEIGHT_DECAY = Setting.real("weightDecay", 0.0, 0, true,
            Double.POSITIVE_INFINITY, false, "L2 coefficient added to the gradient of weights (not biases) before preconditioning");
    public static final Setting<TargetSource> TARGETS = Setting.choice("targets", TargetSource.class,
            TargetSource.MC_FISHER, "mc_fisher: targets sampled from the model; empirical: the true targets");
    public static final Setting<Precision> STORAGE_PRECISION = Setting.choice("storagePrecision", Precision.class,
            Precision.FLOAT, "precision factors and state are stored and applied in");
    public static final Setting<Precision> DECOMPOSITION_PRECISION = Setting.choice("decompositionPrecision",
            Precision.class, Precision.DOUBLE, "precision decompositions are computed in");
    public static final Setting<UnsupportedLayerPolicy> UNSUPPORTED_LAYERS = Setting.choice("unsupportedLayers",
            UnsupportedLayerPolicy.class, UnsupportedLayerPolicy.FAIL,
            "fail: refuse layers the variant cannot precondition; pass_through: plain gradient for them");

    /**
     * The JVM property that sets {@link #ASYNC_REFRESH}'s default ({@code -Dkron4j.asyncRefresh=false}):
     * the build's tests set it to false so that every test not about asynchrony runs the deterministic
     * synchronous schedule; a setting given explicitly always wins.
     */
    public static final String ASYNC_REFRESH_DEFAULT_PROPERTY = "kron4j.asyncRefresh";
    public static final Setting<Boolean> ASYNC_REFRESH = Setting.flag("asyncRefresh",
            Boolean.parseBoolean(System.getProperty(ASYNC_REFRESH_DEFAULT_PROPERTY, "true")),
            "compute refreshes on a background thread from a snapshot of the factors while steps go on with the "
                    + "previous decompositions (at most one refresh behind); false: synchronous");
    public static final Setting<Integer> REFRESH_LAG = Setting.integer("refreshLag", 1, 1, Integer.MAX_VALUE,
            "asynchronous refresh: a background refresh is installed this many steps after its refresh step "
                    + "(waiting for it if unfinished) and at the latest at the next refresh step; a fixed lag keeps "
                    + "asynchronous runs deterministic");

    // Adaptive K-FAC (Martens and Grosse 2015, §6.5 and §7). Off in the library; the K-FAC family (kfac, ekfac,
    // kfra) declares them and turns the two switches on through driverDefaults(); other variants ignore them.
    public static final Setting<Boolean> ADAPTIVE_DAMPING = Setting.flag("adaptiveDamping", false,
            "Levenberg-Marquardt damping: every dampingInterval steps λ shrinks when the quadratic model predicted "
                    + "the loss change well (ρ > 3/4) and grows when badly (ρ < 1/4)");
    public static final Setting<Boolean> ADAPTIVE_STEP = Setting.flag("adaptiveStep", false,
            "learning rate α and momentum μ minimise the quadratic model along the preconditioned gradient and the "
                    + "previous update (replaces learningRate, momentum and klClip)");
    public static final Setting<Integer> DAMPING_INTERVAL = Setting.integer("dampingInterval", 5, 1,
            Integer.MAX_VALUE, "T₁: steps between Levenberg-Marquardt adaptations of λ");
    public static final Setting<Double> DAMPING_DECAY = Setting.real("dampingDecay", 0.95, 0, false, 1, false,
            "per-step factor of the Levenberg-Marquardt rule: λ changes by dampingDecay^dampingInterval");
    public static final Setting<Double> MIN_DAMPING = Setting.real("minDamping", 1e-6, 0, true,
            Double.POSITIVE_INFINITY, false, "lower bound of the adaptive damping λ");
    public static final Setting<Double> MAX_DAMPING = Setting.real("maxDamping", 1e6, 0, true,
            Double.POSITIVE_INFINITY, false, "upper bound of the adaptive damping λ");
    public static final Setting<Double> REJECTION_THRESHOLD = Setting.real("rejectionThreshold", 0.5, 0, true,
            Double.POSITIVE_INFINITY, true,
            "on a checked step (adaptation steps and the first guardSteps), a step with h(θ+δ) > h(θ) + "
                    + "rejectionThreshold·|h(θ)| is retried at a larger λ (stepRetries), then not applied (λ still "
                    + "grows); Infinity disables rejection");
    public static final Setting<Integer> GUARD_STEPS = Setting.integer("guardSteps", 10, 0, Integer.MAX_VALUE,
            "the first guardSteps steps evaluate h(θ+δ) like adaptation steps, before λ has been adapted, and "
                    + "accept no rise of the batch loss (beyond float rounding)");
    public static final Setting<Integer> STEP_RETRIES = Setting.integer("stepRetries", 6, 0, 60,
            "a checked step whose loss would rise past rejectionThreshold is re-solved on the quadratic model's "
                    + "plane at a larger λ (×2, ×4, ×8, …) up to stepRetries times before it is rejected");
    public static final Setting<QuadraticModelKind> QUADRATIC_MODEL = Setting.choice("quadraticModel",
            QuadraticModelKind.class, QuadraticModelKind.EXACT,
            "exact: the engine's Gauss-Newton products on the batch; approximate: the blocks' own curvature");

    /** The settings of adaptive K-FAC, in the order reports list them. */
    public static final List<Setting<?>> ADAPTIVE = List.of(ADAPTIVE_DAMPING, ADAPTIVE_STEP, DAMPING_INTERVAL,
            DAMPING_DECAY, MIN_DAMPING, MAX_DAMPING, REJECTION_THRESHOLD, GUARD_STEPS, STEP_RETRIES, QUADRATIC_MODEL);

    /**
     * The driver defaults of the K-FAC family (kfac, ekfac, kfra return them from
     * {@code driverDefaults()}): Levenberg-Marquardt damping and the quadratic-model step on.
     */
    public static final java.util.Map<String, Object> ADAPTIVE_DEFAULTS = java.util.Map.of(
            ADAPTIVE_DAMPING.name(), true, ADAPTIVE_STEP.name(), true);

    /** Every driver setting but the adaptive ones (what variants outside the K-FAC family declare). */
    public static final List<Setting<?>> FIXED = List.of(LEARNING_RATE, MOMENTUM, DAMPING, DAMPING_MODE, T_COV,
            T_INV, STATISTICS_DECAY, KL_CLIP, WEIGHT_DECAY, TARGETS, STORAGE_PRECISION, DECOMPOSITION_PRECISION,
            UNSUPPORTED_LAYERS, ASYNC_REFRESH, REFRESH_LAG);

    /** Every driver setting, in the order reports list them. */
    public static final List<Setting<?>> ALL = java.util.stream.Stream.concat(FIXED.stream(), ADAPTIVE.stream())
            .toList();
}
