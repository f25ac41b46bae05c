package org.kron4j.api.settings;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.StringJoiner;
import org.kron4j.api.CurvatureApproximation;
import org.kron4j.api.Kron4j;
import org.kron4j.api.optim.OptimizerSettings;
import org.kron4j.api.registry.VariantRegistry;

/**
 * The complete, validated configuration of one optimizer: a variant and a value for every
 * setting that applies to it. It is what every entry point takes (the
 * {@link org.kron4j.api.optim.KroneckerOptimizer#builder(OptimizerConfig) optimizer builder},
 * {@link Kron4j#optimizer(OptimizerConfig)}, the DL4J attachment, Tribuo's optimiser, the CLI), so
 * that a spec string is parsed once, here, and typed values travel from there on.
 *
 * <p><b>Schema.</b> The settings of a variant are the driver settings it declares applicable
 * ({@link CurvatureApproximation#driverSettings()}, in the order of
 * {@link OptimizerSettings#ALL}, with the variant's preferred defaults) followed by its own. A
 * driver setting the variant does not declare is neither listed nor accepted: giving it fails
 * with a message naming the setting and the variant (Shampoo has no {@code damping}). The driver
 * still reads such a setting through {@link #driverValue}, which returns the library default the
 * variant ignores.
 *
 * <p><b>Spec strings.</b> {@code "kfac:damping=1e-3,tInv=50"} ({@link VariantSpec} syntax) parse
 * into the same builder; {@link #spec()} writes the explicitly set values back in that form, so
 * {@code parse(c.spec())} equals {@code c}.
 *
 * <p>Immutable and thread-safe.
 */
public final class OptimizerConfig {
    private final CurvatureApproximation variant;
    private final Settings settings;

    private OptimizerConfig(CurvatureApproximation variant, Settings settings) {
        this.variant = variant;
        this.settings = settings;
    }

    // ------------------------------------------------------------------ schema

    /**
     * Every setting a variant accepts, with its defaults: the applicable driver settings in the
     * order of {@link OptimizerSettings#ALL}, then the variant's own.
     *
     * @throws IllegalStateException when the variant declares an unknown driver setting, gives a
     *     default for a driver setting it does not declare, or repeats a name
     */
    public static List<Setting<?>> schema(CurvatureApproximation variant) {
        Objects.requireNonNull(variant, "variant");
        Set<String> applicable = driverNames(variant);
        Map<String, Object> overrides = new LinkedHashMap<>(variant.driverDefaults());
        List<Setting<?>> schema = new ArrayList<>();
        for (Setting<?> setting : OptimizerSettings.ALL) {
            if (!applicable.contains(setting.name())) {
                continue;
            }
            Object preferred = overrides.remove(setting.name());
            schema.add(preferred == null ? setting : withDefault(setting, preferred));
        }
        if (!overrides.isEmpty()) {
            throw new IllegalStateException("variant '" + variant.name() + "' gives defaults for driver settings it "
                    + "does not declare applicable or the driver does not have: " + overrides.keySet());
        }
        Set<String> names = new HashSet<>();
        schema.forEach(s -> names.add(s.name()));
        for (Setting<?> own : variant.settings()) {
            if (!names.add(own.name()) || isDriverSetting(own.name())) {
                throw new IllegalStateException("variant '" + variant.name() + "' declares setting '" + own.name()
                        + "', which the driver or the variant already has");
            }
            schema.add(own);
        }
        return List.copyOf(schema);
    }

    /** Whether a driver setting means something for the variant (is part of its schema). */
    public static boolean applies(CurvatureApproximation variant, Setting<?> driverSetting) {
        return driverNames(variant).contains(driverSetting.name());
    }

    private static Set<String> driverNames(CurvatureApproximation variant) {
        Set<String> names = new HashSet<>();
        for (Setting<?> s : variant.driverSettings()) {
            if (!isDriverSetting(s.name())) {
                throw new IllegalStateException("variant '" + variant.name() + "' declares '" + s.name()
                        + "' applicable, which is not a driver setting; driver settings: " + names(OptimizerSettings.ALL));
            }
            names.add(s.name());
        }
        return names;
    }

    private static boolean isDriverSetting(String name) {
        return OptimizerSettings.ALL.stream().anyMatch(s -> s.name().equals(name));
    }

    private static <T> Setting<T> withDefault(Setting<T> setting, Object value) {
        return setting.withDefault(setting.validate(value));
    }

    /** The refusal of each driver setting that does not apply to the variant, by name. */
    private static Map<String, String> refusals(CurvatureApproximation variant, List<Setting<?>> schema) {
        Set<String> applicable = driverNames(variant);
        Map<String, String> refusals = new LinkedHashMap<>();
        for (Setting<?> s : OptimizerSettings.ALL) {
            if (!applicable.contains(s.name())) {
                refusals.put(s.name(), "setting '" + s.name() + "' does not apply to variant '" + variant.name()
                        + "' (it has no meaning there); settings of " + variant.name() + ": " + names(schema));
            }
        }
        return refusals;
    }

    private static String names(List<? extends Setting<?>> schema) {
        StringJoiner joiner = new StringJoiner(", ", "[", "]");
        schema.forEach(s -> joiner.add(s.name()));
        return joiner.toString();
    }

    // ------------------------------------------------------------------ creation

    /** A builder for a configuration of the variant, every setting at its default until set. */
    public static Builder builder(CurvatureApproximation variant) {
        return new Builder(variant, null);
    }

    /** The variant with every setting at its default. */
    public static OptimizerConfig defaults(CurvatureApproximation variant) {
        return builder(variant).build();
    }

    /**
     * Parses a spec string against the variants on the class path ({@link Kron4j#variants()}).
     *
     * @throws IllegalArgumentException for a malformed spec, an unknown variant, an unknown or
     *     inapplicable setting or a value out of range, naming it
     */
    public static OptimizerConfig parse(String spec) {
        return parse(Kron4j.variants(), spec);
    }

    /** {@link #parse(String)} against a given registry. */
    public static OptimizerConfig parse(VariantRegistry registry, String spec) {
        Objects.requireNonNull(registry, "registry");
        VariantSpec parsed = VariantSpec.parse(spec);
        return builder(registry.get(parsed.variant())).parseAll(parsed.settings()).build();
    }

    /**
     * Parses a spec string for a given variant instance (tests, applications wiring variants by
     * hand); the spec's name must be the variant's.
     */
    public static OptimizerConfig parse(CurvatureApproximation variant, String spec) {
        VariantSpec parsed = VariantSpec.parse(spec);
        if (!parsed.variant().equals(variant.name())) {
            throw new IllegalArgumentException("spec '" + spec + "' is for variant '" + parsed.variant() + "', not '"
                    + variant.name() + "'");
        }
        return builder(variant).parseAll(parsed.settings()).build();
    }

    // ------------------------------------------------------------------ reading

    public CurvatureApproximation variant() {
        return variant;
    }

    /** The variant's name, as in spec strings. */
    public String variantName() {
        return variant.name();
    }

    /** The values of every setting of the variant's {@link #schema}. */
    public Settings settings() {
        return settings;
    }

    /**
     * The value of a setting of the variant's schema.
     *
     * @throws IllegalArgumentException when the setting does not apply to the variant
     */
    public <T> T get(Setting<T> setting) {
        if (isDriverSetting(setting.name()) && !applies(variant, setting)) {
            throw new IllegalArgumentException(refusals(variant, settings.schema()).get(setting.name()));
        }
        return settings.get(setting);
    }

    /**
     * A driver setting's value as the driver uses it: the configured value when the setting
     * applies to the variant, the library default otherwise (the variant ignores it, e.g.
     * Shampoo's damping).
     */
    public <T> T driverValue(Setting<T> driverSetting) {
        if (!applies(variant, driverSetting)) {
            return OptimizerSettings.ALL.stream().filter(s -> s.name().equals(driverSetting.name())).findFirst()
                    .map(s -> driverSetting.type().cast(s.defaultValue())).orElseThrow();
        }
        return settings.get(driverSetting);
    }

    /** Whether a setting was given explicitly (false for defaults and for inapplicable settings). */
    public boolean isSet(Setting<?> setting) {
        return settings.isSet(setting);
    }

    /** A copy with one value replaced (a sweep's learning rate, an engine's override). */
    public <T> OptimizerConfig with(Setting<T> setting, T value) {
        if (isDriverSetting(setting.name()) && !applies(variant, setting)) {
            throw new IllegalArgumentException(refusals(variant, settings.schema()).get(setting.name()));
        }
        return new OptimizerConfig(variant, settings.with(setting, value));
    }

    /** A copy without an explicit value for the setting (it reads as its default again). */
    public OptimizerConfig without(Setting<?> setting) {
        Builder builder = new Builder(variant, null);
        for (Setting<?> s : settings.schema()) {
            if (!s.name().equals(setting.name()) && settings.isSet(s)) {
                copy(builder, s);
            }
        }
        return builder.build();
    }

    private <T> void copy(Builder builder, Setting<T> setting) {
        builder.set(setting, settings.get(setting));
    }

    /** A builder preloaded with these values (each may not be set again). */
    public Builder toBuilder() {
        return new Builder(variant, settings);
    }

    /** Every setting with its effective value in textual form, in schema order. */
    public Map<String, String> asText() {
        return settings.asText();
    }

    /** The explicitly set values in textual form, in schema order (defaults left out). */
    public Map<String, String> givenText() {
        Map<String, String> given = new LinkedHashMap<>();
        Map<String, String> text = settings.asText();
        for (Setting<?> s : settings.schema()) {
            if (settings.isSet(s)) {
                given.put(s.name(), text.get(s.name()));
            }
        }
        return java.util.Collections.unmodifiableMap(given);
    }

    /** The spec string of the explicitly set values: {@code "kfac:damping=0.1,tInv=5"}. */
    public String spec() {
        return new VariantSpec(variant.name(), givenText()).toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OptimizerConfig other && variant.name().equals(other.variant.name())
                && settings.equals(other.settings);
    }

    @Override
    public int hashCode() {
        return variant.name().hashCode() * 31 + settings.hashCode();
    }

    @Override
    public String toString() {
        return variant.name() + settings.asText();
    }

    /**
     * Typed fallback values a harness applies to configurations (e.g. the CLI's curvature check:
     * float64, exact targets): each is applied to a configuration whose variant has the setting
     * and did not set it explicitly; settings a variant does not have are skipped.
     */
    public static final class Defaults {
        private final Map<Setting<?>, Object> values;

        private Defaults(Map<Setting<?>, Object> values) {
            this.values = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(values));
        }

        public static Builder builder() {
            return new Builder();
        }

        /** The configuration with every applicable default it did not set. */
        public OptimizerConfig applyTo(OptimizerConfig config) {
            OptimizerConfig out = config;
            for (Map.Entry<Setting<?>, Object> entry : values.entrySet()) {
                out = apply(out, entry.getKey(), entry.getValue());
            }
            return out;
        }

        private static <T> OptimizerConfig apply(OptimizerConfig config, Setting<T> setting, Object value) {
            boolean inSchema = config.settings().schema().stream().anyMatch(s -> s.name().equals(setting.name()));
            if (!inSchema || config.isSet(setting)) {
                return config;
            }
            return config.with(setting, setting.type().cast(value));
        }

        /** The defaults in textual form, in the order given. */
        public Map<String, String> asText() {
            Map<String, String> text = new LinkedHashMap<>();
            values.forEach((setting, value) -> text.put(setting.name(), format(setting, value)));
            return java.util.Collections.unmodifiableMap(text);
        }

        private static <T> String format(Setting<T> setting, Object value) {
            return setting.format(setting.type().cast(value));
        }

        /** Collects defaults, each validated when put. */
        public static final class Builder {
            private final Map<Setting<?>, Object> values = new LinkedHashMap<>();

            private Builder() {
            }

            public <T> Builder put(Setting<T> setting, T value) {
                values.put(setting, setting.validate(value));
                return this;
            }

            public Defaults build() {
                return new Defaults(values);
            }
        }
    }

    /**
     * Collects the values of one variant's configuration, each validated when it is set: out of
     * range → {@link IllegalArgumentException} naming the setting and its range; unknown →
     * {@link IllegalArgumentException} listing the known ones; a driver setting that does not apply
     * to the variant → {@link IllegalArgumentException} naming the setting and the variant; set
     * twice → {@link IllegalStateException}.
     */
    public static final class Builder {
        private final CurvatureApproximation variant;
        private final Settings.Builder settings;

        private Builder(CurvatureApproximation variant, Settings preset) {
            this.variant = Objects.requireNonNull(variant, "variant");
            List<Setting<?>> schema = schema(variant);
            this.settings = (preset == null ? Settings.builder(schema) : preset.toBuilder())
                    .refusing(refusals(variant, schema));
        }

        public CurvatureApproximation variant() {
            return variant;
        }

        public <T> Builder set(Setting<T> setting, T value) {
            settings.set(setting, value);
            return this;
        }

        /** Sets a value by name; numbers are widened or narrowed where lossless. */
        public Builder set(String name, Object value) {
            settings.set(name, value);
            return this;
        }

        /** Sets a value from its textual form (spec strings, configuration files, CLI options). */
        public Builder parse(String name, String text) {
            settings.parse(name, text);
            return this;
        }

        /** Applies every {@code name=value} pair, in order. */
        public Builder parseAll(Map<String, String> texts) {
            settings.parseAll(texts);
            return this;
        }

        /** True when the setting was given a value in this builder. */
        public boolean isSet(Setting<?> setting) {
            return settings.isSet(setting.name());
        }

        public OptimizerConfig build() {
            return new OptimizerConfig(variant, settings.build());
        }
    }
}
