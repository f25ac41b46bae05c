package org.kron4j.cli.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ResumableRandomTest {

    /** The ablation's batches must not change: the same numbers as java.util.Random, for any bound. */
    @Test
    void drawsWhatJavaUtilRandomDraws() {
        for (long seed : new long[] {0, 1, 2, 42, -7, Long.MAX_VALUE}) {
            Random expected = new Random(seed);
            ResumableRandom actual = new ResumableRandom(seed);
            for (int i = 0; i < 10_000; i++) {
                int bound = 1 + (i % 7 == 0 ? 1797 : i % 5 == 0 ? 64 : 60_000 + i);
                assertThat(actual.nextInt(bound)).as("seed %d draw %d", seed, i).isEqualTo(expected.nextInt(bound));
            }
            assertThat(actual.nextLong()).isEqualTo(expected.nextLong());
            assertThat(actual.nextDouble()).isEqualTo(expected.nextDouble());
        }
    }

    @Test
    void atItsState_continuesTheSameSequence() {
        ResumableRandom first = new ResumableRandom(5);
        for (int i = 0; i < 1234; i++) {
            first.nextInt(1000);
        }
        ResumableRandom resumed = ResumableRandom.at(first.state());
        for (int i = 0; i < 1000; i++) {
            assertThat(resumed.nextInt(1797)).isEqualTo(first.nextInt(1797));
        }
        assertThat(resumed.state()).isEqualTo(first.state());
    }

    @Test
    void refusesAStateWiderThan48Bits() {
        assertThatThrownBy(() -> ResumableRandom.at(1L << 48)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("48 bits");
    }
}
