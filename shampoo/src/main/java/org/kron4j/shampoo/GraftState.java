package org.kron4j.shampoo;

import java.util.List;
import org.kron4j.api.optim.transform.ParameterSlot;
import org.kron4j.api.optim.transform.ScaleByAdaGrad;
import org.kron4j.api.optim.transform.ScaleByAdam;
import org.kron4j.api.optim.transform.TransformChain;
import org.kron4j.api.optim.transform.UpdateContext;
import org.kron4j.api.optim.transform.UpdateTransform;
import org.kron4j.api.store.FactorStore;
import org.kron4j.api.store.StateTransaction;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The grafted first-order method of one layer (see {@link Grafting}): kron4j's first-order
 * transforms with their accumulators in the factor store — {@link ScaleByAdaGrad} keeps Σg²
 * ("graft.sum"), {@link ScaleByAdam} in its direction form the two moments ("graft.m",
 * "graft.v"), each of the gradient's shape; SGD and none keep nothing. Each transform does one
 * ND4J element-wise operation per arithmetic operation, in the order of the {@link Grafting}
 * javadoc, so it can be replayed exactly in plain Java.
 */
final class GraftState {
    private static final String PREFIX = "graft.";

    private final Grafting method;
    private final TransformChain chain;

    GraftState(FactorStore store, String block, long[] shape, ShampooConfig config) {
        this.method = config.grafting();
        List<ParameterSlot> slot = List.of(new ParameterSlot(block, shape));
        UpdateTransform transform = switch (method) {
            case ADAGRAD -> new ScaleByAdaGrad(store, slot, PREFIX, config.graftEpsilon());
            case ADAM -> ScaleByAdam.direction(store, slot, PREFIX, config.graftBeta1(), config.graftBeta2(),
                    config.graftEpsilon());
            default -> null;
        };
        this.chain = transform == null ? null : TransformChain.of(transform);
    }

    Grafting method() {
        return method;
    }

    /**
     * Updates the accumulators with this step's gradient and returns the grafted direction.
     *
     * @param gradient g, in the storage precision; not modified
     * @param t           the 1-based number of this step (Adam's bias correction)
     * @param transaction where the accumulators' new values go
     * @return a new array
     */
    INDArray direction(INDArray gradient, long t, StateTransaction transaction) {
        if (chain == null) {
            return gradient.dup();
        }
        UpdateContext context = UpdateContext.builder(t - 1, List.of(gradient)).stagingInto(transaction).build();
        return chain.run(context).updates().get(0);
    }
}
