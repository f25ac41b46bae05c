package org.kron4j.api.store;

import org.kron4j.api.support.NdArrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The moving average every block keeps its statistics with: the k-th batch (k = 1, 2, …) is
 * folded in as F ← (1 − w) F + w M with w = max(1 − β, 1/k) and M the batch mean (sum / count).
 * The first batch therefore sets F = M (no bias towards zero), the first 1/(1 − β) batches are
 * averaged uniformly, and β = 1 keeps the exact running mean. Used by {@link SymmetricFactor},
 * EKFAC's scalings and Shampoo's diagonal statistics.
 */
public final class MovingAverage {
    private MovingAverage() {
    }

    /**
     * The weight w = max(1 − β, 1/k) of the k-th batch.
     *
     * @param decay β in (0, 1]
     * @param k     the 1-based index of the batch being folded in
     */
    public static double weight(double decay, double k) {
        return Math.max(1.0 - decay, 1.0 / k);
    }

    /**
     * Folds one batch in place: average ← (1 − w)·average + (w / count)·sum, with the sum first
     * copied into the average's type. Call inside {@link NdArrays#detached} when the caller may run
     * in a workspace.
     *
     * @param average the running average, modified
     * @param sum     the batch's sum of terms, any floating type, same shape; not modified
     * @param count   the number of terms behind the sum (&gt; 0)
     * @param weight  w, from {@link #weight}
     */
    public static void fold(INDArray average, INDArray sum, double count, double weight) {
        INDArray mean = NdArrays.copyAs(sum, average.dataType()).muli(weight / count);
        average.muli(1.0 - weight).addi(mean);
    }
}
