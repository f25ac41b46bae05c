package org.kron4j.shampoo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TensorLayoutTest {

    @Test
    void vector_isDiagonal() {
        assertThat(TensorLayout.of(new long[] {500}, 1024, true, 0).isDiagonal()).isTrue();
        assertThat(TensorLayout.of(new long[] {1, 500, 1}, 1024, false, 0).isDiagonal()).isTrue();
    }

    @Test
    void tinyTensor_isDiagonal() {
        assertThat(TensorLayout.of(new long[] {4, 4}, 1024, false, 16).isDiagonal()).isTrue();
        assertThat(TensorLayout.of(new long[] {4, 5}, 1024, false, 16).isDiagonal()).isFalse();
    }

    @Test
    void unitModes_areDropped() {
        TensorLayout layout = TensorLayout.of(new long[] {1, 6, 1, 7}, 1024, false, 0);
        assertThat(layout.shape()).containsExactly(6, 7);
        assertThat(layout.order()).isEqualTo(2);
    }

    @Test
    void merge_isGreedyLeftToRight() {
        assertThat(TensorLayout.merge(new long[] {3, 3, 64, 128}, 1024)).containsExactly(576, 128);
        assertThat(TensorLayout.merge(new long[] {3, 3, 3, 64}, 1024)).containsExactly(27, 64);
        assertThat(TensorLayout.merge(new long[] {2000, 3, 5}, 1024)).containsExactly(2000, 15);
        assertThat(TensorLayout.of(new long[] {128, 129}, 1024, true, 0).shape()).containsExactly(128, 129);
    }

    @Test
    void largeMode_isBlocked() {
        TensorLayout layout = TensorLayout.of(new long[] {3000, 500}, 1024, true, 0);
        assertThat(layout.blocks()).hasSize(3);
        assertThat(layout.blocks().get(0).sizes()).containsExactly(1024, 500);
        assertThat(layout.blocks().get(2).offsets()).containsExactly(2048, 0);
        assertThat(layout.blocks().get(2).sizes()).containsExactly(952, 500);
        assertThat(layout.statisticValues()).isEqualTo(2L * 1024 * 1024 + 952L * 952 + 3L * 500 * 500);
    }

    @Test
    void grid_coversEveryEntryOnce() {
        TensorLayout layout = TensorLayout.of(new long[] {7, 5, 3}, 3, false, 0);
        long covered = layout.blocks().stream()
                .mapToLong(b -> b.size(0) * (long) b.size(1) * b.size(2)).sum();
        assertThat(covered).isEqualTo(7 * 5 * 3);
        assertThat(layout.blocks()).hasSize(3 * 2 * 1);
    }

    @Test
    void blockSize_zero_fails() {
        assertThatThrownBy(() -> TensorLayout.of(new long[] {4, 4}, 0, false, 0))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("blockSize must be >= 1");
    }
}
