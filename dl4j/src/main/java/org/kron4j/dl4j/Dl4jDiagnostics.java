package org.kron4j.dl4j;

import java.util.Map;
import org.kron4j.api.DampingInUse;

/**
 * What an attached kron4j optimizer has done so far: a snapshot, cheap to take.
 *
 * @param iterations        DL4J iterations the listener saw (each one a kron4j step attempt)
 * @param appliedSteps      steps whose preconditioned direction replaced DL4J's gradient
 * @param skippedSteps      steps the guards refused (non-finite gradient or statistics): DL4J's
 *                          gradient was zeroed, the optimizer's state left unchanged
 * @param statisticsSteps   steps on which the statistics pass ran and statistics were absorbed
 * @param refreshSteps      steps on which decompositions were refreshed
 * @param lastKlScale       the KL-clip factor of the last applied step (NaN before the first)
 * @param lastSkipReason    why the last skipped step was skipped; null when none was
 * @param statisticsNanos   total wall time spent building captures (mapping, statistics pass)
 * @param optimizerNanos    total wall time spent in {@code KroneckerOptimizer.step} and writing back
 * @param storeBytes        bytes the optimizer's factor store holds now
 * @param dampingInUse      per layer (kron4j layer name, model order), the damping its block really
 *                          applies after any raise by the store's fallback chain; layers whose block
 *                          reports none (before the first step, Shampoo, pass-through) are absent
 */
public record Dl4jDiagnostics(long iterations, long appliedSteps, long skippedSteps, long statisticsSteps,
        long refreshSteps, double lastKlScale, String lastSkipReason, long statisticsNanos, long optimizerNanos,
        long storeBytes, Map<String, DampingInUse> dampingInUse) {

    public Dl4jDiagnostics {
        dampingInUse = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(dampingInUse));
    }

    /** True when the store raised some layer's damping above the optimizer's. */
    public boolean dampingRaised() {
        return dampingInUse.values().stream().anyMatch(DampingInUse::raised);
    }

    /** Mean wall time kron4j added per DL4J iteration, in milliseconds (NaN before the first). */
    public double overheadMillisPerIteration() {
        return iterations == 0 ? Double.NaN : (statisticsNanos + optimizerNanos) / 1e6 / iterations;
    }
}
