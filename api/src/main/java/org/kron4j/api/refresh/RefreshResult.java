package org.kron4j.api.refresh;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What a {@link RefreshJob} computed for one block: named arrays (decompositions, in the store's
 * storage precision), named scalars (dampings) and named texts (outcomes, failure messages), in the
 * order they were added. Holds no reference to the block or its store, so an engine may move it
 * between threads or machines; the names are the block's contract with itself (documented by
 * each block type). Immutable maps; the arrays are the result's own and must not be modified.
 */
public final class RefreshResult {
    /** The scalar of a {@linkplain #synchronous synchronous} result: the damping to refresh with. */
    public static final String DAMPING = "damping";
    /** The text marking a {@linkplain #synchronous synchronous} result. */
    public static final String SYNCHRONOUS = "synchronous";

    private final String block;
    private final Map<String, INDArray> arrays;
    private final Map<String, Double> scalars;
    private final Map<String, String> texts;

    private RefreshResult(Builder builder) {
        this.block = builder.block;
        this.arrays = Collections.unmodifiableMap(new LinkedHashMap<>(builder.arrays));
        this.scalars = Collections.unmodifiableMap(new LinkedHashMap<>(builder.scalars));
        this.texts = Collections.unmodifiableMap(new LinkedHashMap<>(builder.texts));
    }

    /** A result builder for the block (layer) named {@code block}. */
    public static Builder builder(String block) {
        return new Builder(block);
    }

    /** The result of {@link RefreshJob#synchronous}: install refreshes the block itself with {@code damping}. */
    public static RefreshResult synchronous(String block, double damping) {
        return builder(block).scalar(DAMPING, damping).text(SYNCHRONOUS, "true").build();
    }

    /** True for the result of a block that does not split its refresh (see {@link RefreshJob#synchronous}). */
    public boolean isSynchronous() {
        return texts.containsKey(SYNCHRONOUS);
    }

    public String block() {
        return block;
    }

    public Map<String, INDArray> arrays() {
        return arrays;
    }

    public Map<String, Double> scalars() {
        return scalars;
    }

    public Map<String, String> texts() {
        return texts;
    }

    /** The array called {@code name}, if the job produced it. */
    public Optional<INDArray> array(String name) {
        return Optional.ofNullable(arrays.get(name));
    }

    /**
     * The scalar called {@code name}.
     *
     * @throws IllegalArgumentException when there is none (a result of another block type)
     */
    public double scalar(String name) {
        Double value = scalars.get(name);
        if (value == null) {
            throw new IllegalArgumentException("refresh result of '" + block + "' has no scalar '" + name
                    + "'; scalars: " + scalars.keySet());
        }
        return value;
    }

    /** The text called {@code name}, if any. */
    public Optional<String> text(String name) {
        return Optional.ofNullable(texts.get(name));
    }

    /** The bytes held by the result's arrays, for transfer accounting. */
    public long bytes() {
        return arrays.values().stream().mapToLong(a -> a.length() * a.dataType().width()).sum();
    }

    @Override
    public String toString() {
        return "RefreshResult{" + block + ", arrays=" + arrays.keySet() + ", scalars=" + scalars + ", texts="
                + texts.keySet() + "}";
    }

    /** Collects a result's entries; names are unique per kind. */
    public static final class Builder {
        private final String block;
        private final Map<String, INDArray> arrays = new LinkedHashMap<>();
        private final Map<String, Double> scalars = new LinkedHashMap<>();
        private final Map<String, String> texts = new LinkedHashMap<>();

        private Builder(String block) {
            this.block = Objects.requireNonNull(block, "block");
        }

        /** Adds an array the result will own (null values are skipped: the job produced none). */
        public Builder array(String name, INDArray value) {
            if (value != null) {
                put(arrays, name, value);
            }
            return this;
        }

        public Builder scalar(String name, double value) {
            put(scalars, name, value);
            return this;
        }

        /** Adds a text (null values are skipped). */
        public Builder text(String name, String value) {
            if (value != null) {
                put(texts, name, value);
            }
            return this;
        }

        private <V> void put(Map<String, V> map, String name, V value) {
            if (map.putIfAbsent(Objects.requireNonNull(name, "name"), value) != null) {
                throw new IllegalArgumentException("refresh result of '" + block + "' already has '" + name + "'");
            }
        }

        public RefreshResult build() {
            return new RefreshResult(this);
        }
    }
}
