package org.kron4j.api.store;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How the store's refreshes went, counted per outcome since the store was created (not part of
 * the checkpointed state: these are diagnostics). Read them after a step to learn whether any
 * decomposition needed a fallback.
 */
public final class DecompositionCounters {
    private final Map<RefreshOutcome, AtomicLong> counts = new EnumMap<>(RefreshOutcome.class);

    DecompositionCounters() {
        for (RefreshOutcome outcome : RefreshOutcome.values()) {
            counts.put(outcome, new AtomicLong());
        }
    }

    /**
     * Counts one refresh outcome. The store's factors record their own; variants that decompose
     * by other means (Shampoo's coupled Newton iteration) record theirs so every failure shows here.
     */
    public void record(RefreshOutcome outcome) {
        counts.get(outcome).incrementAndGet();
    }

    public long count(RefreshOutcome outcome) {
        return counts.get(outcome).get();
    }

    /** Refreshes that ended with a decomposition other than the one asked for (kept last good, or none). */
    public long failures() {
        return count(RefreshOutcome.KEPT_LAST_GOOD) + count(RefreshOutcome.NONE_AVAILABLE);
    }

    /** Refreshes that needed any fallback (retry, raised damping, kept last good, none). */
    public long fallbacks() {
        long total = 0;
        for (RefreshOutcome outcome : RefreshOutcome.values()) {
            if (outcome.isFallback()) {
                total += count(outcome);
            }
        }
        return total;
    }

    public long total() {
        return counts.values().stream().mapToLong(AtomicLong::get).sum();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("DecompositionCounters{");
        counts.forEach((k, v) -> sb.append(k).append('=').append(v.get()).append(' '));
        return sb.append('}').toString();
    }
}
