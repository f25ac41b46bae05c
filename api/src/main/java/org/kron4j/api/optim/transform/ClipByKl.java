package org.kron4j.api.optim.transform;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The KL norm constraint (Ba, Grosse and Martens 2017): d ← ν d with
 * ν = min(1, √(κ / (η² Σ dᵀg))), g the input of {@link PreconditionByCurvature} (which must run
 * before) and η the context's learning rate; ν = 1 when κ = 0 or Σ dᵀg is not positive and
 * finite. Leaves ν under {@link #SCALE}. Stateless.
 */
public final class ClipByKl implements UpdateTransform {

    /** The factor ν this step applied. */
    public static final ContextKey<Double> SCALE = ContextKey.of("kl scale", Double.class);

    private final double klClip;

    /** @param klClip κ ≥ 0; 0 disables the constraint */
    public ClipByKl(double klClip) {
        if (!(klClip >= 0) || Double.isInfinite(klClip)) {
            throw new IllegalArgumentException("klClip must be in [0, ∞), got " + klClip);
        }
        this.klClip = klClip;
    }

    @Override
    public List<INDArray> update(List<INDArray> updates, UpdateContext context) {
        double scale = scale(updates, context);
        context.put(SCALE, scale);
        if (scale == 1.0) {
            return updates;
        }
        List<INDArray> result = new ArrayList<>(updates.size());
        for (INDArray update : updates) {
            result.add(update.mul(scale));
        }
        return result;
    }

    private double scale(List<INDArray> directions, UpdateContext context) {
        if (klClip == 0) {
            return 1.0;
        }
        List<INDArray> gradients = context.get(PreconditionByCurvature.INPUT).orElseThrow(
                () -> new IllegalStateException("ClipByKl needs PreconditionByCurvature earlier in the chain"));
        double inner = 0;
        for (int i = 0; i < directions.size(); i++) {
            inner += directions.get(i).mul(gradients.get(i)).sumNumber().doubleValue();
        }
        double learningRate = context.learningRate();
        double quadratic = learningRate * learningRate * inner;
        if (!(quadratic > 0) || !Double.isFinite(quadratic)) {
            return 1.0;
        }
        return Math.min(1.0, Math.sqrt(klClip / quadratic));
    }

    @Override
    public String name() {
        return "klClip(" + klClip + ")";
    }
}
