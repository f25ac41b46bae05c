package org.kron4j.shampoo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import java.util.stream.Stream;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.kron4j.api.capture.LayerCapture;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.model.Loss;
import org.kron4j.api.model.ModelSpec;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.optim.OptimizerSettings;
import org.kron4j.api.optim.StepResult;
import org.kron4j.api.store.Precision;
import org.nd4j.linalg.factory.Nd4j;

/**
 * With preconditioning switched off, Shampoo's grafted direction is exactly the grafted method:
 * the whole {@link KroneckerOptimizer} (momentum 0, klClip 0, weight decay 0, float64 storage) must
 * reproduce plain-Java SGD, AdaGrad and Adam bit for bit. The plain versions below use the same
 * operation order as {@link Grafting}'s javadoc; the driver's update is Δθ = d·(−η).
 */
class GraftingParityTest {
    private static final double LEARNING_RATE = 0.05;
    private static final double BETA1 = 0.8;
    private static final double BETA2 = 0.95;
    private static final double EPSILON = 1e-3;
    private static final int STEPS = 60;

    /** A dense layer (4×4 gradient with the bias column), an order-3 tensor and a vector. */
    private static final ModelSpec MODEL = new ModelSpec(List.of(
            LayerSpec.dense("fc", 3, 4, true, Activation.TANH),
            LayerSpec.tensor("kernel", 2, 3, 4),
            LayerSpec.tensor("bias", 5)), false, Loss.SQUARED_ERROR);

    /** A deterministic, nonlinear gradient field: g_j = c_j (θ_j − t_j) + 0.3 sin(3θ_j + j). */
    private static double[] gradient(double[] theta, int layer) {
        double[] g = new double[theta.length];
        for (int j = 0; j < theta.length; j++) {
            double c = 0.5 + ((j * 7 + layer * 3) % 11) / 5.0;
            double target = ((j * 5 + layer) % 9 - 4) / 3.0;
            g[j] = c * (theta[j] - target) + 0.3 * Math.sin(3 * theta[j] + j);
        }
        return g;
    }

    /** The plain-Java reference: one method's state per layer. */
    private static final class PlainMethod {
        private final Grafting method;
        private final double[] first;
        private final double[] second;

        PlainMethod(Grafting method, int size) {
            this.method = method;
            this.first = new double[size];
            this.second = new double[size];
        }

        double[] direction(double[] g, long t) {
            double[] d = new double[g.length];
            switch (method) {
                case ADAGRAD -> {
                    for (int j = 0; j < g.length; j++) {
                        first[j] = first[j] + g[j] * g[j];
                        d[j] = g[j] / (Math.sqrt(first[j]) + EPSILON);
                    }
                }
                case ADAM -> {
                    double c1 = 1.0 - Math.pow(BETA1, t);
                    double c2 = 1.0 - Math.pow(BETA2, t);
                    for (int j = 0; j < g.length; j++) {
                        first[j] = first[j] * BETA1 + g[j] * (1.0 - BETA1);
                        second[j] = second[j] * BETA2 + (g[j] * g[j]) * (1.0 - BETA2);
                        d[j] = (first[j] / c1) / (Math.sqrt(second[j] / c2) + EPSILON);
                    }
                }
                default -> System.arraycopy(g, 0, d, 0, g.length);
            }
            return d;
        }
    }

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        for (Grafting method : List.of(Grafting.SGD, Grafting.ADAGRAD, Grafting.ADAM)) {
            // Never: no root is ever computed. STEPS: roots are refreshed (tInv 7: the refresh at
            // step 56 serves step 60) but not used within the run.
            cases.add(Arguments.of(method, Integer.MAX_VALUE));
            cases.add(Arguments.of(method, STEPS));
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}, startPreconditioningStep={1}")
    @MethodSource("cases")
    void preconditioningOff_equalsPlainMethodBitForBit(Grafting method, int start) {
        KroneckerOptimizer optimizer = KroneckerOptimizer.builder(new ShampooApproximation()).model(MODEL)
                .set(OptimizerSettings.STORAGE_PRECISION, Precision.DOUBLE)
                .learningRate(LEARNING_RATE)
                .momentum(0.0)
                .periods(1, 7)
                .set(OptimizerSettings.KL_CLIP, 0.0)
                .set(OptimizerSettings.WEIGHT_DECAY, 0.0)
                .set(ShampooApproximation.START_PRECONDITIONING_STEP, start)
                .set(ShampooApproximation.DIAGONAL_MAX_SIZE, 0)
                .set(ShampooApproximation.MERGE_SMALL_DIMS, false)
                .set(ShampooApproximation.GRAFTING, method)
                .set(ShampooApproximation.GRAFT_BETA1, BETA1)
                .set(ShampooApproximation.GRAFT_BETA2, BETA2)
                .set(ShampooApproximation.GRAFT_EPSILON, EPSILON)
                .build();
        List<double[]> theta = new ArrayList<>();
        List<double[]> reference = new ArrayList<>();
        List<PlainMethod> plain = new ArrayList<>();
        for (LayerSpec layer : MODEL.layers()) {
            int size = (int) layer.parameterCount();
            double[] initial = new double[size];
            for (int j = 0; j < size; j++) {
                initial[j] = Math.cos(j + 1.0) * 1.5;
            }
            theta.add(initial.clone());
            reference.add(initial.clone());
            plain.add(new PlainMethod(method, size));
        }
        for (int step = 1; step <= STEPS; step++) {
            List<LayerCapture> layers = new ArrayList<>();
            for (int l = 0; l < MODEL.size(); l++) {
                layers.add(LayerCapture.ofGradient(Nd4j.createFromArray(gradient(theta.get(l), l))
                        .reshape('c', MODEL.layer(l).gradientShape())));
            }
            StepResult result = optimizer.step(ModelCapture.of(8, layers));
            assertThat(result.applied()).isTrue();
            for (int l = 0; l < MODEL.size(); l++) {
                double[] update = result.updates().get(l).dup('c').reshape(-1).toDoubleVector();
                double[] mine = theta.get(l);
                for (int j = 0; j < mine.length; j++) {
                    mine[j] = mine[j] + update[j];
                }
                double[] ref = reference.get(l);
                double[] d = plain.get(l).direction(gradient(ref, l), step);
                for (int j = 0; j < ref.length; j++) {
                    ref[j] = ref[j] + d[j] * -LEARNING_RATE;
                }
                assertThat(mine).as("%s, layer %s, step %d", method, MODEL.layer(l).name(), step).isEqualTo(ref);
            }
        }
        ShampooBlock dense = (ShampooBlock) optimizer.estimator().blocks().get(0);
        assertThat(dense.layout().order()).isEqualTo(2);
        assertThat(((ShampooBlock) optimizer.estimator().blocks().get(1)).layout().order()).isEqualTo(3);
        assertThat(optimizer.store().counters().total()).as("eigendecompositions run")
                .isEqualTo(start == STEPS ? 5 : 0);
        // After STEPS steps, a run that starts at STEPS would precondition from now on; one that never starts would not.
        assertThat(dense.isPreconditioning()).isEqualTo(start == STEPS);
    }
}
