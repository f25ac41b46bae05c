package org.kron4j.spark;

import java.util.ArrayList;
import java.util.List;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.model.ModelSpec;

/**
 * The array bytes a {@link SparkKfacTrainer} step of K-FAC moves, on paper (spark/README.md
 * derives it; {@code CommunicationVolumeTest} checks it against a run's counted bytes). For
 * Kronecker blocks of gradient shape m_l × (n_l + 1), with P = Σ m_l(n_l + 1) parameters and
 * F = Σ (n_l + 1)² + m_l² factor entries, N workers, e bytes per engine element (4 for float32)
 * and s bytes per statistics element (the storage precision, float32 by default):
 *
 * <ul>
 *   <li>every step: parameters down, gradient sums up: {@code N·e·P} each way;</li>
 *   <li>statistics steps (every tCov): the factor sums up: {@code N·s·F};</li>
 *   <li>adaptive K-FAC: the Gram job sends c ≤ 2 candidates down ({@code N·e·c·P}; 8c² bytes up per
 *       worker), and every dampingInterval steps the loss job one displacement ({@code N·e·P});</li>
 *   <li>refresh steps (every tInv): the optimizer state S (factors, decompositions, momentum) to
 *       the G decomposition workers ({@code G·S}) and the decompositions back (D), and the state once
 *       more to all N workers before the next statistics step ({@code N·S}) for the variants that
 *       collect in the refreshed basis.</li>
 * </ul>
 *
 * @param parameters    P
 * @param factorEntries F
 */
public record CommunicationModel(long parameters, long factorEntries) {

    /** The model of a network's Kronecker blocks (gradient shapes m × (n+1)). */
    public static CommunicationModel of(ModelSpec model) {
        List<long[]> shapes = new ArrayList<>();
        for (LayerSpec layer : model.layers()) {
            shapes.add(layer.gradientShape());
        }
        return ofShapes(shapes);
    }

    /** The model of blocks given as {m, n + 1} pairs. */
    public static CommunicationModel ofShapes(List<long[]> shapes) {
        long p = 0;
        long f = 0;
        for (long[] s : shapes) {
            if (s.length != 2) {
                throw new IllegalArgumentException("a Kronecker block has a 2-d gradient shape, got " + s.length
                        + " dimensions");
            }
            p += s[0] * s[1];
            f += s[0] * s[0] + s[1] * s[1];
        }
        return new CommunicationModel(p, f);
    }

    /** Bytes down of a plain step: the parameters to every worker. */
    public long stepDown(int workers, int elementBytes) {
        return (long) workers * elementBytes * parameters;
    }

    /** Bytes up of a step: the gradient sums, plus the factor sums on statistics steps. */
    public long stepUp(int workers, int elementBytes, int statisticsBytes, boolean statistics) {
        return (long) workers * ((long) elementBytes * parameters + (statistics ? (long) statisticsBytes * factorEntries
                : 0));
    }

    /**
     * Mean bytes per step, both directions, of fixed-damping K-FAC with statistics every tCov and
     * refreshes every tInv steps, the state of S bytes and the decompositions of D bytes.
     */
    public double meanPerStep(int workers, int elementBytes, int statisticsBytes, int tCov, int tInv,
            int refreshWorkers, long stateBytes, long decompositionBytes) {
        double base = 2.0 * workers * elementBytes * parameters
                + (double) workers * statisticsBytes * factorEntries / tCov;
        double refresh = (double) workers * stateBytes
                + (refreshWorkers > 0 ? (double) refreshWorkers * stateBytes + decompositionBytes : 0);
        return base + refresh / tInv;
    }
}
