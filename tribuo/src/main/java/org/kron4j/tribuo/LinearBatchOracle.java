package org.kron4j.tribuo;

import java.util.Arrays;
import java.util.List;
import org.kron4j.api.capture.BatchOracle;
import org.kron4j.api.model.Loss;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The {@link BatchOracle} of a linear model s = W ā on one minibatch (the Tribuo trainers' model,
 * one dense layer, W m×(n+1) with the bias last): h(θ) = (1/B) Σ_i ℓ(W ā_i, y_i) with kron4j's
 * {@link Loss}, the objective whose gradient is o − y per example, as Tribuo's for LogMulticlass
 * and SquaredLoss.
 *
 * <p>For one layer the Gauss-Newton product needs no pass through a network: with u_i = V ā_i,
 * G v = (1/B) Σ_i (H_i u_i) ā_iᵀ, i.e. (1/B) (H U)ᵀ Ā with U = Ā Vᵀ; the Gram entries are
 * (1/B) Σ_i u_{a,i}ᵀ H_i u_{b,i}. Everything in DOUBLE. Holds copies of the batch and of W, so it
 * answers for the parameters of its step whatever Tribuo does afterwards.
 */
final class LinearBatchOracle implements BatchOracle {
    private final Loss loss;
    private final INDArray augmented;
    private final INDArray targets;
    private final INDArray weights;
    private final INDArray predictions;
    private final long[] shape;

    /**
     * @param loss      kron4j's loss
     * @param augmented Ā, B×(n+1), the inputs with the bias feature 1 last
     * @param targets   Y, B×m
     * @param weights   W, m×(n+1) (copied)
     */
    LinearBatchOracle(Loss loss, INDArray augmented, INDArray targets, INDArray weights) {
        this.loss = loss;
        this.augmented = augmented.castTo(DataType.DOUBLE);
        this.targets = targets.castTo(DataType.DOUBLE);
        this.weights = weights.castTo(DataType.DOUBLE).dup();
        this.shape = this.weights.shape();
        this.predictions = loss.predictions(logits(this.weights));
    }

    @Override
    public int batchSize() {
        return (int) augmented.rows();
    }

    @Override
    public double loss() {
        return loss.meanLoss(logits(weights), targets);
    }

    @Override
    public double lossAt(List<INDArray> delta) {
        return loss.meanLoss(logits(weights.add(part(delta))), targets);
    }

    @Override
    public List<INDArray> gaussNewtonTimes(List<INDArray> vector) {
        INDArray hu = loss.hessianTimes(predictions, augmented.mmul(part(vector).transpose()));
        return List.of(hu.transpose().mmul(augmented).divi(batchSize()));
    }

    @Override
    public double[][] gaussNewtonGram(List<List<INDArray>> vectors) {
        int n = vectors.size();
        INDArray[] u = new INDArray[n];
        for (int a = 0; a < n; a++) {
            u[a] = augmented.mmul(part(vectors.get(a)).transpose());
        }
        double[][] gram = new double[n][n];
        for (int b = 0; b < n; b++) {
            INDArray hu = loss.hessianTimes(predictions, u[b]);
            for (int a = 0; a <= b; a++) {
                double value = u[a].mul(hu).sumNumber().doubleValue() / batchSize();
                gram[a][b] = value;
                gram[b][a] = value;
            }
        }
        return gram;
    }

    private INDArray logits(INDArray w) {
        return augmented.mmul(w.transpose());
    }

    private INDArray part(List<INDArray> vector) {
        if (vector.size() != 1) {
            throw new IllegalArgumentException("a linear model has one layer, got " + vector.size() + " arrays");
        }
        INDArray v = vector.get(0);
        if (v.length() != shape[0] * shape[1]) {
            throw new IllegalArgumentException("expected shape " + Arrays.toString(shape) + ", got "
                    + Arrays.toString(v.shape()));
        }
        return v.castTo(DataType.DOUBLE).reshape(shape);
    }
}
