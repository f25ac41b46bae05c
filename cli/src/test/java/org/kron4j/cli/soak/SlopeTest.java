package org.kron4j.cli.soak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The soak's slope: least squares against series whose slope is known exactly. */
class SlopeTest {

    @Test
    void exactLine_givesItsSlope() {
        double[] x = {0, 100, 200, 300, 400};
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            y[i] = 3e8 + 2.5 * x[i];
        }
        // the sums are exact in float64 up to rounding of 1e8-sized terms: 1e-9 relative
        assertThat(Slope.leastSquares(x, y)).isCloseTo(2.5, within(2.5e-9));
    }

    @Test
    void symmetricNoiseAroundALine_doesNotMoveTheSlope() {
        // y = 7 + 0.5x with residuals +1, -1, -1, +1 at x = 0, 1, 2, 3: Σ(x−x̄)·r = −1.5+0.5−0.5+1.5 = 0
        assertThat(Slope.leastSquares(new double[] {0, 1, 2, 3}, new double[] {8, 6.5, 7, 9.5}))
                .isCloseTo(0.5, within(1e-12));
    }

    @Test
    void flatSeries_zero_andTooFewPoints_refused() {
        assertThat(Slope.leastSquares(new double[] {0, 1, 2}, new double[] {5, 5, 5})).isZero();
        assertThatThrownBy(() -> Slope.leastSquares(new double[] {1}, new double[] {1}))
                .hasMessageContaining("at least 2 points");
        assertThatThrownBy(() -> Slope.leastSquares(new double[] {1, 1}, new double[] {1, 2}))
                .hasMessageContaining("all x are equal");
        assertThatThrownBy(() -> Slope.leastSquares(new double[] {1, 2}, new double[] {1}))
                .hasMessageContaining("x has 2 values, y 1");
    }

    @Test
    void summary_slopesPerThousandSteps_afterTheWarmUp() {
        List<MemorySample> samples = new ArrayList<>();
        for (int step = 0; step <= 1000; step += 100) {
            // RSS jumps during the warm-up (first 200 steps), then grows 4096 bytes per step; the store is flat
            long rss = step < 200 ? 1_000_000L * (step + 1) : 500_000_000L + 4096L * step;
            samples.add(new MemorySample("kfac", step, rss, rss, 1000, 5000, 10_000_000, step / 100, step * 0.01));
        }
        SoakSummary summary = SoakSummary.of("kfac", samples, 200);
        assertThat(summary.samples()).isEqualTo(9);
        assertThat(summary.fromStep()).isEqualTo(200);
        assertThat(summary.rss()).isCloseTo(4096.0 * 1000, within(1e-3));
        assertThat(summary.physical()).isCloseTo(4096.0 * 1000, within(1e-3));
        assertThat(summary.store()).isZero();
        assertThat(summary.javacpp()).isZero();
        assertThat(summary.msPerStep()).isCloseTo(10.0, within(1e-9));
    }

    @Test
    void vmRssLine_parsedInBytes() {
        assertThat(ProcessMemory.parseKilobytes("\t  123456 kB")).isEqualTo(123456L * 1024);
        assertThat(ProcessMemory.rssBytes()).as("this JVM's resident set on Linux").isGreaterThan(10L << 20);
    }
}
