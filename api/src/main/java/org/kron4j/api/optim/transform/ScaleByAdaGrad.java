package org.kron4j.api.optim.transform;

import java.util.ArrayList;
import java.util.List;
import org.kron4j.api.store.FactorStore;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * AdaGrad's scaling (Duchi, Hazan and Singer 2011): s ← s + u², output u / (√s + ε), one ND4J
 * element-wise operation per arithmetic operation in that order. Memory: one accumulator of the
 * gradient's shape per slot, role "{prefix}sum".
 */
public final class ScaleByAdaGrad implements UpdateTransform {
    private final double epsilon;
    private final SlotState sums;

    /**
     * @param store   where the accumulators live (zero at first)
     * @param slots   one per layer
     * @param prefix  prefix of the accumulators' role
     * @param epsilon ε &gt; 0
     */
    public ScaleByAdaGrad(FactorStore store, List<ParameterSlot> slots, String prefix, double epsilon) {
        if (!(epsilon > 0)) {
            throw new IllegalArgumentException("epsilon must be > 0, got " + epsilon);
        }
        this.epsilon = epsilon;
        this.sums = new SlotState(store, slots, prefix + "sum");
    }

    @Override
    public List<INDArray> update(List<INDArray> updates, UpdateContext context) {
        sums.checkCount(updates, name());
        List<INDArray> result = new ArrayList<>(updates.size());
        for (int i = 0; i < updates.size(); i++) {
            INDArray u = updates.get(i);
            INDArray sum = sums.value(i).add(u.mul(u));
            context.stage(sums.get(i), sum);
            result.add(u.div(Transforms.sqrt(sum, true).addi(epsilon)));
        }
        return result;
    }

    @Override
    public String name() {
        return "adagrad(ε=" + epsilon + ")";
    }
}
