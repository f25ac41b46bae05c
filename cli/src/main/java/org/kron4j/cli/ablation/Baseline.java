package org.kron4j.cli.ablation;

import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.kron4j.api.settings.Setting;

/**
 * The first-order baselines of an ablation. On the DL4J engine they are DL4J's own updaters
 * ({@code Nesterovs}, {@code Adam}); on the reference engine, the same update rules as kron4j's
 * first-order transforms ({@code org.kron4j.reference.train.FirstOrderRule}). Their settings
 * ({@link BaselineSettings}) use kron4j's {@link Setting}
 * so that they validate, print and round-trip exactly like a variant's.
 */
public enum Baseline {
    /** SGD with Nesterov momentum (DL4J's {@code Nesterovs}): v ← μv − ηg, θ ← θ − μv_prev + (1+μ)v. */
    SGD("SGD with Nesterov momentum (DL4J Nesterovs)",
            List.of(BaselineSettings.SGD_LEARNING_RATE, BaselineSettings.MOMENTUM)),
    /** Adam (Kingma &amp; Ba 2015) with bias correction (DL4J's {@code Adam}). */
    ADAM("Adam, Kingma & Ba 2015 (DL4J Adam)",
            List.of(BaselineSettings.ADAM_LEARNING_RATE, BaselineSettings.BETA1, BaselineSettings.BETA2,
                    BaselineSettings.EPSILON));

    private final String description;
    private final List<Setting<?>> schema;

    Baseline(String description, List<Setting<?>> schema) {
        this.description = description;
        this.schema = schema;
    }

    /** The name used in spec strings and reports: "sgd", "adam". */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public String description() {
        return description;
    }

    /** Every setting, learningRate first. */
    public List<Setting<?>> schema() {
        return schema;
    }

    public static Optional<Baseline> find(String name) {
        for (Baseline b : values()) {
            if (b.id().equals(name)) {
                return Optional.of(b);
            }
        }
        return Optional.empty();
    }
}
