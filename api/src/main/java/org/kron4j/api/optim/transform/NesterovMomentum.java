package org.kron4j.api.optim.transform;

import java.util.ArrayList;
import java.util.List;
import org.kron4j.api.store.FactorStore;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * SGD with Nesterov momentum in DL4J's formulation ({@code Nesterovs}), learning rate included:
 * v ← μ v − η u, output Δθ = −μ v_prev + (1 + μ) v, η the context's learning rate. Its output is
 * already the parameter change: no {@link ScaleByLearningRate} follows it. Memory: one velocity
 * buffer of the gradient's shape per slot, role "{prefix}velocity".
 */
public final class NesterovMomentum implements UpdateTransform {
    private final double momentum;
    private final SlotState velocity;

    /**
     * @param store    where the velocity buffers live (zero at first)
     * @param slots    one per layer
     * @param prefix   prefix of the buffers' role
     * @param momentum μ in [0, 1)
     */
    public NesterovMomentum(FactorStore store, List<ParameterSlot> slots, String prefix, double momentum) {
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        }
        this.momentum = momentum;
        this.velocity = new SlotState(store, slots, prefix + "velocity");
    }

    @Override
    public List<INDArray> update(List<INDArray> updates, UpdateContext context) {
        velocity.checkCount(updates, name());
        double learningRate = context.learningRate();
        List<INDArray> result = new ArrayList<>(updates.size());
        for (int i = 0; i < updates.size(); i++) {
            INDArray v = velocity.value(i);
            INDArray previous = v.mul(momentum);
            INDArray next = v.mul(momentum).subi(updates.get(i).mul(learningRate));
            context.stage(velocity.get(i), next);
            result.add(next.mul(1.0 + momentum).subi(previous));
        }
        return result;
    }

    @Override
    public String name() {
        return "nesterov(" + momentum + ")";
    }
}
