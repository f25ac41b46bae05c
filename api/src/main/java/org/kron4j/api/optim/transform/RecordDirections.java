package org.kron4j.api.optim.transform;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Leaves the updates as they are at this point of the chain under {@link #DIRECTIONS} and passes
 * them on: the driver reports the preconditioned, clipped direction (before momentum and the
 * learning rate) to engines that apply their own. Stateless.
 */
public final class RecordDirections implements UpdateTransform {

    /** The updates as this stage saw them. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static final ContextKey<List<INDArray>> DIRECTIONS = ContextKey.of("directions", (Class) List.class);

    @Override
    public List<INDArray> update(List<INDArray> updates, UpdateContext context) {
        context.put(DIRECTIONS, updates);
        return updates;
    }

    @Override
    public String name() {
        return "recordDirections";
    }
}
