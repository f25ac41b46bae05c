package org.kron4j.api.optim.transform;

import java.util.ArrayList;
import java.util.List;
import org.kron4j.api.store.FactorStore;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Adam's scaling (Kingma and Ba 2015) with bias correction: m ← β₁m + (1−β₁)u,
 * v ← β₂v + (1−β₂)u², m̂ = m/c₁, v̂ = v/c₂ with c_i = 1 − β_iᵗ and t = step + 1 (the context's
 * step index plus one). Two forms, each one ND4J element-wise operation per arithmetic operation
 * in the order written:
 * <ul>
 *   <li>{@link #direction}: output (m / c₁) / (√(v / c₂) + ε), a direction (Shampoo's grafting);</li>
 *   <li>{@link #update}: output m / (√(v / c₂) + ε) · (−η / c₁), the parameter change with the
 *       bias correction folded into the scalar (one element-wise pass fewer; η the context's
 *       learning rate, so no {@link ScaleByLearningRate} follows).</li>
 * </ul>
 * Memory: two moment arrays of the gradient's shape per slot, roles "{prefix}m" and "{prefix}v".
 */
public final class ScaleByAdam implements UpdateTransform {
    private final double beta1;
    private final double beta2;
    private final double epsilon;
    private final boolean emitsUpdate;
    private final SlotState first;
    private final SlotState second;

    private ScaleByAdam(FactorStore store, List<ParameterSlot> slots, String prefix, double beta1, double beta2,
            double epsilon, boolean emitsUpdate) {
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1) || !(epsilon > 0)) {
            throw new IllegalArgumentException("need beta1 and beta2 in [0, 1), epsilon > 0; got " + beta1 + ", "
                    + beta2 + ", " + epsilon);
        }
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        this.emitsUpdate = emitsUpdate;
        this.first = new SlotState(store, slots, prefix + "m");
        this.second = new SlotState(store, slots, prefix + "v");
    }

    /** The form that outputs the direction m̂ / (√v̂ + ε). */
    public static ScaleByAdam direction(FactorStore store, List<ParameterSlot> slots, String prefix, double beta1,
            double beta2, double epsilon) {
        return new ScaleByAdam(store, slots, prefix, beta1, beta2, epsilon, false);
    }

    /** The form that outputs the parameter change −η m̂ / (√v̂ + ε). */
    public static ScaleByAdam update(FactorStore store, List<ParameterSlot> slots, String prefix, double beta1,
            double beta2, double epsilon) {
        return new ScaleByAdam(store, slots, prefix, beta1, beta2, epsilon, true);
    }

    @Override
    public List<INDArray> update(List<INDArray> updates, UpdateContext context) {
        first.checkCount(updates, name());
        long t = context.step() + 1;
        double c1 = 1.0 - Math.pow(beta1, t);
        double c2 = 1.0 - Math.pow(beta2, t);
        List<INDArray> result = new ArrayList<>(updates.size());
        for (int i = 0; i < updates.size(); i++) {
            INDArray g = updates.get(i);
            INDArray m = first.value(i).mul(beta1).addi(g.mul(1.0 - beta1));
            INDArray v = second.value(i).mul(beta2).addi(g.mul(g).muli(1.0 - beta2));
            context.stage(first.get(i), m);
            context.stage(second.get(i), v);
            INDArray denominator = Transforms.sqrt(v.div(c2), false).addi(epsilon);
            result.add(emitsUpdate ? m.div(denominator).muli(-context.learningRate() / c1)
                    : m.div(c1).divi(denominator));
        }
        return result;
    }

    @Override
    public String name() {
        return "adam(β₁=" + beta1 + ", β₂=" + beta2 + ", ε=" + epsilon + (emitsUpdate ? ", update)" : ")");
    }
}
