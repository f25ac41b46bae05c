package org.kron4j.api.optim.transform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.kron4j.api.linalg.LinearAlgebras;
import org.kron4j.api.store.FactorStore;
import org.kron4j.api.store.Precision;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The first-order transforms against plain-Java float64 loops written from the papers' formulas.
 * Each transform does one correctly rounded IEEE operation per arithmetic operation, in the order
 * the oracle does them, so the two agree to the last bit except where a native kernel contracts
 * a multiply-add or uses a vectorised sqrt; 1e-14 relative allows for that and nothing more.
 */
class FirstOrderTransformsTest {
    private static final double TOLERANCE = 1e-14;
    private static final long[] SHAPE = {2, 3};
    private static final int STEPS = 4;

    private static FactorStore store() {
        return new FactorStore(Precision.DOUBLE, Precision.DOUBLE, 1.0, LinearAlgebras.portable());
    }

    private static List<ParameterSlot> slots() {
        return List.of(new ParameterSlot("w", SHAPE));
    }

    private static double[][] gradients(long seed) {
        Random random = new Random(seed);
        double[][] g = new double[STEPS][6];
        for (double[] row : g) {
            for (int i = 0; i < row.length; i++) {
                row[i] = random.nextGaussian();
            }
        }
        return g;
    }

    /** Runs the chain for every step's gradient; returns the outputs, flattened. */
    private static double[][] run(TransformChain chain, double[][] g, double learningRate) {
        double[][] out = new double[g.length][];
        for (int t = 0; t < g.length; t++) {
            INDArray gradient = Nd4j.createFromArray(g[t]).reshape(SHAPE);
            UpdateContext context = UpdateContext.builder(t, List.of(gradient)).learningRate(learningRate).build();
            TransformChain.Outcome outcome = chain.run(context);
            assertThat(outcome.committed()).isTrue();
            out[t] = outcome.updates().get(0).reshape(6).toDoubleVector();
        }
        return out;
    }

    private static void assertClose(double[][] actual, double[][] expected) {
        for (int t = 0; t < expected.length; t++) {
            for (int i = 0; i < expected[t].length; i++) {
                assertThat(actual[t][i]).as("step %d, entry %d", t, i)
                        .isCloseTo(expected[t][i], org.assertj.core.data.Offset.offset(
                                TOLERANCE * Math.max(1, Math.abs(expected[t][i]))));
            }
        }
    }

    @Test
    void heavyBallThenLearningRate_isSgdWithMomentum() {
        double mu = 0.9;
        double lr = 0.05;
        double[][] g = gradients(1);
        double[][] actual = run(TransformChain.of(new HeavyBallMomentum(store(), slots(), "velocity", mu),
                new ScaleByLearningRate()), g, lr);
        double[] v = new double[6];
        double[][] expected = new double[STEPS][6];
        for (int t = 0; t < STEPS; t++) {
            for (int i = 0; i < 6; i++) {
                v[i] = mu * v[i] + g[t][i];
                expected[t][i] = v[i] * -lr;
            }
        }
        assertClose(actual, expected);
    }

    @Test
    void nesterov_isDl4jFormulation() {
        double mu = 0.8;
        double lr = 0.1;
        double[][] g = gradients(2);
        double[][] actual = run(TransformChain.of(new NesterovMomentum(store(), slots(), "", mu)), g, lr);
        double[] v = new double[6];
        double[][] expected = new double[STEPS][6];
        for (int t = 0; t < STEPS; t++) {
            for (int i = 0; i < 6; i++) {
                double previous = v[i] * mu;
                v[i] = v[i] * mu - g[t][i] * lr;
                expected[t][i] = v[i] * (1 + mu) - previous;
            }
        }
        assertClose(actual, expected);
    }

    @Test
    void adaGrad_dividesByRootOfAccumulatedSquares() {
        double eps = 1e-3;
        double[][] g = gradients(3);
        double[][] actual = run(TransformChain.of(new ScaleByAdaGrad(store(), slots(), "graft.", eps)), g, 1);
        double[] s = new double[6];
        double[][] expected = new double[STEPS][6];
        for (int t = 0; t < STEPS; t++) {
            for (int i = 0; i < 6; i++) {
                s[i] = s[i] + g[t][i] * g[t][i];
                expected[t][i] = g[t][i] / (Math.sqrt(s[i]) + eps);
            }
        }
        assertClose(actual, expected);
    }

    @Test
    void adam_bothFormsMatchBiasCorrectedFormula() {
        double b1 = 0.9;
        double b2 = 0.99;
        double eps = 1e-6;
        double lr = 0.01;
        double[][] g = gradients(4);
        double[][] directions = run(TransformChain.of(ScaleByAdam.direction(store(), slots(), "graft.", b1, b2, eps)),
                g, lr);
        double[][] updates = run(TransformChain.of(ScaleByAdam.update(store(), slots(), "adam.", b1, b2, eps)), g, lr);
        double[] m = new double[6];
        double[] v = new double[6];
        double[][] expectedDirections = new double[STEPS][6];
        double[][] expectedUpdates = new double[STEPS][6];
        for (int t = 0; t < STEPS; t++) {
            double c1 = 1 - Math.pow(b1, t + 1);
            double c2 = 1 - Math.pow(b2, t + 1);
            for (int i = 0; i < 6; i++) {
                m[i] = b1 * m[i] + g[t][i] * (1 - b1);
                v[i] = b2 * v[i] + g[t][i] * g[t][i] * (1 - b2);
                double denominator = Math.sqrt(v[i] / c2) + eps;
                expectedDirections[t][i] = m[i] / c1 / denominator;
                expectedUpdates[t][i] = m[i] / denominator * (-lr / c1);
            }
        }
        assertClose(directions, expectedDirections);
        assertClose(updates, expectedUpdates);
    }

    @Test
    void statefulTransforms_registerTheirRolesInTheStore() {
        FactorStore store = store();
        ScaleByAdam.direction(store, slots(), "graft.", 0.9, 0.999, 1e-8);
        new ScaleByAdaGrad(store, List.of(new ParameterSlot("b", SHAPE)), "graft.", 1e-8);
        new HeavyBallMomentum(store, slots(), "momentum", 0.9);
        assertThat(store.bytesByBlock()).containsEntry("w", 3L * 6 * Double.BYTES).containsEntry("b", 6L * Double.BYTES);
        assertThatThrownBy(() -> new HeavyBallMomentum(store, slots(), "momentum", 0.9))
                .hasMessageContaining("already holds 'w/momentum'");
    }

    @Test
    void chain_rejection_appliesNothingAndStopsLaterStages() {
        FactorStore store = store();
        HeavyBallMomentum momentum = new HeavyBallMomentum(store, slots(), "velocity", 0.5);
        List<String> ran = new ArrayList<>();
        UpdateTransform rejecting = (updates, context) -> {
            context.onCommit(() -> ran.add("committed"));
            context.reject("no");
            return updates;
        };
        UpdateTransform after = (updates, context) -> {
            ran.add("after");
            return updates;
        };
        TransformChain chain = TransformChain.of(momentum, rejecting, after);
        INDArray gradient = Nd4j.ones(DataType.DOUBLE, SHAPE);
        TransformChain.Outcome outcome = chain.run(UpdateContext.builder(0, List.of(gradient)).build());
        assertThat(outcome.committed()).isFalse();
        assertThat(outcome.rejected()).contains("no");
        assertThat(outcome.updates()).isEmpty();
        assertThat(ran).isEmpty();
        assertThat(store.bytesByBlock()).containsEntry("w", 6L * Double.BYTES);
        // the velocity buffer is still zero: the next committed step sees v = 0·μ + g
        TransformChain.Outcome next = TransformChain.of(momentum).run(UpdateContext.builder(0, List.of(gradient)).build());
        assertThat(next.updates().get(0)).isEqualTo(gradient);
    }

    @Test
    void context_withoutCaptureOrEstimator_saysSo() {
        UpdateContext context = UpdateContext.builder(0, List.of()).build();
        assertThat(context.hasCapture()).isFalse();
        assertThatThrownBy(context::capture).isInstanceOf(IllegalStateException.class).hasMessageContaining("capture");
        assertThatThrownBy(context::estimator).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("estimator");
        assertThatThrownBy(() -> context.setDamping(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void gradientUpdater_keepsGradientTypeAndChecksLayerCount() {
        GradientUpdater updater = new GradientUpdater(0.1, (store, slots) -> TransformChain.of(
                new HeavyBallMomentum(store, slots, "velocity", 0.9), new ScaleByLearningRate()));
        INDArray f = Nd4j.ones(DataType.FLOAT, 2, 2);
        assertThat(updater.updates(List.of(f)).get(0).dataType()).isEqualTo(DataType.FLOAT);
        assertThat(updater.steps()).isEqualTo(1);
        assertThatThrownBy(() -> updater.updates(List.of(f, f))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("expected 1 gradients, got 2");
    }
}
