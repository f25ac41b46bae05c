package org.kron4j.spark;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;
import org.kron4j.api.refresh.RefreshResult;

/**
 * One block's {@link RefreshResult} as a task returns it: the block's index and the result's named
 * arrays (in their own precision and ordering), scalars and texts, in the result's order.
 */
record RefreshPayload(int block, String name, Map<String, ArrayPayload> arrays, Map<String, Double> scalars,
        Map<String, String> texts) implements Serializable {
    private static final long serialVersionUID = 1L;

    static RefreshPayload of(int block, RefreshResult result) {
        Map<String, ArrayPayload> arrays = new LinkedHashMap<>();
        result.arrays().forEach((k, v) -> arrays.put(k, ArrayPayload.of(v)));
        return new RefreshPayload(block, result.block(), arrays, new LinkedHashMap<>(result.scalars()),
                new LinkedHashMap<>(result.texts()));
    }

    RefreshResult toResult() {
        RefreshResult.Builder builder = RefreshResult.builder(name);
        arrays.forEach((k, v) -> builder.array(k, v.toArray()));
        scalars.forEach(builder::scalar);
        texts.forEach(builder::text);
        return builder.build();
    }

    long bytes() {
        return arrays.values().stream().mapToLong(ArrayPayload::bytes).sum();
    }
}
