package org.kron4j.dl4j;

import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Layers without trained parameters of their own that the oracle goes through without
 * im2col or batch statistics: ActivationLayer (y = f(x), Jacobian as {@link ActivationJacobian}),
 * DropoutLayer (the identity: the oracle's objective has no dropout) and layers at or below a
 * FrozenLayer (DL4J's inference forward; nothing below them is trained, so no tangent or
 * gradient ever reaches them).
 */
final class TransparentOracleLayer implements OracleLayer {
    private final NetworkModel.Dl4jLayer layer;
    private final LayerWorkspaceMgr workspaces = LayerWorkspaceMgr.noWorkspaces();

    TransparentOracleLayer(NetworkModel.Dl4jLayer layer) {
        this.layer = layer;
    }

    @Override
    public Step forward(INDArray input, INDArray[] params) {
        INDArray out = switch (layer.role()) {
            case ACTIVATION -> layer.activation().getActivation(input.dup(), false);
            case DROPOUT -> input;
            default -> layer.layer().activate(input, false, workspaces);
        };
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
                return switch (layer.role()) {
                    case ACTIVATION -> ActivationJacobian.times(layer.activation(), input, inputTangent);
                    case DROPOUT -> inputTangent;
                    default -> throw new IllegalStateException("unreachable: " + layer.describe()
                            + " is below every trained layer");
                };
            }

            @Override
            public INDArray backward(INDArray outputGradient, INDArray[] parameterGradients, boolean needInput) {
                return switch (layer.role()) {
                    case ACTIVATION -> ActivationJacobian.times(layer.activation(), input, outputGradient);
                    case DROPOUT -> outputGradient;
                    default -> throw new IllegalStateException("unreachable: " + layer.describe()
                            + " is below every trained layer");
                };
            }
        };
    }
}
