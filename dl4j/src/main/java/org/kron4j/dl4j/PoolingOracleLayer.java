package org.kron4j.dl4j;

import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.kron4j.core.ConvGeometry;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * SubsamplingLayer (NCHW) and GlobalPoolingLayer (over height and width of NCHW input): no
 * parameters. The values are DL4J's own forward. Average and sum pooling are linear, so their
 * Jacobian is the layer itself: the tangent is DL4J's forward applied to ẋ and the backward is
 * DL4J's own backprop. Max pooling is piecewise linear: at x it selects, per output, the first
 * maximal input of its window in the window's row-major order (padding never selected) — the
 * element DL4J's max-pooling backprop routes the gradient to — so the tangent gathers ẋ at the
 * selected inputs and the backward scatters ε onto them (ties at x are measure-zero for
 * continuous inputs; where they occur the one-sided choice is DL4J's).
 * P-norm pooling is not supported ({@link #unsupported}).
 */
final class PoolingOracleLayer implements OracleLayer {
    private final NetworkModel.Dl4jLayer layer;
    private final LayerWorkspaceMgr workspaces = LayerWorkspaceMgr.noWorkspaces();
    private final boolean max;

    PoolingOracleLayer(NetworkModel.Dl4jLayer layer) {
        this.layer = layer;
        this.max = poolingType(layer) == PoolingType.MAX;
    }

    private static PoolingType poolingType(NetworkModel.Dl4jLayer layer) {
        org.deeplearning4j.nn.conf.layers.Layer conf = layer.layer().conf().getLayer();
        return conf instanceof SubsamplingLayer s ? s.getPoolingType() : ((GlobalPoolingLayer) conf).getPoolingType();
    }

    /** Why the oracle cannot go through this pooling layer, or null when it can. */
    static String unsupported(NetworkModel.Dl4jLayer layer) {
        org.deeplearning4j.nn.conf.layers.Layer conf = layer.layer().conf().getLayer();
        PoolingType type = poolingType(layer);
        if (type != PoolingType.MAX && type != PoolingType.AVG && type != PoolingType.SUM) {
            return layer.describe() + " pools with " + type + " (the oracle takes MAX, AVG and SUM)";
        }
        if (conf instanceof SubsamplingLayer s && s.getCnn2dDataFormat() != CNN2DFormat.NCHW) {
            return layer.describe() + " is not NCHW";
        }
        if (conf instanceof GlobalPoolingLayer g && g.getPoolingDimensions() != null
                && !java.util.Arrays.equals(g.getPoolingDimensions(), new int[] {2, 3})) {
            return layer.describe() + " pools over dimensions " + java.util.Arrays.toString(g.getPoolingDimensions())
                    + " (the oracle takes height and width of NCHW input, {2, 3})";
        }
        return null;
    }

    @Override
    public Step forward(INDArray input, INDArray[] params) {
        if (input.rank() != 4) {
            throw new UnsupportedOperationException(layer.describe() + ": the oracle pools NCHW input only, got rank "
                    + input.rank());
        }
        INDArray out = layer.layer().activate(input, false, workspaces).dup();
        int[] selected = max ? selection(input, out.length()) : null;
        return new Step() {
            @Override
            public INDArray output() {
                return out;
            }

            @Override
            public INDArray tangent(INDArray inputTangent, INDArray[] direction) {
                if (inputTangent == null) {
                    return null;
                }
                if (!max) {
                    return layer.layer().activate(inputTangent, false, workspaces).dup();
                }
                double[] t = inputTangent.dup('c').castTo(DataType.DOUBLE).data().asDouble();
                double[] gathered = new double[selected.length];
                for (int o = 0; o < selected.length; o++) {
                    gathered[o] = t[selected[o]];
                }
                return Nd4j.create(gathered, out.shape(), 'c').castTo(out.dataType());
            }

            @Override
            public INDArray backward(INDArray outputGradient, INDArray[] parameterGradients, boolean needInput) {
                if (!needInput) {
                    return null;
                }
                if (!max) {
                    layer.layer().setInput(input, workspaces);
                    return layer.layer().backpropGradient(outputGradient, workspaces).getSecond().dup();
                }
                double[] e = outputGradient.dup('c').castTo(DataType.DOUBLE).data().asDouble();
                double[] scattered = new double[(int) input.length()];
                for (int o = 0; o < selected.length; o++) {
                    scattered[selected[o]] += e[o];
                }
                return Nd4j.create(scattered, input.shape(), 'c').castTo(input.dataType());
            }
        };
    }

    /**
     * Per output element (c order of the output), the c-order offset into the input of its
     * window's first maximal element.
     */
    private int[] selection(INDArray input, long outputs) {
        int b = (int) input.size(0);
        int c = (int) input.size(1);
        int h = (int) input.size(2);
        int w = (int) input.size(3);
        double[] x = input.dup('c').castTo(DataType.DOUBLE).data().asDouble();
        int[] window = windows(h, w); // per position p and tap q: offset in an H×W plane, or −1
        int taps = window.length / Math.toIntExact(outputs / ((long) b * c));
        int positions = window.length / taps;
        int[] selected = new int[b * c * positions];
        for (int plane = 0; plane < b * c; plane++) {
            int base = plane * h * w;
            for (int p = 0; p < positions; p++) {
                int best = -1;
                for (int q = 0; q < taps; q++) {
                    int offset = window[p * taps + q];
                    if (offset >= 0 && (best < 0 || x[base + offset] > x[base + best])) {
                        best = offset;
                    }
                }
                if (best < 0) {
                    throw new IllegalStateException(layer.describe() + ": a pooling window lies entirely on padding");
                }
                selected[plane * positions + p] = base + best;
            }
        }
        return selected;
    }

    /** The windows of one H×W plane: positions × taps offsets (−1 on padding), row-major taps. */
    private int[] windows(int h, int w) {
        org.deeplearning4j.nn.conf.layers.Layer conf = layer.layer().conf().getLayer();
        if (conf instanceof GlobalPoolingLayer) {
            int[] all = new int[h * w];
            for (int i = 0; i < all.length; i++) {
                all[i] = i;
            }
            return all;
        }
        ConvGeometry geometry = geometry((SubsamplingLayer) conf, h, w);
        INDArray index = Nd4j.linspace(DataType.DOUBLE, 1, h * w, 1).reshape('c', 1, 1, h, w);
        double[] taps = geometry.patches(index).data().asDouble(); // offset + 1, 0 on padding
        int[] window = new int[taps.length];
        for (int i = 0; i < taps.length; i++) {
            window[i] = (int) Math.round(taps[i]) - 1;
        }
        return window;
    }

    /** The pooling windows as DL4J places them: explicit padding or Same mode, with dilation. */
    private static ConvGeometry geometry(SubsamplingLayer conf, int h, int w) {
        int[] k = conf.getKernelSize();
        int[] s = conf.getStride();
        int[] d = conf.getDilation();
        if (conf.getConvolutionMode() == ConvolutionMode.Same) {
            return ConvGeometry.same(k[0], k[1], s[0], s[1], d[0], d[1], h, w);
        }
        int[] p = conf.getPadding();
        return ConvGeometry.of(k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1]);
    }
}
