package org.kron4j.api.optim.adaptive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class LevenbergMarquardtTest {
    private final LevenbergMarquardt rule = LevenbergMarquardt.standard(5, 1e-4, 1e4);
    private final double omega = Math.pow(19.0 / 20.0, 5);

    @Test
    void goodPredictionShrinksTheDamping() {
        assertThat(rule.factor()).isCloseTo(0.7737809375, within(1e-10));
        assertThat(rule.next(10.0, 0.9)).isCloseTo(10.0 * omega, within(1e-12));
    }

    @Test
    void badPredictionGrowsTheDamping() {
        assertThat(rule.next(10.0, 0.1)).isCloseTo(10.0 / omega, within(1e-12));
        // the loss went up: ρ < 0
        assertThat(rule.next(10.0, -3.0)).isCloseTo(10.0 / omega, within(1e-12));
        // the new loss was NaN, or the model predicted nothing
        assertThat(rule.next(10.0, Double.NaN)).isCloseTo(10.0 / omega, within(1e-12));
    }

    @Test
    void middlingPredictionKeepsTheDamping() {
        assertThat(rule.next(10.0, 0.5)).isEqualTo(10.0);
        assertThat(rule.next(10.0, 0.25)).isEqualTo(10.0);
        assertThat(rule.next(10.0, 0.75)).isEqualTo(10.0);
    }

    @Test
    void boundsHold() {
        assertThat(rule.next(1e-4, 1.0)).isEqualTo(1e-4);
        assertThat(rule.next(1e4, -1.0)).isEqualTo(1e4);
        double lambda = 1.0;
        for (int i = 0; i < 200; i++) {
            lambda = rule.next(lambda, 0.95);
        }
        assertThat(lambda).isEqualTo(1e-4);
    }

    @Test
    void adaptsEveryIntervalSteps() {
        assertThat(rule.adaptsAt(3)).isFalse();
        assertThat(rule.adaptsAt(4)).isTrue();
        assertThat(rule.adaptsAt(9)).isTrue();
    }

    @Test
    void reductionRatioOfAPerfectModelIsOne() {
        assertThat(LevenbergMarquardt.reductionRatio(5.0, 3.0, -2.0)).isEqualTo(1.0);
    }

    @Test
    void badSettingsAreNamed() {
        assertThatThrownBy(() -> new LevenbergMarquardt(1.5, 5, 0.25, 0.75, 0, 1)).hasMessageContaining("dampingDecay");
        assertThatThrownBy(() -> new LevenbergMarquardt(0.9, 0, 0.25, 0.75, 0, 1))
                .hasMessageContaining("dampingInterval");
        assertThatThrownBy(() -> new LevenbergMarquardt(0.9, 5, 0.25, 0.75, 2, 1)).hasMessageContaining("bounds");
    }
}
