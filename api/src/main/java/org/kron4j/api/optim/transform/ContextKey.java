package org.kron4j.api.optim.transform;

import java.util.Objects;

/**
 * A typed name for a value one transform leaves in the {@link UpdateContext} for a later one or
 * for the chain's owner (e.g. {@link PreconditionByCurvature#INPUT}, {@link ClipByKl#SCALE}).
 * Keys compare by identity.
 *
 * @param <T> the type of the value
 */
public final class ContextKey<T> {
    private final String name;
    private final Class<T> type;

    private ContextKey(String name, Class<T> type) {
        this.name = Objects.requireNonNull(name, "name");
        this.type = Objects.requireNonNull(type, "type");
    }

    public static <T> ContextKey<T> of(String name, Class<T> type) {
        return new ContextKey<>(name, type);
    }

    public String name() {
        return name;
    }

    T cast(Object value) {
        return type.cast(value);
    }

    @Override
    public String toString() {
        return name;
    }
}
