package org.kron4j.shampoo;

import org.kron4j.api.store.FactorStore;
import org.kron4j.api.store.StateArray;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The grafted first-order method of one layer (see {@link Grafting}) with its accumulators in the
 * factor store: AdaGrad keeps Σg² ("graft.sum"), Adam its two moments ("graft.m", "graft.v"), each
 * of the gradient's shape; SGD and none keep nothing. Every formula is one ND4J element-wise
 * operation per arithmetic operation, in the order of the {@link Grafting} javadoc, so it can be
 * replayed exactly in plain Java.
 */
final class GraftState {
    private final Grafting method;
    private final double beta1;
    private final double beta2;
    private final double epsilon;
    private final StateArray first;
    private final StateArray second;

    GraftState(FactorStore store, String block, long[] shape, ShampooConfig config) {
        this.method = config.grafting();
        this.beta1 = config.graftBeta1();
        this.beta2 = config.graftBeta2();
        this.epsilon = config.graftEpsilon();
        switch (method) {
            case ADAGRAD -> {
                first = store.array(block, "graft.sum", shape);
                second = null;
            }
            case ADAM -> {
                first = store.array(block, "graft.m", shape);
                second = store.array(block, "graft.v", shape);
            }
            default -> {
                first = null;
                second = null;
            }
        }
    }

    Grafting method() {
        return method;
    }

    /**
     * Updates the accumulators with this step's gradient and returns the grafted direction.
     *
     * @param gradient g, in the storage precision; not modified
     * @param t        the 1-based number of this step (Adam's bias correction)
     * @return a new array
     */
    INDArray direction(INDArray gradient, long t) {
        switch (method) {
            case ADAGRAD -> {
                INDArray sum = first.value().addi(gradient.mul(gradient));
                return gradient.div(Transforms.sqrt(sum, true).addi(epsilon));
            }
            case ADAM -> {
                INDArray m = first.value().muli(beta1).addi(gradient.mul(1.0 - beta1));
                INDArray v = second.value().muli(beta2).addi(gradient.mul(gradient).muli(1.0 - beta2));
                double c1 = 1.0 - Math.pow(beta1, t);
                double c2 = 1.0 - Math.pow(beta2, t);
                INDArray denominator = Transforms.sqrt(v.div(c2), false).addi(epsilon);
                return m.div(c1).divi(denominator);
            }
            default -> {
                return gradient.dup();
            }
        }
    }
}
