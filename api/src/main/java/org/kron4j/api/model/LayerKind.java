package org.kron4j.api.model;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A parameter layout a curvature block can be given: {@link #DENSE}, {@link #TENSOR}, or a kind
 * defined outside {@code api} with {@link #define} (a convolution, an embedding, …). Not an enum:
 * adding a kind needs no edit here. A kind says, for a layer's dimensions and bias flag, what its
 * gradient looks like ({@link Layout#gradientShape}) and which of its coordinates weight decay must
 * leave alone ({@link Layout#notDecayed}); which variant can precondition it is the variants' business
 * (see {@code org.kron4j.core.LayerKindMap}).
 *
 * <p>Kinds are equal when their names are; a name must be unique to one layout. Immutable and
 * thread-safe.
 */
public final class LayerKind {
    private static final Pattern NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]*");

    /** What a kind tells the optimizer about a layer's parameters. Implementations must be stateless. */
    public interface Layout {

        /**
         * The gradient's shape as the optimizer sees it.
         *
         * @param dimensions the layer's dimensions as {@link LayerSpec#dimensions()} holds them, never null
         * @param bias       whether the layer has a bias
         */
        long[] gradientShape(long[] dimensions, boolean bias);

        /**
         * Regions of the gradient (index tuples into an array of {@link #gradientShape}) that weight
         * decay must not touch, e.g. a dense layer's bias column. Default: none.
         */
        default List<INDArrayIndex[]> notDecayed(long[] dimensions, boolean bias) {
            return List.of();
        }

        /**
         * Checks that the dimensions make sense for this kind.
         *
         * @throws IllegalArgumentException naming what is wrong
         */
        default void validate(long[] dimensions, boolean bias) {
        }

        /** Whether layers of this kind have an activation worth showing in {@link LayerSpec#toString()}. Default: yes. */
        default boolean hasActivation() {
            return true;
        }

        /** How {@link LayerSpec#toString()} shows the layer's dimensions (after the kind's name). */
        default String describe(long[] dimensions, boolean bias) {
            return Arrays.toString(dimensions) + (bias ? "+b" : "");
        }
    }

    /**
     * A fully connected layer s = W ā with ā = [a; 1]: dimensions {n, m} (inputs without the
     * homogeneous 1, outputs); the gradient is an m×(n+1) matrix (outputs by inputs, the bias as the
     * last column, which weight decay leaves alone) or m×n without a bias.
     */
    public static final LayerKind DENSE = new LayerKind("DENSE", new Layout() {
        @Override
        public long[] gradientShape(long[] dimensions, boolean bias) {
            return new long[] {dimensions[1], dimensions[0] + (bias ? 1 : 0)};
        }

        @Override
        public List<INDArrayIndex[]> notDecayed(long[] dimensions, boolean bias) {
            return bias ? List.<INDArrayIndex[]>of(new INDArrayIndex[] {NDArrayIndex.all(),
                    NDArrayIndex.point(dimensions[0])}) : List.of();
        }

        @Override
        public void validate(long[] dimensions, boolean bias) {
            if (dimensions.length != 2) {
                throw new IllegalArgumentException("a dense layer has dimensions {inputs, outputs}, got "
                        + Arrays.toString(dimensions));
            }
        }

        @Override
        public String describe(long[] dimensions, boolean bias) {
            return dimensions[0] + "->" + dimensions[1] + (bias ? "+b" : "");
        }
    });

    /**
     * Any parameter tensor of order 1 to 4 with no layer structure known: its dimensions are its
     * shape, there is no bias, and only gradient-based variants (Shampoo) take it.
     */
    public static final LayerKind TENSOR = new LayerKind("TENSOR", new Layout() {
        @Override
        public long[] gradientShape(long[] dimensions, boolean bias) {
            return dimensions.clone();
        }

        @Override
        public void validate(long[] dimensions, boolean bias) {
            if (dimensions.length < 1 || dimensions.length > 4) {
                throw new IllegalArgumentException("tensor order must be in [1, 4], got " + dimensions.length);
            }
            if (bias) {
                throw new IllegalArgumentException("a tensor has no bias");
            }
        }

        @Override
        public boolean hasActivation() {
            return false;
        }

        @Override
        public String describe(long[] dimensions, boolean bias) {
            return Arrays.toString(dimensions);
        }
    });

    private final String name;
    private final Layout layout;

    private LayerKind(String name, Layout layout) {
        this.name = name;
        this.layout = layout;
    }

    /**
     * A new kind. Give it to {@link LayerSpec#of} for the layers an engine reports, and to a
     * variant's layer-kind map for the blocks that precondition them.
     *
     * @param name   letters, digits and '_', starting with a letter; must not be DENSE or TENSOR
     * @param layout its gradient layout
     */
    public static LayerKind define(String name, Layout layout) {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(layout, "layout");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("a layer kind's name must match " + NAME + ", got '" + name + "'");
        }
        if (name.equals(DENSE.name) || name.equals(TENSOR.name)) {
            throw new IllegalArgumentException("layer kind '" + name + "' is built in");
        }
        return new LayerKind(name, layout);
    }

    public String name() {
        return name;
    }

    public Layout layout() {
        return layout;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LayerKind other && name.equals(other.name);
    }

    @Override
    public int hashCode() {
        return name.hashCode();
    }

    @Override
    public String toString() {
        return name;
    }
}
