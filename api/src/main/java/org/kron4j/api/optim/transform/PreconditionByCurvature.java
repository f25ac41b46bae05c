package org.kron4j.api.optim.transform;

import java.util.List;
import org.kron4j.api.support.NdArrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * u ← C⁻¹u through the context's {@link org.kron4j.api.CurvatureEstimator} at the context's
 * current damping. Leaves its input under {@link #INPUT} (the norm constraint needs uᵀC⁻¹u).
 * Rejects the step when a preconditioned direction is not finite (finite input, too little
 * damping): nothing staged by this chain is applied. Stateless itself; the blocks' own state is
 * the estimator's.
 *
 * <p>Transactions: the estimator gets the context as its
 * {@link org.kron4j.api.store.StateTransaction}, so blocks with per-step state (Shampoo's grafting
 * accumulators and step counter) stage their changes with the chain's: a later rejection leaves
 * them as they were too.
 */
public final class PreconditionByCurvature implements UpdateTransform {

    /** The updates this stage preconditioned (the regularised gradient in the driver's chain). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    public static final ContextKey<List<INDArray>> INPUT = ContextKey.of("preconditioner input", (Class) List.class);

    private final double dampingOffset;

    /** Preconditions at the context's damping λ. */
    public PreconditionByCurvature() {
        this(0.0);
    }

    /**
     * Preconditions at λ + {@code dampingOffset}: adaptive K-FAC ties the factors' damping to
     * γ = λ + η, η the weight decay (as kfac-jax does).
     */
    public PreconditionByCurvature(double dampingOffset) {
        if (!(dampingOffset >= 0) || Double.isInfinite(dampingOffset)) {
            throw new IllegalArgumentException("dampingOffset must be in [0, ∞), got " + dampingOffset);
        }
        this.dampingOffset = dampingOffset;
    }

    @Override
    public List<INDArray> update(List<INDArray> updates, UpdateContext context) {
        List<INDArray> directions = context.estimator().precondition(updates, context.damping() + dampingOffset,
                context);
        for (int i = 0; i < directions.size(); i++) {
            if (!NdArrays.isFinite(directions.get(i))) {
                String layer = context.estimator().blocks().get(i).layer().name();
                context.reject("layer '" + layer + "': the preconditioned direction is not finite "
                        + "(overflow; consider a larger damping); update withheld, momentum untouched, "
                        + "this step's finite statistics kept");
                return updates;
            }
        }
        context.put(INPUT, updates);
        return directions;
    }

    @Override
    public String name() {
        return dampingOffset == 0 ? "precondition" : "precondition(λ+" + dampingOffset + ")";
    }
}
