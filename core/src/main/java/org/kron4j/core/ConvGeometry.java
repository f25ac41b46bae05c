package org.kron4j.core;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Where a 2-D convolution's kernel lands on its NCHW input: kernel size, stride, dilation and the
 * zero padding before (top, left) and after (bottom, right) the input. {@link #patches} is im2col:
 * the patch under output position t = (y, x) holds input[c][y·sH + i·dH − padTop][x·sW + j·dW −
 * padLeft] at index c·kH·kW + i·kW + j (zero outside the input), which is the column order of
 * {@link Conv2d}'s gradient matrix.
 *
 * @param kernelHeight  kH ≥ 1
 * @param kernelWidth   kW ≥ 1
 * @param strideHeight  sH ≥ 1
 * @param strideWidth   sW ≥ 1
 * @param padTop        zero rows above the input, ≥ 0
 * @param padLeft       zero columns left of it, ≥ 0
 * @param padBottom     zero rows below it, ≥ 0
 * @param padRight      zero columns right of it, ≥ 0
 * @param dilationHeight dH ≥ 1
 * @param dilationWidth  dW ≥ 1
 */
public record ConvGeometry(int kernelHeight, int kernelWidth, int strideHeight, int strideWidth, int padTop,
        int padLeft, int padBottom, int padRight, int dilationHeight, int dilationWidth) {

    public ConvGeometry {
        if (kernelHeight < 1 || kernelWidth < 1 || strideHeight < 1 || strideWidth < 1 || dilationHeight < 1
                || dilationWidth < 1 || padTop < 0 || padLeft < 0 || padBottom < 0 || padRight < 0) {
            throw new IllegalArgumentException("kernel, stride and dilation must be >= 1 and padding >= 0, got kernel "
                    + kernelHeight + "x" + kernelWidth + ", stride " + strideHeight + "x" + strideWidth + ", dilation "
                    + dilationHeight + "x" + dilationWidth + ", padding " + padTop + "," + padLeft + "," + padBottom
                    + "," + padRight);
        }
    }

    /** Symmetric padding (DL4J's Truncate and Strict modes with padding {pH, pW}). */
    public static ConvGeometry of(int kH, int kW, int sH, int sW, int pH, int pW, int dH, int dW) {
        return new ConvGeometry(kH, kW, sH, sW, pH, pW, pH, pW, dH, dW);
    }

    /**
     * DL4J's {@code ConvolutionMode.Same} for an input of inH×inW: output ⌈in/s⌉ per axis, total
     * padding max(0, (out − 1)s + (k − 1)d + 1 − in), of which ⌊total/2⌋ goes before the input.
     */
    public static ConvGeometry same(int kH, int kW, int sH, int sW, int dH, int dW, int inH, int inW) {
        int totalH = samePadding(kH, sH, dH, inH);
        int totalW = samePadding(kW, sW, dW, inW);
        return new ConvGeometry(kH, kW, sH, sW, totalH / 2, totalW / 2, totalH - totalH / 2, totalW - totalW / 2,
                dH, dW);
    }

    private static int samePadding(int k, int s, int d, int in) {
        int out = (in + s - 1) / s;
        return Math.max(0, (out - 1) * s + (k - 1) * d + 1 - in);
    }

    /** The output height for an input of height {@code inH}. */
    public int outputHeight(int inH) {
        return outputSize(inH, kernelHeight, strideHeight, dilationHeight, padTop + padBottom);
    }

    /** The output width for an input of width {@code inW}. */
    public int outputWidth(int inW) {
        return outputSize(inW, kernelWidth, strideWidth, dilationWidth, padLeft + padRight);
    }

    private static int outputSize(int in, int k, int s, int d, int pad) {
        int span = (k - 1) * d + 1;
        int out = (in + pad - span) / s + 1;
        if (in + pad < span) {
            throw new IllegalArgumentException("the kernel (span " + span + ") does not fit the padded input (" + (in + pad) + ")");
        }
        return out;
    }

    /**
     * im2col: the patches of an NCHW input, B×P×(C·kH·kW) with P = outH·outW positions in row-major
     * (y, x) order, in the input's data type (filled directly in float for float inputs, in double
     * otherwise), O(B·P·C·kH·kW).
     */
    public INDArray patches(INDArray input) {
        if (input.rank() != 4) {
            throw new IllegalArgumentException("expected an NCHW input, got rank " + input.rank());
        }
        int b = (int) input.size(0);
        int c = (int) input.size(1);
        int h = (int) input.size(2);
        int w = (int) input.size(3);
        int[] source = sourceIndices(c, h, w);
        int length = source.length;
        int image = c * h * w;
        long[] shape = {b, (long) outputHeight(h) * outputWidth(w), (long) c * kernelHeight * kernelWidth};
        if (input.dataType() == DataType.FLOAT) {
            float[] in = input.dup('c').data().asFloat();
            float[] out = new float[b * length];
            for (int n = 0; n < b; n++) {
                for (int q = 0; q < length; q++) {
                    out[n * length + q] = source[q] < 0 ? 0f : in[n * image + source[q]];
                }
            }
            return Nd4j.create(out, shape, 'c');
        }
        double[] in = input.dup('c').castTo(DataType.DOUBLE).data().asDouble();
        double[] out = new double[b * length];
        for (int n = 0; n < b; n++) {
            for (int q = 0; q < length; q++) {
                out[n * length + q] = source[q] < 0 ? 0.0 : in[n * image + source[q]];
            }
        }
        return Nd4j.create(out, shape, 'c').castTo(input.dataType());
    }

    /**
     * For one example, the offset into its C×H×W input of every patch entry (position-major, then
     * c·kH·kW + i·kW + j), −1 where the kernel lies on padding.
     */
    private int[] sourceIndices(int c, int h, int w) {
        int oh = outputHeight(h);
        int ow = outputWidth(w);
        int[] source = new int[oh * ow * c * kernelHeight * kernelWidth];
        int o = 0;
        for (int y = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++) {
                for (int ch = 0; ch < c; ch++) {
                    for (int i = 0; i < kernelHeight; i++) {
                        int row = y * strideHeight + i * dilationHeight - padTop;
                        for (int j = 0; j < kernelWidth; j++) {
                            int col = x * strideWidth + j * dilationWidth - padLeft;
                            source[o++] = row >= 0 && row < h && col >= 0 && col < w ? (ch * h + row) * w + col : -1;
                        }
                    }
                }
            }
        }
        return source;
    }

    /**
     * col2im, the adjoint of {@link #patches}: per-patch values R×P×(C·kH·kW) summed back onto the
     * input positions they were read from, R×C×inH×inW (padding positions dropped). Back-propagates
     * a gradient with respect to the patches to the NCHW input; computed in double, returned in
     * the argument's data type.
     */
    public INDArray accumulatePatches(INDArray patchValues, int channels, int inH, int inW) {
        int oh = outputHeight(inH);
        int ow = outputWidth(inW);
        int k = channels * kernelHeight * kernelWidth;
        if (patchValues.rank() != 3 || patchValues.size(1) != (long) oh * ow || patchValues.size(2) != k) {
            throw new IllegalArgumentException("expected R×" + oh * ow + "×" + k + " patch values, got "
                    + java.util.Arrays.toString(patchValues.shape()));
        }
        int r = (int) patchValues.size(0);
        int[] source = sourceIndices(channels, inH, inW);
        int length = source.length;
        int image = channels * inH * inW;
        double[] in = patchValues.dup('c').castTo(DataType.DOUBLE).data().asDouble();
        double[] out = new double[r * image];
        for (int n = 0; n < r; n++) {
            for (int q = 0; q < length; q++) {
                if (source[q] >= 0) {
                    out[n * image + source[q]] += in[n * length + q];
                }
            }
        }
        return Nd4j.create(out, new long[] {r, channels, inH, inW}, 'c').castTo(patchValues.dataType());
    }
}
