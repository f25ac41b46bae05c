package org.kron4j.api.settings;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.StringJoiner;

/**
 * An immutable set of values for a schema of {@link Setting}s; unset settings read as their
 * defaults. Built by {@link Builder}, which validates every value as it is set.
 */
public final class Settings {
    private final List<Setting<?>> schema;
    private final Map<String, Object> values;

    private Settings(List<Setting<?>> schema, Map<String, Object> values) {
        this.schema = schema;
        this.values = values;
    }

    /** A builder for the given schema; names must be unique. */
    public static Builder builder(List<? extends Setting<?>> schema) {
        return new Builder(schema);
    }

    /** The value of a setting of this schema (its default when not set). */
    public <T> T get(Setting<T> setting) {
        Setting<T> own = own(schema, setting);
        Object value = values.get(own.name());
        return value == null ? own.defaultValue() : own.type().cast(value);
    }

    /**
     * The schema's own setting of that name and type: a schema may carry a setting with a
     * different default (see {@link Setting#withDefault}), matched by name.
     */
    @SuppressWarnings("unchecked")
    static <T> Setting<T> own(List<Setting<?>> schema, Setting<T> setting) {
        for (Setting<?> s : schema) {
            if (s.name().equals(setting.name())) {
                if (s.type() != setting.type()) {
                    throw new IllegalArgumentException("setting '" + setting.name() + "' is a "
                            + s.type().getSimpleName() + " in this schema, not a " + setting.type().getSimpleName());
                }
                return (Setting<T>) s;
            }
        }
        throw new IllegalArgumentException("setting '" + setting.name() + "' is not part of this schema; known: "
                + names(schema));
    }

    /** True when the setting was given explicitly rather than left at its default. */
    public boolean isSet(Setting<?> setting) {
        return values.containsKey(setting.name());
    }

    public List<Setting<?>> schema() {
        return schema;
    }

    /** Every setting of the schema with its effective value in textual form, in schema order. */
    public Map<String, String> asText() {
        Map<String, String> text = new LinkedHashMap<>();
        for (Setting<?> s : schema) {
            text.put(s.name(), formatted(s));
        }
        return Collections.unmodifiableMap(text);
    }

    /** A builder preloaded with these values, to derive a modified copy. */
    public Builder toBuilder() {
        Builder builder = new Builder(schema);
        builder.values.putAll(values);
        return builder;
    }

    /**
     * A copy with one value replaced (validated; the setting then counts as {@linkplain #isSet set}).
     *
     * @throws IllegalArgumentException when the setting is not part of this schema or the value is
     *     out of range
     */
    public <T> Settings with(Setting<T> setting, T value) {
        Setting<T> own = own(schema, setting);
        Map<String, Object> copy = new LinkedHashMap<>(values);
        copy.put(own.name(), own.validate(value));
        return new Settings(schema, Collections.unmodifiableMap(copy));
    }

    private <T> String formatted(Setting<T> setting) {
        return setting.format(get(setting));
    }

    private static String names(List<Setting<?>> schema) {
        StringJoiner joiner = new StringJoiner(", ", "[", "]");
        schema.forEach(s -> joiner.add(s.name()));
        return joiner.toString();
    }

    @Override
    public String toString() {
        return asText().toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Settings other && describe(schema).equals(describe(other.schema))
                && asText().equals(other.asText());
    }

    /** Settings are compared by what they are (name, type, range, default), not by instance. */
    private static List<String> describe(List<Setting<?>> schema) {
        return schema.stream().map(Setting::toString).toList();
    }

    @Override
    public int hashCode() {
        return asText().hashCode();
    }

    /**
     * Collects values, each checked when it is set: an out-of-range value throws
     * {@link IllegalArgumentException} naming the setting and its range, an unknown name throws
     * {@link IllegalArgumentException} listing the known ones, and setting the same name twice
     * throws {@link IllegalStateException}.
     */
    public static final class Builder {
        private final List<Setting<?>> schema;
        private final Map<String, Setting<?>> byName = new HashMap<>();
        private final Map<String, Object> values = new LinkedHashMap<>();
        private final Map<String, String> refused = new HashMap<>();

        private Builder(List<? extends Setting<?>> schema) {
            this.schema = List.copyOf(schema);
            for (Setting<?> s : this.schema) {
                if (byName.put(s.name(), s) != null) {
                    throw new IllegalArgumentException("duplicate setting name '" + s.name() + "' in schema");
                }
            }
        }

        /**
         * Names that are refused with a message of their own rather than "unknown setting": the
         * settings of a wider family that do not apply to this schema's owner (e.g. a driver
         * setting a variant ignores). The message must name the setting and why it is refused.
         */
        public Builder refusing(Map<String, String> messages) {
            messages.forEach((name, message) -> {
                if (byName.containsKey(name)) {
                    throw new IllegalArgumentException("setting '" + name + "' is part of the schema; it cannot be refused");
                }
                refused.put(name, Objects.requireNonNull(message, name));
            });
            return this;
        }

        public <T> Builder set(Setting<T> setting, T value) {
            refuse(setting.name());
            return put(own(schema, setting), value);
        }

        /** Sets a value by name; numbers are widened or narrowed where lossless. */
        public Builder set(String name, Object value) {
            return put(lookup(name), value);
        }

        /** Sets a value by name from its textual form (spec strings, config files, CLI options). */
        public Builder parse(String name, String text) {
            Setting<?> setting = lookup(name);
            return put(setting, setting.parse(text));
        }

        /** Applies every {@code name=value} of a parsed spec. */
        public Builder parseAll(Map<String, String> texts) {
            texts.forEach(this::parse);
            return this;
        }

        /** True when the name was given a value in this builder. */
        public boolean isSet(String name) {
            return values.containsKey(name);
        }

        public Settings build() {
            return new Settings(schema, Collections.unmodifiableMap(new LinkedHashMap<>(values)));
        }

        private void refuse(String name) {
            String message = refused.get(name);
            if (message != null) {
                throw new IllegalArgumentException(message);
            }
        }

        private Setting<?> lookup(String name) {
            refuse(Objects.requireNonNull(name, "name"));
            Setting<?> setting = byName.get(name);
            if (setting == null) {
                List<Setting<?>> known = new ArrayList<>(schema);
                throw new IllegalArgumentException("unknown setting '" + name + "'; known: " + names(known));
            }
            return setting;
        }

        private Builder put(Setting<?> setting, Object value) {
            Object valid = setting.validate(value);
            if (values.containsKey(setting.name())) {
                throw new IllegalStateException(setting.name() + " was already set to "
                        + values.get(setting.name()) + "; set each setting once");
            }
            values.put(setting.name(), valid);
            return this;
        }
    }
}
