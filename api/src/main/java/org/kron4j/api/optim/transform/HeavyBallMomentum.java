package org.kron4j.api.optim.transform;

import java.util.ArrayList;
import java.util.List;
import org.kron4j.api.store.FactorStore;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Heavy-ball momentum (Polyak 1964): v ← μ v + u, output v. Followed by
 * {@link ScaleByLearningRate} it is SGD with momentum, θ ← θ − η v. Memory: one buffer of the
 * gradient's shape per slot, in the store under the given role (the driver's: "momentum").
 */
public final class HeavyBallMomentum implements UpdateTransform {
    private final double momentum;
    private final SlotState velocity;

    /**
     * @param store    where the velocity buffers live (zero at first)
     * @param slots    one per layer
     * @param role     the buffers' role in the store
     * @param momentum μ in [0, 1)
     */
    public HeavyBallMomentum(FactorStore store, List<ParameterSlot> slots, String role, double momentum) {
        if (!(momentum >= 0 && momentum < 1)) {
            throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
        }
        this.momentum = momentum;
        this.velocity = new SlotState(store, slots, role);
    }

    @Override
    public List<INDArray> update(List<INDArray> updates, UpdateContext context) {
        velocity.checkCount(updates, name());
        List<INDArray> result = new ArrayList<>(updates.size());
        for (int i = 0; i < updates.size(); i++) {
            INDArray next = velocity.value(i).mul(momentum).addi(updates.get(i));
            context.stage(velocity.get(i), next);
            result.add(next);
        }
        return result;
    }

    @Override
    public String name() {
        return "heavyBall(" + momentum + ")";
    }
}
