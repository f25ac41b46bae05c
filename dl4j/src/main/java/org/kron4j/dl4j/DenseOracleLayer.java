package org.kron4j.dl4j;

import org.deeplearning4j.nn.api.Layer;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DenseLayer and OutputLayer: z = x·W + b (W [nIn, nOut], b [1, nOut]), then the activation
 * (none for the output layer, whose output is z). Forward mode ż = ẋ·W + x·V + v_b, then
 * ȧ = f'(z) ż; backward δ = f'(z) ε, ∂W = xᵀδ, ∂b = Σ_rows δ, ε_in = δ·Wᵀ.
 */
final class DenseOracleLayer implements OracleLayer {
    private final Layer layer;
    private final IActivation activation;
    private final boolean bias;

    /** @param activation the layer's activation, null for the output layer */
    DenseOracleLayer(Layer layer, IActivation activation) {
        this.layer = layer;
        this.activation = activation;
        this.bias = layer.paramTable(false).containsKey("b");
    }

    @Override
    public Step forward(INDArray input, INDArray[] params) {
        INDArray w = params != null ? params[0] : layer.getParam("W");
        INDArray b = bias ? (params != null ? params[1] : layer.getParam("b")) : null;
        INDArray z = input.mmul(w);
        if (b != null) {
            z.addiRowVector(b);
        }
        INDArray out = activation == null ? z : activation.getActivation(z.dup(), false);
        return new Step() {
            @Override
            public INDArray output() {
                return out;
            }

            @Override
            public INDArray tangent(INDArray inputTangent, INDArray[] direction) {
                INDArray dz = inputTangent == null ? null : inputTangent.mmul(w);
                if (direction != null) {
                    INDArray own = input.mmul(direction[0]);
                    if (bias && direction[1] != null) {
                        own.addiRowVector(direction[1]);
                    }
                    dz = dz == null ? own : dz.addi(own);
                }
                return dz == null || activation == null ? dz : ActivationJacobian.times(activation, z, dz);
            }

            @Override
            public INDArray backward(INDArray outputGradient, INDArray[] parameterGradients, boolean needInput) {
                INDArray delta = activation == null ? outputGradient
                        : ActivationJacobian.times(activation, z, outputGradient);
                if (parameterGradients != null) {
                    parameterGradients[0] = input.transpose().mmul(delta);
                    if (bias) {
                        parameterGradients[1] = delta.sum(0).reshape(1, delta.size(1));
                    }
                }
                return needInput ? delta.mmul(w.transpose()) : null;
            }
        };
    }
}
