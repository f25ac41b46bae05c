package org.kron4j.api.optim.transform;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.kron4j.api.capture.CaptureField;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.support.NdArrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.INDArrayIndex;

/**
 * L2 weight decay: u ← u + wd·θ, with θ the captured parameters in u's precision and the
 * layer's {@link LayerSpec#notDecayed()} regions excluded (a dense layer's bias column). With wd = 0 the updates pass through
 * unchanged and no parameters are requested. Needs the context's model and capture. Stateless.
 */
public final class AddWeightDecay implements UpdateTransform {
    private final double weightDecay;

    /** @param weightDecay wd ≥ 0 */
    public AddWeightDecay(double weightDecay) {
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("weightDecay must be in [0, ∞), got " + weightDecay);
        }
        this.weightDecay = weightDecay;
    }

    @Override
    public List<INDArray> update(List<INDArray> updates, UpdateContext context) {
        if (weightDecay == 0) {
            return updates;
        }
        List<INDArray> result = new ArrayList<>(updates.size());
        for (int i = 0; i < updates.size(); i++) {
            INDArray update = updates.get(i);
            LayerSpec layer = context.model().layer(i);
            INDArray decay = NdArrays.copyAs(context.capture().layer(i).require(CaptureField.PARAMETERS),
                    update.dataType()).muli(weightDecay);
            for (INDArrayIndex[] region : layer.notDecayed()) {
                decay.get(region).assign(0.0);
            }
            result.add(decay.addi(update));
        }
        return result;
    }

    @Override
    public Set<CaptureField> requiredFields() {
        return weightDecay > 0 ? Set.of(CaptureField.PARAMETERS) : Set.of();
    }

    @Override
    public String name() {
        return "weightDecay(" + weightDecay + ")";
    }
}
