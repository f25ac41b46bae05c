package org.kron4j.api;

import java.util.ArrayList;
import java.util.List;

/**
 * A step's statistics for every block of a model, in block order. Additive, like its parts.
 *
 * @param blocks one entry per block; {@link BlockStatistics#empty()} where a block collects nothing
 */
public record Statistics(List<BlockStatistics> blocks) {

    public Statistics {
        blocks = List.copyOf(blocks);
    }

    public BlockStatistics block(int index) {
        return blocks.get(index);
    }

    /** The element-wise sum with another step's or worker's statistics for the same model. */
    public Statistics plus(Statistics other) {
        if (other.blocks.size() != blocks.size()) {
            throw new IllegalArgumentException("cannot add statistics of " + blocks.size() + " and "
                    + other.blocks.size() + " blocks");
        }
        List<BlockStatistics> total = new ArrayList<>(blocks.size());
        for (int i = 0; i < blocks.size(); i++) {
            total.add(blocks.get(i).plus(other.blocks.get(i)));
        }
        return new Statistics(total);
    }

    public boolean isFinite() {
        return blocks.stream().allMatch(BlockStatistics::isFinite);
    }
}
