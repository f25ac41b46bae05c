package org.kron4j.cli.soak;

import java.util.List;
import java.util.function.ToLongFunction;

/**
 * A variant's memory trend over a soak: least-squares slopes, in bytes per 1000 steps, of each
 * counter over the samples from the warm-up on (the first allocations, JIT compilation and the
 * factor store filling up are not a leak).
 *
 * @param variant       the method's label
 * @param samples       samples the slopes use
 * @param fromStep      the first step they cover
 * @param toStep        the last
 * @param rss           slope of the resident set
 * @param physical      slope of JavaCPP's physical bytes
 * @param javacpp       slope of JavaCPP's counted bytes
 * @param store         slope of the factor store's bytes
 * @param heap          slope of the Java heap in use
 * @param msPerStep     mean wall time of a step over those samples
 */
public record SoakSummary(String variant, int samples, long fromStep, long toStep, double rss, double physical,
        double javacpp, double store, double heap, double msPerStep) {

    /** The slopes over the samples at or after {@code warmUpSteps}; all samples when fewer than 2 remain. */
    public static SoakSummary of(String variant, List<MemorySample> all, long warmUpSteps) {
        List<MemorySample> used = all.stream().filter(s -> s.step() >= warmUpSteps).toList();
        if (used.size() < 2) {
            used = all;
        }
        double[] steps = used.stream().mapToDouble(MemorySample::step).toArray();
        MemorySample first = used.get(0);
        MemorySample last = used.get(used.size() - 1);
        double ms = last.step() > first.step() ? (last.seconds() - first.seconds()) * 1e3 / (last.step() - first.step())
                : Double.NaN;
        return new SoakSummary(variant, used.size(), first.step(), last.step(), perThousand(steps, used,
                MemorySample::rssBytes), perThousand(steps, used, MemorySample::physicalBytes),
                perThousand(steps, used, MemorySample::javacppBytes), perThousand(steps, used, MemorySample::storeBytes),
                perThousand(steps, used, MemorySample::heapBytes), ms);
    }

    private static double perThousand(double[] steps, List<MemorySample> used, ToLongFunction<MemorySample> counter) {
        double[] values = used.stream().mapToDouble(s -> (double) counter.applyAsLong(s)).toArray();
        return 1000 * Slope.leastSquares(steps, values);
    }
}
