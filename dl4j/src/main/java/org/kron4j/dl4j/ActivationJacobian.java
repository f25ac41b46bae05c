package org.kron4j.dl4j;

import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The Jacobian of a DL4J activation at z applied to a vector: {@code IActivation.backprop}(z, t),
 * which is Jᵀ t and equals J t because every DL4J activation's Jacobian is symmetric (diagonal for
 * element-wise activations, diag(p) − ppᵀ for softmax). So one method serves forward and backward
 * mode.
 */
final class ActivationJacobian {
    private ActivationJacobian() {
    }

    /** J(z) t, a new array; z and t are not modified. */
    static INDArray times(IActivation activation, INDArray z, INDArray t) {
        return activation.backprop(z.dup(), t.dup()).getFirst();
    }
}
