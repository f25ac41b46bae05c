package org.kron4j.core;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.kron4j.api.UnsupportedModelException;
import org.kron4j.api.model.LayerKind;
import org.kron4j.api.model.LayerSpec;

/**
 * The only place a Kronecker-factored variant knows layer kinds: an immutable map from
 * {@link LayerKind} to what the variant needs to build a block for it (for K-FAC a
 * {@link FactorStatistics.Factory}). A variant ships its defaults; a user extends them with
 * {@link #with} and hands the result to the variant's constructor, without editing {@code api} or
 * the variant (kfac-jax's layer-tag → block-constructor map).
 *
 * @param <V> what a kind maps to
 */
public final class LayerKindMap<V> {
    private final Map<LayerKind, V> entries;

    private LayerKindMap(Map<LayerKind, V> entries) {
        this.entries = Collections.unmodifiableMap(entries);
    }

    /** A map with one entry. */
    public static <V> LayerKindMap<V> of(LayerKind kind, V value) {
        return new LayerKindMap<V>(new LinkedHashMap<>()).with(kind, value);
    }

    /**
     * A new map with {@code kind → value} added, or replacing the kind's entry (e.g. a user's own
     * dense statistics); this map is unchanged.
     */
    public LayerKindMap<V> with(LayerKind kind, V value) {
        Map<LayerKind, V> copy = new LinkedHashMap<>(entries);
        copy.put(Objects.requireNonNull(kind, "kind"), Objects.requireNonNull(value, "value"));
        return new LayerKindMap<>(copy);
    }

    public boolean supports(LayerKind kind) {
        return entries.containsKey(kind);
    }

    public Set<LayerKind> kinds() {
        return entries.keySet();
    }

    /**
     * The entry for the layer's kind.
     *
     * @throws UnsupportedModelException naming the layer, its kind and the kinds this map knows
     */
    public V get(String variant, LayerSpec layer) {
        V value = entries.get(layer.kind());
        if (value == null) {
            throw new UnsupportedModelException("variant '" + variant + "' has no block for layer " + layer
                    + " of kind " + layer.kind() + "; its layer kinds: " + entries.keySet());
        }
        return value;
    }

    @Override
    public String toString() {
        return entries.keySet().toString();
    }
}
