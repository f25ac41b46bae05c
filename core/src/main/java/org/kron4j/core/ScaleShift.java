package org.kron4j.core;

import java.util.List;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.LayerKind;
import org.kron4j.api.model.LayerSpec;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The scale-and-shift layer kind, {@code SCALE_SHIFT}: y = γ_c x̂ + β_c per channel c of an
 * already normalized input x̂ (batch normalization's trained part). Dimensions {C}; the gradient
 * is the C×2 matrix [∂γ | ∂β] (row c holds channel c's pair). Weight decay leaves both columns
 * alone (a shift is a bias, and decaying the scale towards 0 would fight the normalization). The
 * K-FAC family preconditions it with {@link ScaleShiftBlock}: one exact 2×2 Fisher block per
 * channel from per-example gradients ({@link ScaleShiftStatistics}), as kfac-jax's scale-and-shift
 * blocks do, rather than a Kronecker product.
 */
public final class ScaleShift {

    /** The kind's name: {@code SCALE_SHIFT}. */
    public static final LayerKind KIND = LayerKind.define("SCALE_SHIFT", new LayerKind.Layout() {
        @Override
        public long[] gradientShape(long[] d, boolean bias) {
            return new long[] {d[0], 2};
        }

        @Override
        public List<INDArrayIndex[]> notDecayed(long[] d, boolean bias) {
            return List.<INDArrayIndex[]>of(new INDArrayIndex[] {NDArrayIndex.all(), NDArrayIndex.all()});
        }

        @Override
        public void validate(long[] d, boolean bias) {
            if (d.length != 1 || d[0] < 1) {
                throw new IllegalArgumentException("a scale-and-shift layer has dimensions {channels >= 1}, got "
                        + java.util.Arrays.toString(d));
            }
            if (!bias) {
                throw new IllegalArgumentException("a scale-and-shift layer always has its shift: declare bias=true");
            }
        }

        @Override
        public boolean hasActivation() {
            return false;
        }

        @Override
        public String describe(long[] d, boolean bias) {
            return d[0] + " channels";
        }
    });

    private ScaleShift() {
    }

    /** A scale-and-shift layer over {@code channels} channels. */
    public static LayerSpec layer(String name, int channels) {
        return LayerSpec.of(name, KIND, new long[] {channels}, true, Activation.IDENTITY);
    }
}
