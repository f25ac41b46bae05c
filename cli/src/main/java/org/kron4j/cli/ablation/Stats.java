package org.kron4j.cli.ablation;

import java.util.Arrays;
import java.util.Collection;
import java.util.function.ToDoubleFunction;

/** Medians for reports: NaN-free input expected (callers map "not reached" to +∞). */
public final class Stats {
    private Stats() {
    }

    /** The median; the mean of the two middle values for an even count (+∞ if either is). */
    public static double median(double[] values) {
        if (values.length == 0) {
            return Double.NaN;
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        if (sorted.length % 2 == 1) {
            return sorted[mid];
        }
        double a = sorted[mid - 1];
        double b = sorted[mid];
        return Double.isInfinite(a) || Double.isInfinite(b) ? Math.max(a, b) : (a + b) / 2;
    }

    public static <T> double median(Collection<T> items, ToDoubleFunction<T> value) {
        return median(items.stream().mapToDouble(value).toArray());
    }
}
