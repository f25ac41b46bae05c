package org.kron4j.cli;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.kron4j.api.settings.Setting;

/**
 * The first-order baselines of an ablation. On the DL4J engine they are DL4J's own updaters
 * ({@code Nesterovs}, {@code Adam}); on the test-kit engine, the same update rules as kron4j's
 * first-order transforms ({@link NesterovSgd}, the test kit's {@code Adam}). Their settings use kron4j's {@link Setting}
 * so that they validate, print and round-trip exactly like a variant's.
 */
enum Baseline {
    /** SGD with Nesterov momentum (DL4J's {@code Nesterovs}): v ← μv − ηg, θ ← θ − μv_prev + (1+μ)v. */
    SGD("SGD with Nesterov momentum (DL4J Nesterovs)",
            List.of(Setting.real("learningRate", 0.1, 0, false, Double.POSITIVE_INFINITY, false, "step size η"),
                    Setting.real("momentum", 0.9, 0, true, 1, false, "Nesterov momentum μ (0 = plain SGD)"))),
    /** Adam (Kingma &amp; Ba 2015) with bias correction (DL4J's {@code Adam}). */
    ADAM("Adam, Kingma & Ba 2015 (DL4J Adam)",
            List.of(Setting.real("learningRate", 1e-3, 0, false, Double.POSITIVE_INFINITY, false, "step size η"),
                    Setting.real("beta1", 0.9, 0, true, 1, false, "first-moment decay β₁"),
                    Setting.real("beta2", 0.999, 0, true, 1, false, "second-moment decay β₂"),
                    Setting.real("epsilon", 1e-8, 0, false, Double.POSITIVE_INFINITY, false,
                            "ε added to the root of the second moment")));

    private final String description;
    private final List<Setting<?>> schema;

    Baseline(String description, List<Setting<?>> schema) {
        this.description = description;
        this.schema = schema;
    }

    /** The name used in spec strings and reports: "sgd", "adam". */
    String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    String description() {
        return description;
    }

    /** Every setting, learningRate first. */
    List<Setting<?>> schema() {
        return schema;
    }

    static Optional<Baseline> find(String name) {
        for (Baseline b : values()) {
            if (b.id().equals(name)) {
                return Optional.of(b);
            }
        }
        return Optional.empty();
    }
}
