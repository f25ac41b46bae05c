package org.kron4j.reference.exact;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.kron4j.api.capture.CaptureField;
import org.kron4j.api.capture.LayerCapture;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.Loss;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A tiny convolutional network in plain Java {@code double}, the oracle for the conv blocks: one
 * 2-D convolution (C → O channels, kH×kW kernel, symmetric zero padding, stride, dilation, NCHW)
 * with an element-wise activation, flattened channel-major (index o·|T| + t, t = y·outW + x, as
 * DL4J's CNN-to-dense preprocessor flattens), then one dense layer to the k logits of a
 * {@link Loss}. Written from the convolution's definition, without im2col or any code under test.
 *
 * <p>Parameter layouts are the optimizer's: the conv kernel as the O×(C·kH·kW+1) matrix with
 * column c·kH·kW + i·kW + j and the bias last; the dense layer k×(O·|T|+1). Vectors over a layer's
 * parameters are the column-major vec of its matrix (entry (r, c) at r + rows·c), as
 * {@code CurvatureBlock.curvatureMatrix()} orders them.
 *
 * <p>{@link #convFisher} is the exact Fisher (= GGN) block of the batch-mean loss,
 * (1/B) Σ_b J_bᵀ H_b J_b, with J_b the logits' Jacobian in the conv parameters and H_b the loss's
 * output Hessian. {@link #exactCapture} builds the capture an engine would send with
 * {@code targets=exact}: per example k output-gradient rows from the columns of a square root of
 * H_b.
 */
public final class TinyCnn {
    private final double[][] kernel;
    private final double[][] dense;
    private final int channels;
    private final int kernelHeight;
    private final int kernelWidth;
    private final int stride;
    private final int padding;
    private final int dilation;
    private final int height;
    private final int width;
    private final Activation activation;
    private final Loss loss;

    /**
     * @param kernel       O×(C·kH·kW+1), the bias last; copied
     * @param dense        k×(O·outH·outW+1), the bias last; copied
     * @param channels     C
     * @param height       input height
     * @param width        input width
     */
    public TinyCnn(double[][] kernel, int channels, int kernelHeight, int kernelWidth, int stride, int padding,
            int dilation, int height, int width, Activation activation, double[][] dense, Loss loss) {
        this.kernel = DoubleMatrices.copy(kernel);
        this.dense = DoubleMatrices.copy(dense);
        this.channels = channels;
        this.kernelHeight = kernelHeight;
        this.kernelWidth = kernelWidth;
        this.stride = stride;
        this.padding = padding;
        this.dilation = dilation;
        this.height = height;
        this.width = width;
        this.activation = Objects.requireNonNull(activation, "activation");
        this.loss = Objects.requireNonNull(loss, "loss");
        if (kernel[0].length != patchLength() + 1) {
            throw new IllegalArgumentException("kernel needs " + (patchLength() + 1) + " columns");
        }
        if (dense[0].length != kernel.length * positions() + 1) {
            throw new IllegalArgumentException("dense layer needs " + (kernel.length * positions() + 1) + " columns");
        }
    }

    public int outputHeight() {
        return (height + 2 * padding - (kernelHeight - 1) * dilation - 1) / stride + 1;
    }

    public int outputWidth() {
        return (width + 2 * padding - (kernelWidth - 1) * dilation - 1) / stride + 1;
    }

    /** |T| = outH·outW. */
    public int positions() {
        return outputHeight() * outputWidth();
    }

    /** C·kH·kW. */
    public int patchLength() {
        return channels * kernelHeight * kernelWidth;
    }

    public int outChannels() {
        return kernel.length;
    }

    public int classes() {
        return dense.length;
    }

    /** The input pixel under kernel tap (c, i, j) at position t, 0 in the padding. */
    private double tap(double[][][] x, int t, int c, int i, int j) {
        int row = (t / outputWidth()) * stride + i * dilation - padding;
        int col = (t % outputWidth()) * stride + j * dilation - padding;
        return row >= 0 && row < height && col >= 0 && col < width ? x[c][row][col] : 0.0;
    }

    /** The patch of position t with the homogeneous 1 last, C·kH·kW+1 values. */
    public double[] patch(double[][][] x, int t) {
        double[] p = new double[patchLength() + 1];
        for (int c = 0; c < channels; c++) {
            for (int i = 0; i < kernelHeight; i++) {
                for (int j = 0; j < kernelWidth; j++) {
                    p[(c * kernelHeight + i) * kernelWidth + j] = tap(x, t, c, i, j);
                }
            }
        }
        p[patchLength()] = 1.0;
        return p;
    }

    /** Pre-activations s[o][t] = Σ_{c,i,j} W[o][c,i,j] x(c, t, i, j) + b[o]. */
    public double[][] preActivations(double[][][] x) {
        double[][] s = new double[outChannels()][positions()];
        for (int t = 0; t < positions(); t++) {
            double[] p = patch(x, t);
            for (int o = 0; o < outChannels(); o++) {
                s[o][t] = dot(kernel[o], p);
            }
        }
        return s;
    }

    /** The dense layer's input: the activations flattened channel-major, O·|T| values. */
    public double[] flattened(double[][][] x) {
        double[][] s = preActivations(x);
        double[] a = new double[outChannels() * positions()];
        for (int o = 0; o < outChannels(); o++) {
            for (int t = 0; t < positions(); t++) {
                a[o * positions() + t] = TinyMlp.activate(activation, s[o][t]);
            }
        }
        return a;
    }

    public double[] logits(double[][][] x) {
        double[] a = flattened(x);
        double[] z = new double[classes()];
        for (int r = 0; r < classes(); r++) {
            z[r] = dense[r][a.length];
            for (int i = 0; i < a.length; i++) {
                z[r] += dense[r][i] * a[i];
            }
        }
        return z;
    }

    /** ∂(uᵀz)/∂s[o][t] for a vector u over the logits: O×|T|. */
    public double[][] outputGradients(double[][][] x, double[] u) {
        double[][] s = preActivations(x);
        double[][] g = new double[outChannels()][positions()];
        for (int o = 0; o < outChannels(); o++) {
            for (int t = 0; t < positions(); t++) {
                double back = 0.0;
                for (int r = 0; r < classes(); r++) {
                    back += u[r] * dense[r][o * positions() + t];
                }
                g[o][t] = back * TinyMlp.derivative(activation, s[o][t]);
            }
        }
        return g;
    }

    /** ∂z/∂θ_conv, k × O(C·kH·kW+1), columns in the column-major vec order of the kernel matrix. */
    public double[][] convJacobian(double[][][] x) {
        int rows = outChannels();
        double[][] jacobian = new double[classes()][rows * (patchLength() + 1)];
        for (int r = 0; r < classes(); r++) {
            double[] e = new double[classes()];
            e[r] = 1.0;
            double[][] g = outputGradients(x, e);
            for (int t = 0; t < positions(); t++) {
                double[] p = patch(x, t);
                for (int o = 0; o < rows; o++) {
                    for (int c = 0; c < p.length; c++) {
                        jacobian[r][o + rows * c] += g[o][t] * p[c];
                    }
                }
            }
        }
        return jacobian;
    }

    /** The output Hessian of the loss at x's logits, k×k. */
    public double[][] outputHessian(double[][][] x) {
        return TinyMlp.outputHessian(loss, TinyMlp.predictions(loss, logits(x)));
    }

    /**
     * Rows u_c with Σ_c u_c u_cᵀ = H, in closed form (any square root gives the same Fisher):
     * √p_c (e_c − p) for softmax cross-entropy (Σ_c p_c (e_c − p)(e_c − p)ᵀ = diag(p) − ppᵀ),
     * √(p_c(1 − p_c)) e_c for sigmoid cross-entropy, e_c for squared error.
     */
    public double[][] hessianRoot(double[][][] x) {
        double[] p = TinyMlp.predictions(loss, logits(x));
        int k = classes();
        double[][] root = new double[k][k];
        for (int c = 0; c < k; c++) {
            switch (loss) {
                case SOFTMAX_CROSS_ENTROPY -> {
                    double scale = Math.sqrt(p[c]);
                    for (int r = 0; r < k; r++) {
                        root[c][r] = scale * ((r == c ? 1.0 : 0.0) - p[r]);
                    }
                }
                case SIGMOID_CROSS_ENTROPY -> root[c][c] = Math.sqrt(p[c] * (1.0 - p[c]));
                case SQUARED_ERROR -> root[c][c] = 1.0;
            }
        }
        return root;
    }

    private static double dot(double[] x, double[] y) {
        double sum = 0.0;
        for (int i = 0; i < x.length; i++) {
            sum += x[i] * y[i];
        }
        return sum;
    }

    /** The exact Fisher block of the conv parameters for the batch-mean loss, (1/B) Σ_b J_bᵀ H_b J_b. */
    public double[][] convFisher(double[][][][] xs) {
        double[][] fisher = null;
        for (double[][][] x : xs) {
            double[][] j = convJacobian(x);
            double[][] term = DoubleMatrices.multiply(DoubleMatrices.transpose(j), DoubleMatrices.multiply(outputHessian(x), j));
            fisher = fisher == null ? term : DoubleMatrices.add(fisher, term);
        }
        return DoubleMatrices.scale(fisher, 1.0 / xs.length);
    }

    /** Per-example conv gradients of u_cᵀ z for every Hessian-root row, B·k matrices O×(C·kH·kW+1), row c·B + b. */
    public List<double[][]> perRowConvGradients(double[][][][] xs) {
        List<double[][]> rows = new ArrayList<>();
        for (int c = 0; c < classes(); c++) {
            for (double[][][] x : xs) {
                double[] u = hessianRoot(x)[c];
                double[][] g = outputGradients(x, u);
                double[][] w = new double[outChannels()][patchLength() + 1];
                for (int t = 0; t < positions(); t++) {
                    double[] p = patch(x, t);
                    for (int o = 0; o < outChannels(); o++) {
                        for (int q = 0; q < p.length; q++) {
                            w[o][q] += g[o][t] * p[q];
                        }
                    }
                }
                rows.add(w);
            }
        }
        return rows;
    }

    /**
     * The capture of one step with {@code targets=exact}: layer 0 (conv) with GRADIENT (mean over
     * the batch, true targets), LAYER_INPUTS (patches B×|T|×C·kH·kW) and OUTPUT_GRADIENTS
     * (k·B×O×outH×outW, row c·B + b from the c-th Hessian-root row of example b); layer 1 (dense)
     * with GRADIENT, LAYER_INPUTS (B×O·|T|) and OUTPUT_GRADIENTS (k·B×k).
     */
    public ModelCapture exactCapture(double[][][][] xs, double[][] ys) {
        int b = xs.length;
        int k = classes();
        int n = outChannels() * positions();
        double[][] convGradient = new double[outChannels()][patchLength() + 1];
        double[][] denseGradient = new double[k][n + 1];
        INDArray patches = Nd4j.zeros(DataType.DOUBLE, b, positions(), patchLength());
        INDArray convRows = Nd4j.zeros(DataType.DOUBLE, (long) k * b, outChannels(), outputHeight(), outputWidth());
        INDArray denseInputs = Nd4j.zeros(DataType.DOUBLE, b, n);
        INDArray denseRows = Nd4j.zeros(DataType.DOUBLE, (long) k * b, k);
        for (int e = 0; e < b; e++) {
            double[][][] x = xs[e];
            double[] a = flattened(x);
            double[] p = TinyMlp.predictions(loss, logits(x));
            double[] residual = new double[k];
            for (int r = 0; r < k; r++) {
                residual[r] = (p[r] - ys[e][r]) / b;
            }
            double[][] g = outputGradients(x, residual);
            for (int t = 0; t < positions(); t++) {
                double[] patch = patch(x, t);
                for (int q = 0; q < patchLength(); q++) {
                    patches.putScalar(new long[] {e, t, q}, patch[q]);
                }
                for (int o = 0; o < outChannels(); o++) {
                    for (int q = 0; q < patch.length; q++) {
                        convGradient[o][q] += g[o][t] * patch[q];
                    }
                }
            }
            for (int r = 0; r < k; r++) {
                for (int i = 0; i < n; i++) {
                    denseGradient[r][i] += residual[r] * a[i];
                }
                denseGradient[r][n] += residual[r];
            }
            for (int i = 0; i < n; i++) {
                denseInputs.putScalar(e, i, a[i]);
            }
            double[][] root = hessianRoot(x);
            for (int c = 0; c < k; c++) {
                double[][] gc = outputGradients(x, root[c]);
                for (int o = 0; o < outChannels(); o++) {
                    for (int t = 0; t < positions(); t++) {
                        convRows.putScalar(new long[] {(long) c * b + e, o, t / outputWidth(), t % outputWidth()},
                                gc[o][t]);
                    }
                }
                for (int r = 0; r < k; r++) {
                    denseRows.putScalar((long) c * b + e, r, root[c][r]);
                }
            }
        }
        LayerCapture conv = LayerCapture.builder().gradient(DoubleMatrices.toINDArray(convGradient, DataType.DOUBLE))
                .put(CaptureField.PARAMETERS, DoubleMatrices.toINDArray(kernel, DataType.DOUBLE))
                .put(CaptureField.LAYER_INPUTS, patches).put(CaptureField.OUTPUT_GRADIENTS, convRows).build();
        LayerCapture fc = LayerCapture.builder().gradient(DoubleMatrices.toINDArray(denseGradient, DataType.DOUBLE))
                .put(CaptureField.PARAMETERS, DoubleMatrices.toINDArray(dense, DataType.DOUBLE))
                .put(CaptureField.LAYER_INPUTS, denseInputs).put(CaptureField.OUTPUT_GRADIENTS, denseRows).build();
        return ModelCapture.of(b, List.of(conv, fc));
    }
}
