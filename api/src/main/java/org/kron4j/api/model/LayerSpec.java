package org.kron4j.api.model;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.nd4j.linalg.indexing.INDArrayIndex;

/**
 * What an engine tells the optimizer about one parameter group: its name, its {@link LayerKind}
 * with the kind's dimensions and bias flag, and the activation applied to its output (when known).
 * Everything layout-specific (the gradient's shape, the coordinates weight decay skips) is asked
 * of the kind, so a new kind needs no change here.
 *
 * <p>For a {@link LayerKind#DENSE} layer the dimensions are {n, m} ({@link #inputs()} without the
 * homogeneous 1, {@link #outputs()}) and the gradient shape is m×(n+1) with a bias, m×n without.
 * For a {@link LayerKind#TENSOR} they are the parameter tensor's shape.
 */
public final class LayerSpec {
    private final String name;
    private final LayerKind kind;
    private final long[] shape;
    private final boolean bias;
    private final Activation activation;

    private LayerSpec(String name, LayerKind kind, long[] shape, boolean bias, Activation activation) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("layer name must be non-blank");
        }
        this.name = name;
        this.kind = Objects.requireNonNull(kind, "kind");
        this.shape = shape.clone();
        this.bias = bias;
        this.activation = Objects.requireNonNull(activation, "activation");
        for (long d : shape) {
            if (d < 1) {
                throw new IllegalArgumentException(
                        "layer '" + name + "': every dimension must be >= 1, got " + Arrays.toString(shape));
            }
        }
    }

    /** A dense layer with n inputs, m outputs, an optional bias and its activation. */
    public static LayerSpec dense(String name, int inputs, int outputs, boolean bias, Activation activation) {
        return new LayerSpec(name, LayerKind.DENSE, new long[] {inputs, outputs}, bias, activation);
    }

    /** A parameter tensor of order 1 to 4 with no known layer structure. */
    public static LayerSpec tensor(String name, long... shape) {
        if (shape.length < 1 || shape.length > 4) {
            throw new IllegalArgumentException(
                    "layer '" + name + "': tensor order must be in [1, 4], got " + shape.length);
        }
        return new LayerSpec(name, LayerKind.TENSOR, shape, false, Activation.UNKNOWN);
    }

    /**
     * A layer of any kind, built-in or {@linkplain LayerKind#define defined} elsewhere.
     *
     * @param dimensions what the kind's {@link LayerKind.Layout} expects, each ≥ 1
     * @throws IllegalArgumentException when the kind rejects the dimensions, naming the layer
     */
    public static LayerSpec of(String name, LayerKind kind, long[] dimensions, boolean bias, Activation activation) {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(dimensions, "dimensions");
        try {
            kind.layout().validate(dimensions.clone(), bias);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("layer '" + name + "': " + e.getMessage(), e);
        }
        return new LayerSpec(name, kind, dimensions, bias, activation);
    }

    public String name() {
        return name;
    }

    public LayerKind kind() {
        return kind;
    }

    /** The kind's dimensions (a copy): {n, m} for a dense layer, the shape for a tensor. */
    public long[] dimensions() {
        return shape.clone();
    }

    /** Dense: n, the number of inputs without the homogeneous coordinate. */
    public int inputs() {
        requireDense();
        return (int) shape[0];
    }

    /** Dense: m, the number of outputs. */
    public int outputs() {
        requireDense();
        return (int) shape[1];
    }

    public boolean hasBias() {
        return bias;
    }

    public Activation activation() {
        return activation;
    }

    /** Dense: n+1 with a bias, n without; the side of the input factor A. */
    public int augmentedInputs() {
        return inputs() + (bias ? 1 : 0);
    }

    /** The shape of this layer's gradient as the optimizer sees it (the kind's layout decides). */
    public long[] gradientShape() {
        return kind.layout().gradientShape(shape.clone(), bias);
    }

    /**
     * The regions of the gradient weight decay leaves alone (index tuples into an array of
     * {@link #gradientShape()}), e.g. a dense layer's bias column; the kind's layout decides.
     */
    public List<INDArrayIndex[]> notDecayed() {
        return kind.layout().notDecayed(shape.clone(), bias);
    }

    /** Number of parameters. */
    public long parameterCount() {
        long count = 1;
        for (long d : gradientShape()) {
            count *= d;
        }
        return count;
    }

    private void requireDense() {
        if (!kind.equals(LayerKind.DENSE)) {
            throw new IllegalStateException("layer '" + name + "' is " + kind + ", not DENSE");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LayerSpec other
                && name.equals(other.name)
                && kind.equals(other.kind)
                && Arrays.equals(shape, other.shape)
                && bias == other.bias
                && activation == other.activation;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, kind, Arrays.hashCode(shape), bias, activation);
    }

    /** E.g. {@code fc1[dense 64->128+b, TANH]}, {@code conv[tensor [8, 3, 3, 3]]}; part of checkpoints' model check. */
    @Override
    public String toString() {
        LayerKind.Layout layout = kind.layout();
        return name + "[" + kind.name().toLowerCase(Locale.ROOT) + " " + layout.describe(shape.clone(), bias)
                + (layout.hasActivation() ? ", " + activation : "") + "]";
    }
}
