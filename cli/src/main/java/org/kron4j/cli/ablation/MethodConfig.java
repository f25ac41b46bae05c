package org.kron4j.cli.ablation;

import org.kron4j.cli.BadInputException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.kron4j.api.CurvatureApproximation;
import org.kron4j.api.optim.OptimizerSettings;
import org.kron4j.api.registry.VariantRegistry;
import org.kron4j.api.settings.Setting;
import org.kron4j.api.settings.OptimizerConfig;
import org.kron4j.api.settings.Settings;
import org.kron4j.api.settings.VariantSpec;

/**
 * One method of an ablation, fully resolved: a kron4j variant or a baseline, the label its rows
 * carry, and every setting with its effective value (defaults included), as text.
 *
 * <p>Written as spec strings separated by ';':
 * {@code "kfac:damping=0.1,tCov=1;kfac:damping=0.01,label=kfac-low;sgd:learningRate=0.1|0.3;adam"}.
 * A method starts from its {@link Presets preset}, the given keys override it; {@code label}
 * names the method's rows (default: the method name; when a method is listed more than once, the
 * name with the settings that tell the repeats apart, e.g. {@code kfac} and
 * {@code kfac[targets=empirical]}, see {@link MethodLabels});
 * {@code learningRate} may list several values separated by '|' — a sweep of which the best
 * (lowest median steps to the target, then lowest median final loss) is reported.
 *
 * @param label         unique within an ablation; the {@code variant} column of results.csv
 * @param method        the variant or baseline name ("kfac", "sgd", …)
 * @param settings      every setting of the method's schema, in schema order; {@code learningRate}
 *                      holds the sweep as "a|b|c"
 * @param learningRates the learning rates to try, at least one
 * @param values        the same settings typed and validated (the first learning rate of the sweep);
 *                      what engines read
 * @param config        for a kron4j variant, its configuration (the first learning rate); null for a
 *                      baseline
 */
public record MethodConfig(String label, String method, Map<String, String> settings, List<Double> learningRates,
        Settings values, OptimizerConfig config) {
    public static final String LABEL_KEY = "label";
    public static final String LEARNING_RATE = "learningRate";
    /** A label a user gives. */
    static final String USER_LABEL = "[A-Za-z0-9][A-Za-z0-9._-]*";
    /** A label as {@link MethodLabels} derives it: the method, the settings that tell it apart, a repeat number. */
    static final String LABEL = USER_LABEL + "(\\[[^\\[\\]\\s\"]+\\])?(-[0-9]+)?";

    public MethodConfig {
        settings = Collections.unmodifiableMap(new LinkedHashMap<>(settings));
        learningRates = List.copyOf(learningRates);
    }

    public Optional<Baseline> baseline() {
        return Baseline.find(method);
    }

    public boolean isBaseline() {
        return baseline().isPresent();
    }

    public boolean isSweep() {
        return learningRates.size() > 1;
    }

    /** The kron4j configuration at one rate of the sweep. */
    public OptimizerConfig config(double learningRate) {
        if (config == null) {
            throw new IllegalStateException(method + " is a baseline, not a kron4j variant");
        }
        return config.with(OptimizerSettings.LEARNING_RATE, learningRate);
    }

    /** The spec string that rebuilds this method ({@code method:key=value,...}, label included when it differs). */
    public String spec() {
        StringBuilder sb = new StringBuilder(method).append(':');
        if (!label.equals(method) && label.matches(USER_LABEL)) { // a derived label is derived again from the settings
            sb.append(LABEL_KEY).append('=').append(label).append(',');
        }
        settings.forEach((k, v) -> sb.append(k).append('=').append(v).append(','));
        return sb.substring(0, sb.length() - 1);
    }

    /** The settings that differ from the library's (or baseline's) defaults, for compact report lines. */
    public String nonDefaultSettings(VariantRegistry registry) {
        Map<String, String> defaults = defaults(method, registry);
        StringBuilder sb = new StringBuilder();
        settings.forEach((k, v) -> {
            if (k.equals(LEARNING_RATE) || !v.equals(defaults.get(k))) {
                sb.append(sb.length() == 0 ? "" : ",").append(k).append('=').append(v);
            }
        });
        return sb.toString();
    }

    private static Map<String, String> defaults(String method, VariantRegistry registry) {
        Map<String, String> defaults = new LinkedHashMap<>();
        for (Setting<?> s : schema(method, registry)) {
            defaults.put(s.name(), format(s));
        }
        return defaults;
    }

    private static <T> String format(Setting<T> setting) {
        return setting.format(setting.defaultValue());
    }

    // ---------------------------------------------------------------- resolution

    /**
     * Parses a ';'-separated list of method specs, applying presets.
     *
     * @throws BadInputException for a malformed spec, an unknown method or setting, a bad value
     *     or a duplicate label
     */
    public static List<MethodConfig> parseList(String specs, VariantRegistry registry, boolean autoencoder) {
        return parseList(specs, registry, Presets.Problem.of(autoencoder));
    }

    /** {@link #parseList(String, VariantRegistry, boolean)} with the presets of a kind of problem. */
    public static List<MethodConfig> parseList(String specs, VariantRegistry registry, Presets.Problem problem) {
        if (specs == null || specs.isBlank()) {
            throw new BadInputException("--variants is empty; give e.g. \"kfac;shampoo;sgd;adam\"");
        }
        List<MethodConfig> methods = new ArrayList<>();
        List<Boolean> labelled = new ArrayList<>();
        for (VariantSpec spec : parseSpecs(specs)) {
            Map<String, String> given = new LinkedHashMap<>(spec.settings());
            String label = given.remove(LABEL_KEY);
            labelled.add(label != null);
            methods.add(resolve(label == null ? spec.variant() : label, spec.variant(), given, registry, problem, true));
        }
        if (methods.isEmpty()) {
            throw new BadInputException("--variants names no method");
        }
        methods = MethodLabels.derive(methods, labelled, registry, problem);
        Set<String> labels = new HashSet<>();
        for (MethodConfig method : methods) {
            if (!labels.add(method.label())) {
                throw new BadInputException("two methods are labelled '" + method.label() + "'; labels must be unique");
            }
        }
        return methods;
    }

    /** The same method under another label. */
    public MethodConfig withLabel(String newLabel) {
        return new MethodConfig(newLabel, method, settings, learningRates, values, config);
    }

    /**
     * The method's complete resolved spec at one learning rate of its sweep: {@code method:key=value,...}
     * with every setting (defaults and preset included, label left out); what results.csv's
     * {@code settings} column holds for a row.
     */
    public String resolvedSpec(double learningRate) {
        StringBuilder sb = new StringBuilder(method).append(':');
        settings.forEach((k, v) -> sb.append(k).append('=').append(k.equals(LEARNING_RATE) ? String.valueOf(learningRate) : v)
                .append(','));
        return sb.substring(0, sb.length() - 1);
    }

    /**
     * The non-blank items of a ';'-separated list of {@code name[:key=value,...]} specs, parsed,
     * in order.
     *
     * @throws BadInputException for a malformed item
     */
    public static List<VariantSpec> parseSpecs(String specs) {
        List<VariantSpec> parsed = new ArrayList<>();
        for (String item : specs.split(";")) {
            if (item.isBlank()) {
                continue;
            }
            try {
                parsed.add(VariantSpec.parse(item));
            } catch (IllegalArgumentException e) {
                throw new BadInputException(e.getMessage());
            }
        }
        return parsed;
    }

    /** The default methods: the four variants that are on the class path, then the baselines. */
    public static List<MethodConfig> defaults(VariantRegistry registry, boolean autoencoder) {
        return defaults(registry, Presets.Problem.of(autoencoder));
    }

    /** The default methods of a kind of problem ({@link Presets#defaultMethods}) that are on the class path. */
    public static List<MethodConfig> defaults(VariantRegistry registry, Presets.Problem problem) {
        List<MethodConfig> methods = new ArrayList<>();
        for (String name : Presets.defaultMethods(problem)) {
            if (Baseline.find(name).isPresent() || registry.find(name).isPresent()) {
                methods.add(resolve(name, name, Map.of(), registry, problem, true));
            }
        }
        return methods;
    }

    /**
     * Resolves one method.
     *
     * @param label       its label (checked: letters, digits, '.', '_', '-')
     * @param method      the variant or baseline name
     * @param given       settings as text (override the preset)
     * @param withPreset  whether to start from the method's preset (false for config files, which
     *                    hold every setting)
     */
    public static MethodConfig resolve(String label, String method, Map<String, String> given, VariantRegistry registry,
            boolean autoencoder, boolean withPreset) {
        return resolve(label, method, given, registry, Presets.Problem.of(autoencoder), withPreset);
    }

    /** {@link #resolve(String, String, Map, VariantRegistry, boolean, boolean)} with the presets of a kind of problem. */
    public static MethodConfig resolve(String label, String method, Map<String, String> given, VariantRegistry registry,
            Presets.Problem problem, boolean withPreset) {
        if (label == null || !label.matches(LABEL)) {
            throw new BadInputException("method label '" + label + "' must be letters, digits, '.', '_' or '-'");
        }
        String name = method == null ? "" : method.trim().toLowerCase(java.util.Locale.ROOT);
        List<Setting<?>> schema = schema(name, registry);
        Map<String, String> merged = new LinkedHashMap<>();
        if (withPreset) {
            String preset = Presets.of(name, problem);
            if (!preset.isEmpty()) {
                merged.putAll(VariantSpec.parse(name + ":" + preset).settings());
            }
        }
        merged.putAll(given);
        String rateText = merged.remove(LEARNING_RATE);
        Setting<?> rateSetting = schema.stream().filter(s -> s.name().equals(LEARNING_RATE)).findFirst()
                .orElseThrow(() -> new IllegalStateException(name + " has no learningRate setting"));
        List<Double> rates = rateText == null ? List.of(((Number) rateSetting.defaultValue()).doubleValue())
                : rates(rateText, rateSetting, label);
        Settings values;
        OptimizerConfig config = null;
        try {
            Optional<Baseline> baseline = Baseline.find(name);
            if (baseline.isPresent()) {
                values = Settings.builder(schema).parseAll(merged).set(LEARNING_RATE, rates.get(0)).build();
            } else {
                config = variantConfig(label, variant(name, registry), merged)
                        .with(OptimizerSettings.LEARNING_RATE, rates.get(0));
                values = config.settings();
            }
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new BadInputException(label + ": " + e.getMessage());
        }
        Map<String, String> all = new LinkedHashMap<>(values.asText());
        all.put(LEARNING_RATE, String.join("|", rates.stream().map(String::valueOf).toList()));
        return new MethodConfig(label, name, all, rates, values, config);
    }

    /**
     * The CLI's one conversion of a variant's textual settings (spec string, preset, config.json)
     * into its typed configuration, through kron4j's parser.
     *
     * @throws BadInputException naming the method and the setting when a value is bad, unknown or
     *     does not apply to the variant
     */
    public static OptimizerConfig variantConfig(String label, CurvatureApproximation variant, Map<String, String> text) {
        try {
            return OptimizerConfig.builder(variant).parseAll(text).build();
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new BadInputException(label + ": " + e.getMessage());
        }
    }

    /** The schema of a baseline or of a variant on the class path. */
    public static List<Setting<?>> schema(String name, VariantRegistry registry) {
        Optional<Baseline> baseline = Baseline.find(name);
        if (baseline.isPresent()) {
            return baseline.get().schema();
        }
        return OptimizerConfig.schema(variant(name, registry));
    }

    /** The variant of that name, or a {@link BadInputException} naming it and what is available. */
    public static CurvatureApproximation variant(String name, VariantRegistry registry) {
        try {
            return registry.get(name);
        } catch (IllegalArgumentException e) {
            String baselines = " (baselines: sgd, adam)";
            throw new BadInputException(e.getMessage() + baselines);
        }
    }

    private static List<Double> rates(String text, Setting<?> setting, String label) {
        List<Double> rates = new ArrayList<>();
        for (String part : text.split("\\|", -1)) {
            try {
                double rate = ((Number) setting.parse(part)).doubleValue();
                if (rates.contains(rate)) {
                    throw new BadInputException(label + ": learning rate " + part + " is listed twice in '" + text + "'");
                }
                rates.add(rate);
            } catch (IllegalArgumentException e) {
                throw new BadInputException(label + ": " + e.getMessage() + " (a sweep is written 0.01|0.1|1)");
            }
        }
        return rates;
    }
}
