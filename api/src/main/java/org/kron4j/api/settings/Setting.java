package org.kron4j.api.settings;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Function;

/**
 * A named, typed, validated setting with a default and a description: the unit of every
 * configuration surface (builders, spec strings, the CLI, Tribuo configs, {@code kron4j list}).
 *
 * <p>Validation errors name the setting and the allowed range, e.g.
 * {@code "damping must be in [0, ∞), got -1.0"}.
 *
 * @param <T> the value type: {@code Double}, {@code Integer}, {@code Long}, {@code Boolean} or an enum
 */
public final class Setting<T> {
    private final String name;
    private final Class<T> type;
    private final T defaultValue;
    private final String description;
    private final String allowed;
    private final Function<T, Boolean> check;
    private final Function<String, T> parser;

    private Setting(String name, Class<T> type, T defaultValue, String description, String allowed,
            Function<T, Boolean> check, Function<String, T> parser) {
        if (name == null || !name.matches("[a-zA-Z][a-zA-Z0-9.]*")) {
            throw new IllegalArgumentException("setting names are alphanumeric with dots, got '" + name + "'");
        }
        this.name = name;
        this.type = type;
        this.description = Objects.requireNonNull(description, "description");
        this.allowed = allowed;
        this.check = check;
        this.parser = parser;
        this.defaultValue = defaultValue;
        validate(defaultValue);
    }

    /** A real number in a range; {@code Double.NEGATIVE_INFINITY}/{@code POSITIVE_INFINITY} for open ends. */
    public static Setting<Double> real(String name, double defaultValue, double min, boolean minInclusive,
            double max, boolean maxInclusive, String description) {
        String range = (minInclusive ? "[" : "(") + format(min) + ", " + format(max) + (maxInclusive ? "]" : ")");
        return new Setting<>(name, Double.class, defaultValue, description, "in " + range,
                v -> !v.isNaN() && (minInclusive ? v >= min : v > min) && (maxInclusive ? v <= max : v < max),
                Double::valueOf);
    }

    /** An integer in [min, max]. */
    public static Setting<Integer> integer(String name, int defaultValue, int min, int max, String description) {
        String range = "[" + min + ", " + (max == Integer.MAX_VALUE ? "∞" : String.valueOf(max)) + "]";
        return new Setting<>(name, Integer.class, defaultValue, description, "in " + range,
                v -> v >= min && v <= max, Integer::valueOf);
    }

    /** A 64-bit integer with no range restriction (seeds). */
    public static Setting<Long> longValue(String name, long defaultValue, String description) {
        return new Setting<>(name, Long.class, defaultValue, description, "any 64-bit integer", v -> true,
                Long::valueOf);
    }

    /** A boolean, written true/false. */
    public static Setting<Boolean> flag(String name, boolean defaultValue, String description) {
        return new Setting<>(name, Boolean.class, defaultValue, description, "one of [true, false]", v -> true,
                s -> {
                    String t = s.trim().toLowerCase(Locale.ROOT);
                    if (!t.equals("true") && !t.equals("false")) {
                        throw new IllegalArgumentException(name + " must be one of [true, false], got '" + s + "'");
                    }
                    return Boolean.valueOf(t);
                });
    }

    /** One constant of an enum, parsed case-insensitively with '-' accepted for '_'. */
    public static <E extends Enum<E>> Setting<E> choice(String name, Class<E> type, E defaultValue,
            String description) {
        String names = Arrays.toString(Arrays.stream(type.getEnumConstants())
                .map(e -> e.name().toLowerCase(Locale.ROOT)).toArray());
        return new Setting<>(name, type, defaultValue, description, "one of " + names, v -> true, s -> {
            String key = s.trim().toUpperCase(Locale.ROOT).replace('-', '_');
            for (E constant : type.getEnumConstants()) {
                if (constant.name().equals(key)) {
                    return constant;
                }
            }
            throw new IllegalArgumentException(name + " must be one of " + names + ", got '" + s + "'");
        });
    }

    /** The same setting with another default (a variant's preferred default for a driver setting). */
    public Setting<T> withDefault(T newDefault) {
        return new Setting<>(name, type, newDefault, description, allowed, check, parser);
    }

    public String name() {
        return name;
    }

    public Class<T> type() {
        return type;
    }

    public T defaultValue() {
        return defaultValue;
    }

    public String description() {
        return description;
    }

    /** The allowed values in words, e.g. "in (0, 1]". */
    public String allowed() {
        return allowed;
    }

    /**
     * Checks a value and returns it typed.
     *
     * @throws IllegalArgumentException naming the setting and the allowed range when the value is
     *     null, of the wrong type or out of range
     */
    public T validate(Object value) {
        if (value == null) {
            throw new IllegalArgumentException(name + " must be " + allowed + ", got null");
        }
        Object v = value;
        if (type == Double.class && value instanceof Number n && !(value instanceof Double)) {
            v = n.doubleValue();
        } else if (type == Long.class && (value instanceof Integer || value instanceof Short)) {
            v = ((Number) value).longValue();
        } else if (type == Integer.class && value instanceof Long l && l == l.intValue()) {
            v = l.intValue();
        }
        if (!type.isInstance(v)) {
            throw new IllegalArgumentException(name + " must be a " + type.getSimpleName() + " " + allowed
                    + ", got " + value.getClass().getSimpleName() + " " + value);
        }
        T typed = type.cast(v);
        if (!check.apply(typed)) {
            throw new IllegalArgumentException(name + " must be " + allowed + ", got " + value);
        }
        return typed;
    }

    /** Parses the textual form used in spec strings and config files, then validates it. */
    public T parse(String text) {
        Objects.requireNonNull(text, name);
        T value;
        try {
            value = parser.apply(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be a " + type.getSimpleName() + " " + allowed
                    + ", got '" + text + "'");
        }
        return validate(value);
    }

    /** The textual form {@link #parse} accepts. */
    public String format(T value) {
        return value instanceof Enum<?> e ? e.name().toLowerCase(Locale.ROOT) : String.valueOf(value);
    }

    private static String format(double bound) {
        if (bound == Double.POSITIVE_INFINITY) {
            return "∞";
        }
        if (bound == Double.NEGATIVE_INFINITY) {
            return "-∞";
        }
        return bound == Math.rint(bound) && Math.abs(bound) < 1e15 ? String.valueOf((long) bound)
                : String.valueOf(bound);
    }

    @Override
    public String toString() {
        return name + " (" + type.getSimpleName() + ", " + allowed + ", default " + format(defaultValue) + ")";
    }
}
