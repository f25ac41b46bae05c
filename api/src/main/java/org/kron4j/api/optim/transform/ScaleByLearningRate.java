package org.kron4j.api.optim.transform;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * u ← −η u with η the context's learning rate: turns a descent direction into the parameter
 * change Δθ to add (the sign is included). Stateless.
 */
public final class ScaleByLearningRate implements UpdateTransform {

    @Override
    public List<INDArray> update(List<INDArray> updates, UpdateContext context) {
        double learningRate = context.learningRate();
        List<INDArray> result = new ArrayList<>(updates.size());
        for (INDArray update : updates) {
            result.add(update.mul(-learningRate));
        }
        return result;
    }

    @Override
    public String name() {
        return "learningRate";
    }
}
