package org.kron4j.api.optim.adaptive;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The quadratic-model coefficients against independent facts about quadratics: on an objective
 * f(θ) = ½θᵀHθ + cᵀθ the undamped solution is the exact minimiser of f over θ + span(v₁, v₂) (its
 * gradient there is orthogonal to both directions) and the predicted change equals the real one.
 * Tolerances: every quantity is a float64 sum of at most 8² products of O(1) numbers with a condition
 * number below 10³, so agreement to 1e-9 relative leaves room for rounding only.
 */
class QuadraticModelTest {
    private static final int N = 8;

    @Test
    void undampedStepLandsOnTheExactMinimiserAlongBothDirections() {
        Random random = new Random(7);
        for (int trial = 0; trial < 20; trial++) {
            double[][] h = spd(random);
            double[] c = vector(random);
            double[] theta = vector(random);
            double[] v1 = vector(random);
            double[] v2 = vector(random);
            double[] g = add(multiply(h, theta), c);
            QuadraticModel model = QuadraticModel.of(
                    new double[][] {{dot(v1, multiply(h, v1)), dot(v1, multiply(h, v2))},
                        {dot(v2, multiply(h, v1)), dot(v2, multiply(h, v2))}},
                    new double[][] {{dot(v1, v1), dot(v1, v2)}, {dot(v2, v1), dot(v2, v2)}},
                    new double[] {dot(g, v1), dot(g, v2)});

            QuadraticModel.Solution solution = model.solve(0.0);
            double[] next = add(theta, add(scale(v1, solution.coefficient(0)), scale(v2, solution.coefficient(1))));
            double[] gradientThere = add(multiply(h, next), c);

            double gradientScale = Math.sqrt(dot(g, g)) * Math.sqrt(dot(v1, v1) + dot(v2, v2));
            assertThat(dot(gradientThere, v1)).isCloseTo(0.0, within(1e-9 * gradientScale));
            assertThat(dot(gradientThere, v2)).isCloseTo(0.0, within(1e-9 * gradientScale));
            double realChange = f(h, c, next) - f(h, c, theta);
            assertThat(solution.change()).isCloseTo(realChange, within(1e-9 * Math.abs(realChange)));
            assertThat(solution.change()).isLessThan(0.0);
        }
    }

    @Test
    void dampedSolutionMinimisesTheDampedModel() {
        Random random = new Random(11);
        double[][] h = spd(random);
        double[] g = vector(random);
        double[] v1 = vector(random);
        double[] v2 = vector(random);
        double lambda = 3.5;
        // The damped model is the quadratic with H + λI: its minimiser over the span is again where the
        // gradient g + (H + λI)δ is orthogonal to v₁ and v₂.
        QuadraticModel model = QuadraticModel.of(
                new double[][] {{dot(v1, multiply(h, v1)), dot(v1, multiply(h, v2))},
                    {dot(v2, multiply(h, v1)), dot(v2, multiply(h, v2))}},
                new double[][] {{dot(v1, v1), dot(v1, v2)}, {dot(v2, v1), dot(v2, v2)}},
                new double[] {dot(g, v1), dot(g, v2)});
        QuadraticModel.Solution solution = model.solve(lambda);
        double[] delta = add(scale(v1, solution.coefficient(0)), scale(v2, solution.coefficient(1)));
        double[] dampedGradient = add(g, add(multiply(h, delta), scale(delta, lambda)));
        double scaleOf = Math.sqrt(dot(g, g)) * Math.sqrt(dot(v1, v1) + dot(v2, v2));
        assertThat(dot(dampedGradient, v1)).isCloseTo(0.0, within(1e-9 * scaleOf));
        assertThat(dot(dampedGradient, v2)).isCloseTo(0.0, within(1e-9 * scaleOf));
        // The reported change is the undamped model's at that δ.
        assertThat(solution.change()).isCloseTo(dot(g, delta) + 0.5 * dot(delta, multiply(h, delta)),
                within(1e-12 * scaleOf));
    }

    @Test
    void zeroPreviousUpdateSolvesTheFirstDirectionAlone() {
        QuadraticModel model = QuadraticModel.of(new double[][] {{4.0, 0.0}, {0.0, 0.0}},
                new double[][] {{2.0, 0.0}, {0.0, 0.0}}, new double[] {-6.0, 0.0});
        QuadraticModel.Solution solution = model.solve(1.0);
        // w₁ = −b₁ / (k₁₁ + λ g₁₁) = 6 / (4 + 2)
        assertThat(solution.coefficient(0)).isEqualTo(1.0);
        assertThat(solution.coefficient(1)).isZero();
        assertThat(solution.change()).isEqualTo(-6.0 + 0.5 * 4.0);
    }

    @Test
    void oneDirectionModelMatchesTheScalarFormula() {
        QuadraticModel.Solution solution = QuadraticModel.of(2.0, 1.0, 3.0).solve(0.5);
        assertThat(solution.coefficient(0)).isEqualTo(-3.0 / 2.5);
        assertThat(solution.change()).isCloseTo(-1.2 * 3.0 + 0.5 * 2.0 * 1.44, within(1e-15));
    }

    @Test
    void parallelDirectionsFallBackToOneDirection() {
        // v₂ = 2 v₁: the 2×2 matrix is singular; the step along v₁ alone is the minimiser over the span.
        QuadraticModel model = QuadraticModel.of(new double[][] {{1.0, 2.0}, {2.0, 4.0}},
                new double[][] {{1.0, 2.0}, {2.0, 4.0}}, new double[] {-1.0, -2.0});
        QuadraticModel.Solution solution = model.solve(0.0);
        assertThat(solution.coefficient(0) + 2 * solution.coefficient(1)).isCloseTo(1.0, within(1e-12));
        assertThat(solution.change()).isCloseTo(-0.5, within(1e-12));
    }

    @Test
    void invalidInputIsRefusedWithItsName() {
        assertThatThrownBy(() -> QuadraticModel.of(new double[][] {{1, 2}, {3, 4}},
                new double[][] {{1, 0}, {0, 1}}, new double[] {0, 0}))
                .hasMessageContaining("curvature must be symmetric");
        assertThatThrownBy(() -> QuadraticModel.of(1, 1, Double.NaN).solve(0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> QuadraticModel.of(1, 1, 1).solve(-1)).hasMessageContaining("damping");
    }

    private static double f(double[][] h, double[] c, double[] x) {
        return 0.5 * dot(x, multiply(h, x)) + dot(c, x);
    }

    private static double[][] spd(Random random) {
        double[][] m = new double[N][N];
        for (double[] row : m) {
            for (int j = 0; j < N; j++) {
                row[j] = random.nextGaussian();
            }
        }
        double[][] h = new double[N][N];
        for (int i = 0; i < N; i++) {
            for (int j = 0; j < N; j++) {
                for (int k = 0; k < N; k++) {
                    h[i][j] += m[k][i] * m[k][j];
                }
            }
            h[i][i] += 0.5;
        }
        return h;
    }

    private static double[] vector(Random random) {
        double[] v = new double[N];
        for (int i = 0; i < N; i++) {
            v[i] = random.nextGaussian();
        }
        return v;
    }

    private static double[] multiply(double[][] m, double[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = dot(m[i], v);
        }
        return out;
    }

    private static double[] add(double[] a, double[] b) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i] + b[i];
        }
        return out;
    }

    private static double[] scale(double[] a, double s) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i] * s;
        }
        return out;
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
