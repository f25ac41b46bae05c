package org.kron4j.api.capture;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Everything an engine hands the optimizer for one step: one {@link LayerCapture} per layer of
 * the {@link org.kron4j.api.model.ModelSpec}, in the same order, the batch size, and the
 * model-level output Hessian when the plan asked for it. The optimizer never learns which engine
 * produced it.
 *
 * @param batchSize     B, the number of examples behind the gradient (≥ 1)
 * @param layers        per-layer captures in model order
 * @param outputHessian batch mean of ∂²ℓ/∂s_L², or null when not requested
 */
public record ModelCapture(int batchSize, List<LayerCapture> layers, INDArray outputHessian) {

    public ModelCapture {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        }
        layers = List.copyOf(Objects.requireNonNull(layers, "layers"));
    }

    public static ModelCapture of(int batchSize, List<LayerCapture> layers) {
        return new ModelCapture(batchSize, layers, null);
    }

    public LayerCapture layer(int index) {
        return layers.get(index);
    }

    public Optional<INDArray> outputHessianIfPresent() {
        return Optional.ofNullable(outputHessian);
    }
}
