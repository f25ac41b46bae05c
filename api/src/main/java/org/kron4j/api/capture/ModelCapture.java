package org.kron4j.api.capture;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Everything an engine hands the optimizer for one step: one {@link LayerCapture} per layer of
 * the {@link org.kron4j.api.model.ModelSpec}, in the same order, the batch size, and the
 * model-level fields when the plan asked for them: the output Hessian, the batch loss and the
 * {@link BatchOracle}. The optimizer never learns which engine produced it.
 *
 * @param batchSize     B, the number of examples behind the gradient (≥ 1)
 * @param layers        per-layer captures in model order
 * @param outputHessian batch mean of ∂²ℓ/∂s_L², or null when not requested
 * @param batchLoss     h(θ), the batch-mean loss with the true targets at the parameters the
 *                      gradients were taken at (the function whose gradient GRADIENT is), or NaN
 *                      when not requested ({@link CaptureField#BATCH_LOSS})
 * @param oracle        exact products on this batch, or null when not requested
 *                      ({@link CaptureField#BATCH_ORACLE}); valid only until the step returns
 */
public record ModelCapture(int batchSize, List<LayerCapture> layers, INDArray outputHessian, double batchLoss,
        BatchOracle oracle) {

    public ModelCapture {
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
        }
        layers = List.copyOf(Objects.requireNonNull(layers, "layers"));
        if (oracle != null && oracle.batchSize() != batchSize) {
            throw new IllegalArgumentException("the oracle's batch has " + oracle.batchSize() + " examples, the capture's "
                    + batchSize);
        }
    }

    /** A capture without batch loss and oracle (the fields older plans ask for). */
    public ModelCapture(int batchSize, List<LayerCapture> layers, INDArray outputHessian) {
        this(batchSize, layers, outputHessian, Double.NaN, null);
    }

    public static ModelCapture of(int batchSize, List<LayerCapture> layers) {
        return new ModelCapture(batchSize, layers, null);
    }

    /** This capture with the batch loss h(θ) set. */
    public ModelCapture withBatchLoss(double loss) {
        return new ModelCapture(batchSize, layers, outputHessian, loss, oracle);
    }

    /** This capture with the batch oracle set. */
    public ModelCapture withOracle(BatchOracle batchOracle) {
        return new ModelCapture(batchSize, layers, outputHessian, batchLoss, Objects.requireNonNull(batchOracle,
                "batchOracle"));
    }

    public LayerCapture layer(int index) {
        return layers.get(index);
    }

    public Optional<INDArray> outputHessianIfPresent() {
        return Optional.ofNullable(outputHessian);
    }

    /** The batch loss, or empty when the engine did not provide it (NaN). */
    public OptionalDouble batchLossIfPresent() {
        return Double.isNaN(batchLoss) ? OptionalDouble.empty() : OptionalDouble.of(batchLoss);
    }

    public Optional<BatchOracle> oracleIfPresent() {
        return Optional.ofNullable(oracle);
    }

    /** The oracle, or an exception saying the engine must fill {@link CaptureField#BATCH_ORACLE}. */
    public BatchOracle requireOracle() {
        if (oracle == null) {
            throw new IllegalStateException("the capture lacks " + CaptureField.BATCH_ORACLE
                    + "; the engine must fill every field of the step plan");
        }
        return oracle;
    }
}
