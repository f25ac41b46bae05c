package org.kron4j.api.model;

import java.util.Arrays;
import java.util.Objects;

/**
 * What an engine tells the optimizer about one parameter group: its name, its layout and shape,
 * and for dense layers the activation applied to its output.
 *
 * <p>For a {@link LayerKind#DENSE} layer, {@code inputs} is n (without the homogeneous 1),
 * {@code outputs} is m and the gradient shape is m×(n+1) with a bias, m×n without. For a
 * {@link LayerKind#TENSOR}, {@code shape} is the parameter tensor's shape.
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

    public String name() {
        return name;
    }

    public LayerKind kind() {
        return kind;
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

    /** The shape of this layer's gradient as the optimizer sees it. */
    public long[] gradientShape() {
        return kind == LayerKind.DENSE ? new long[] {outputs(), augmentedInputs()} : shape.clone();
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
        if (kind != LayerKind.DENSE) {
            throw new IllegalStateException("layer '" + name + "' is " + kind + ", not DENSE");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LayerSpec other
                && name.equals(other.name)
                && kind == other.kind
                && Arrays.equals(shape, other.shape)
                && bias == other.bias
                && activation == other.activation;
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, kind, Arrays.hashCode(shape), bias, activation);
    }

    @Override
    public String toString() {
        return kind == LayerKind.DENSE
                ? name + "[dense " + inputs() + "->" + outputs() + (bias ? "+b" : "") + ", " + activation + "]"
                : name + "[tensor " + Arrays.toString(shape) + "]";
    }
}
