package org.kron4j.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kron4j.api.BlockStatistics;
import org.kron4j.api.Statistics;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A shard's {@link Statistics} in transport form: per block the number of examples and the named
 * sums. Statistics are additive (sums and counts), so the driver's total is the plain sum of the
 * shards' payloads, whatever the split.
 *
 * @param counts per block, the count behind its sums (0 for a block that collects nothing)
 * @param sums   per block, role → sum (empty for a block that collects nothing)
 */
public record StatisticsPayload(double[] counts, List<Map<String, ArrayPayload>> sums) implements Serializable {
    private static final long serialVersionUID = 1L;

    public static StatisticsPayload of(Statistics statistics) {
        int n = statistics.blocks().size();
        double[] counts = new double[n];
        List<Map<String, ArrayPayload>> sums = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            BlockStatistics block = statistics.block(i);
            Map<String, ArrayPayload> roles = new LinkedHashMap<>();
            if (!block.isEmpty()) {
                counts[i] = block.count();
                block.sums().forEach((role, sum) -> roles.put(role, ArrayPayload.of(sum)));
            }
            sums.add(roles);
        }
        return new StatisticsPayload(counts, sums);
    }

    public Statistics toStatistics() {
        List<BlockStatistics> blocks = new ArrayList<>(counts.length);
        for (int i = 0; i < counts.length; i++) {
            Map<String, ArrayPayload> roles = sums.get(i);
            if (roles.isEmpty()) {
                blocks.add(BlockStatistics.empty());
            } else {
                Map<String, INDArray> arrays = new LinkedHashMap<>();
                roles.forEach((role, payload) -> arrays.put(role, payload.toArray()));
                blocks.add(BlockStatistics.of(counts[i], arrays));
            }
        }
        return new Statistics(blocks);
    }

    public long bytes() {
        return sums.stream().flatMap(m -> m.values().stream()).mapToLong(ArrayPayload::bytes).sum();
    }
}
