package org.kron4j.cli.ablation;

import org.kron4j.api.settings.Setting;

/**
 * The typed settings of the first-order {@link Baseline}s, so that engines read them as values
 * ({@code settings.get(MOMENTUM)}) and never from text.
 */
public final class BaselineSettings {
    /** SGD's step size η. */
    public static final Setting<Double> SGD_LEARNING_RATE = Setting.real("learningRate", 0.1, 0, false,
            Double.POSITIVE_INFINITY, false, "step size η");
    /** Nesterov momentum μ (0 = plain SGD). */
    public static final Setting<Double> MOMENTUM = Setting.real("momentum", 0.9, 0, true, 1, false,
            "Nesterov momentum μ (0 = plain SGD)");
    /** Adam's step size η. */
    public static final Setting<Double> ADAM_LEARNING_RATE = Setting.real("learningRate", 1e-3, 0, false,
            Double.POSITIVE_INFINITY, false, "step size η");
    /** Adam's first-moment decay β₁. */
    public static final Setting<Double> BETA1 = Setting.real("beta1", 0.9, 0, true, 1, false, "first-moment decay β₁");
    /** Adam's second-moment decay β₂. */
    public static final Setting<Double> BETA2 = Setting.real("beta2", 0.999, 0, true, 1, false, "second-moment decay β₂");
    /** Adam's ε added to the root of the second moment. */
    public static final Setting<Double> EPSILON = Setting.real("epsilon", 1e-8, 0, false, Double.POSITIVE_INFINITY, false,
            "ε added to the root of the second moment");

    private BaselineSettings() {
    }
}
