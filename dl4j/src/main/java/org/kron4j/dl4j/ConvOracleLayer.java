package org.kron4j.dl4j;

import org.kron4j.core.ConvGeometry;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * ConvolutionLayer (NCHW, any kernel, stride, padding, Same mode and dilation {@link ConvGeometry}
 * reproduces): z = W ⋆ x + b computed per output position from the im2col patches,
 * z_t = W̄ p_t(x) + b with W̄ the kernel as O×(C·kH·kW), then the activation. The patches are
 * linear in x, so forward mode is ż_t = W̄ p_t(ẋ) + V̄ p_t(x) + v_b, then ȧ = f'(z) ż; backward
 * δ = f'(z) ε, ∂W̄ = Σ_{b,t} δ_{b,t} p_{b,t}ᵀ, ∂b = Σ_{b,t} δ_{b,t}, ε_in = col2im(δ W̄)
 * ({@link ConvGeometry#accumulatePatches}, the adjoint of the patches).
 */
final class ConvOracleLayer implements OracleLayer {
    private final NetworkModel.Dl4jLayer layer;
    private final boolean bias;

    ConvOracleLayer(NetworkModel.Dl4jLayer layer) {
        this.layer = layer;
        this.bias = layer.layer().paramTable(false).containsKey("b");
    }

    @Override
    public Step forward(INDArray input, INDArray[] params) {
        int channels = (int) input.size(1);
        int h = (int) input.size(2);
        int w = (int) input.size(3);
        ConvGeometry geometry = NetworkModel.geometry(layer, h, w);
        int outH = geometry.outputHeight(h);
        int outW = geometry.outputWidth(w);
        INDArray kernel = params != null ? params[0] : layer.layer().getParam("W");
        INDArray b = bias ? (params != null ? params[1] : layer.layer().getParam("b")) : null;
        INDArray patches = geometry.patches(input);
        INDArray z = convolve(patches, kernel, b, outH, outW);
        INDArray out = layer.activation().getActivation(z.dup(), false);
        return new Step() {
            @Override
            public INDArray output() {
                return out;
            }

            @Override
            public INDArray tangent(INDArray inputTangent, INDArray[] direction) {
                INDArray dz = inputTangent == null ? null
                        : convolve(geometry.patches(inputTangent), kernel, null, outH, outW);
                if (direction != null) {
                    INDArray own = convolve(patches, direction[0], bias ? direction[1] : null, outH, outW);
                    dz = dz == null ? own : dz.addi(own);
                }
                return dz == null ? null : ActivationJacobian.times(layer.activation(), z, dz);
            }

            @Override
            public INDArray backward(INDArray outputGradient, INDArray[] parameterGradients, boolean needInput) {
                INDArray delta = ActivationJacobian.times(layer.activation(), z, outputGradient);
                long o = delta.size(1);
                long rows = delta.size(0) * delta.size(2) * delta.size(3);
                INDArray deltaRows = delta.permute(0, 2, 3, 1).dup('c').reshape('c', rows, o);
                long k = patches.size(2);
                if (parameterGradients != null) {
                    INDArray flatPatches = patches.reshape('c', rows, k);
                    parameterGradients[0] = deltaRows.transpose().mmul(flatPatches).reshape('c', kernel.shape());
                    if (bias) {
                        parameterGradients[1] = deltaRows.sum(0).reshape(1, o);
                    }
                }
                if (!needInput) {
                    return null;
                }
                INDArray patchGradients = deltaRows.mmul(kernel.dup('c').reshape('c', o, k))
                        .reshape('c', delta.size(0), (long) outH * outW, k);
                return geometry.accumulatePatches(patchGradients, channels, h, w);
            }
        };
    }

    /** W̄ p_t + b per position from patches B×P×K, as NCHW B×O×outH×outW. */
    private static INDArray convolve(INDArray patches, INDArray kernel, INDArray bias, int outH, int outW) {
        long b = patches.size(0);
        long k = patches.size(2);
        long o = kernel.size(0);
        INDArray z = patches.reshape('c', b * patches.size(1), k).mmul(kernel.dup('c').reshape('c', o, k).transpose());
        if (bias != null) {
            z.addiRowVector(bias.reshape(1, o));
        }
        return z.reshape('c', b, outH, outW, o).permute(0, 3, 1, 2).dup('c');
    }
}
