package org.kron4j.core;

import java.util.Arrays;
import java.util.List;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.LayerKind;
import org.kron4j.api.model.LayerSpec;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The 2-D convolution layer kind, {@code CONV2D}: dimensions {C, O, kH, kW} (input channels,
 * output channels, kernel height and width). The kernel W[o][c][i][j] (NCHW, as DL4J stores it)
 * is seen as the O×(C·kH·kW + 1) matrix whose column c·kH·kW + i·kW + j holds W[·][c][i][j] and
 * whose last column is the bias (absent without a bias, and left alone by weight decay), so that
 * a spatial position's pre-activation is s_t = W ā_t for the position's im2col patch
 * ā_t = [patch_t; 1] ({@link ConvGeometry#patches}). Stride, padding and dilation do not change
 * the gradient's shape, so they are not part of the kind: the engine extracts the patches with its
 * geometry and hands them over ({@link Conv2dStatistics}).
 */
public final class Conv2d {

    /** The kind's name: {@code CONV2D}. */
    public static final LayerKind KIND = LayerKind.define("CONV2D", new LayerKind.Layout() {
        @Override
        public long[] gradientShape(long[] d, boolean bias) {
            return new long[] {d[1], d[0] * d[2] * d[3] + (bias ? 1 : 0)};
        }

        @Override
        public List<INDArrayIndex[]> notDecayed(long[] d, boolean bias) {
            return bias ? List.<INDArrayIndex[]>of(new INDArrayIndex[] {NDArrayIndex.all(),
                    NDArrayIndex.point(d[0] * d[2] * d[3])}) : List.of();
        }

        @Override
        public void validate(long[] d, boolean bias) {
            if (d.length != 4) {
                throw new IllegalArgumentException("a conv2d layer has dimensions {inChannels, outChannels, kernelHeight, "
                        + "kernelWidth}, got " + Arrays.toString(d));
            }
        }

        @Override
        public String describe(long[] d, boolean bias) {
            return d[0] + "->" + d[1] + " " + d[2] + "x" + d[3] + (bias ? "+b" : "");
        }
    });

    private Conv2d() {
    }

    /** A conv2d layer spec: C input channels, O output channels, a kH×kW kernel. */
    public static LayerSpec layer(String name, int inChannels, int outChannels, int kernelHeight, int kernelWidth,
            boolean bias, Activation activation) {
        return LayerSpec.of(name, KIND, new long[] {inChannels, outChannels, kernelHeight, kernelWidth}, bias,
                activation);
    }

    /** C·kH·kW, the length of a patch without the homogeneous coordinate. */
    public static int patchLength(LayerSpec layer) {
        long[] d = layer.dimensions();
        return Math.toIntExact(d[0] * d[2] * d[3]);
    }
}
