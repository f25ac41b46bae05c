package org.kron4j.reference.mlp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.SplittableRandom;
import org.kron4j.api.capture.BatchOracle;
import org.kron4j.api.capture.CaptureField;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.capture.StepPlan;
import org.kron4j.api.capture.TargetSource;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.Loss;
import org.kron4j.testkit.TestNets;
import org.kron4j.testkit.oracle.DenseMatrices;
import org.kron4j.reference.exact.ExactCurvature;
import org.kron4j.reference.exact.TinyMlp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The reference MLP's {@link BatchOracle} against the plain-Java oracle: Gauss-Newton × vector
 * against the dense exact GGN (1/B) Σ J_iᵀ H_i J_i of {@link ExactCurvature#fisher()}, the loss at
 * displaced parameters against {@link TinyMlp} evaluated at θ + δ.
 */
class ReferenceMlpOracleTest {
    private static final int BATCH = 6;
    private static final int OUTPUTS = 3;

    private record Fixture(ReferenceMlp mlp, double[][] x, double[][] y, ExactCurvature exact, BatchOracle oracle) {
    }

    private static Fixture fixture(Activation activation, Loss loss, DataType type, long seed) {
        ReferenceMlp twin = TestNets.tiny(activation, loss, OUTPUTS, true, seed);
        ReferenceMlp mlp = type == DataType.DOUBLE ? twin : new ReferenceMlp(twin.sizes(),
                new Activation[] {activation, activation}, loss, type, seed, true);
        mlp.setParameters(twin.parameters());
        double[][] x = TestNets.inputs(BATCH, 3, seed + 10);
        double[][] y = TestNets.targets(loss, BATCH, OUTPUTS, seed + 11);
        ExactCurvature exact = ExactCurvature.of(twin, x, y);
        BatchOracle oracle = mlp.oracle(TestNets.nd(x, type), TestNets.nd(y, type));
        return new Fixture(mlp, x, y, exact, oracle);
    }

    /** A random vector in the layers' gradient shapes, entries uniform in [−1, 1). */
    static double[] randomVector(int length, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] v = new double[length];
        for (int i = 0; i < length; i++) {
            v[i] = 2.0 * random.nextDouble() - 1.0;
        }
        return v;
    }

    /** The flat vector (TinyMlp's parameter order) as per-layer arrays in the gradient's shape. */
    static List<INDArray> perLayer(TinyMlp net, double[] flat, DataType type) {
        List<INDArray> out = new ArrayList<>();
        for (int l = 0; l < net.layerCount(); l++) {
            int count = net.layerParameterCount(l);
            double[] part = java.util.Arrays.copyOfRange(flat, net.layerOffset(l), net.layerOffset(l) + count);
            out.add(DenseMatrices.unvecToINDArray(part, net.outputs(l), count / net.outputs(l), type));
        }
        return out;
    }

    static double[] flatten(List<INDArray> layers) {
        List<Double> values = new ArrayList<>();
        for (INDArray layer : layers) {
            for (double v : DenseMatrices.vec(DenseMatrices.toDoubleArray(layer))) {
                values.add(v);
            }
        }
        return values.stream().mapToDouble(Double::doubleValue).toArray();
    }

    @ParameterizedTest
    @EnumSource(value = Activation.class, names = {"IDENTITY", "TANH", "SIGMOID", "RELU", "SOFTPLUS"})
    void gaussNewtonTimes_equalsDenseExactGgnTimesVector(Activation activation) {
        // Same double arithmetic in another order (R-op + backward vs dense J_iᵀ H_i J_i): entries of
        // order 1 over ~50 parameters agree to rounding, 1e-12 relative.
        for (Loss loss : Loss.values()) {
            Fixture f = fixture(activation, loss, DataType.DOUBLE, 101);
            double[][] ggn = f.exact().fisher();
            for (int trial = 0; trial < 3; trial++) {
                double[] v = randomVector(f.exact().parameterCount(), 200 + trial);
                double[] expected = DenseMatrices.multiply(ggn, v);
                List<INDArray> product = f.oracle().gaussNewtonTimes(perLayer(f.exact().net(), v, DataType.DOUBLE));
                assertThat(DenseMatrices.relativeError(flatten(product), expected))
                        .as("%s %s trial %d", activation, loss, trial).isLessThan(1e-12);
                for (int l = 0; l < product.size(); l++) {
                    assertThat(product.get(l).shape()).containsExactly(f.mlp().modelSpec().layer(l).gradientShape());
                    assertThat(product.get(l).dataType()).isEqualTo(DataType.DOUBLE);
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Loss.class)
    void gaussNewtonTimes_float32WithinSinglePrecision(Loss loss) {
        // float32 engine against the double oracle: a few dozen products of order-1 numbers carry
        // relative rounding ~1e-7 each; 1e-4 leaves margin for accumulation, far below any bug.
        Fixture f = fixture(Activation.TANH, loss, DataType.FLOAT, 103);
        double[] v = randomVector(f.exact().parameterCount(), 300);
        double[] expected = DenseMatrices.multiply(f.exact().fisher(), v);
        List<INDArray> product = f.oracle().gaussNewtonTimes(perLayer(f.exact().net(), v, DataType.FLOAT));
        assertThat(product.get(0).dataType()).isEqualTo(DataType.FLOAT);
        assertThat(DenseMatrices.relativeError(flatten(product), expected)).isLessThan(1e-4);
    }

    @ParameterizedTest
    @EnumSource(value = Activation.class, names = {"IDENTITY", "TANH", "SIGMOID", "RELU", "SOFTPLUS"})
    void gaussNewtonGram_equalsDenseQuadraticForms(Activation activation) {
        // v_aᵀ G v_b from forward passes only vs the dense matrix: rounding only, 1e-12 relative to the largest entry.
        for (Loss loss : Loss.values()) {
            Fixture f = fixture(activation, loss, DataType.DOUBLE, 105);
            double[][] ggn = f.exact().fisher();
            double[] v = randomVector(f.exact().parameterCount(), 400);
            double[] w = randomVector(f.exact().parameterCount(), 401);
            double[][] expected = {
                {DenseMatrices.dot(v, DenseMatrices.multiply(ggn, v)), DenseMatrices.dot(v, DenseMatrices.multiply(ggn, w))},
                {DenseMatrices.dot(w, DenseMatrices.multiply(ggn, v)), DenseMatrices.dot(w, DenseMatrices.multiply(ggn, w))}};
            TinyMlp net = f.exact().net();
            double[][] gram = f.oracle().gaussNewtonGram(List.of(perLayer(net, v, DataType.DOUBLE),
                    perLayer(net, w, DataType.DOUBLE)));
            assertThat(DenseMatrices.relativeError(gram, expected)).as("%s %s", activation, loss).isLessThan(1e-12);
        }
    }

    @ParameterizedTest
    @EnumSource(Loss.class)
    void lossAt_equalsOracleLossAtDisplacedParameters(Loss loss) {
        // ND4J double vs plain-Java double of the same formula: rounding only (losses of order 1), 1e-12.
        for (Activation activation : new Activation[] {Activation.TANH, Activation.RELU, Activation.SOFTPLUS}) {
            Fixture f = fixture(activation, loss, DataType.DOUBLE, 107);
            TinyMlp net = f.exact().net();
            List<INDArray> before = f.mlp().copyParameters();
            assertThat(f.oracle().loss()).isCloseTo(f.exact().meanLoss(), org.assertj.core.data.Offset.offset(1e-12));
            double[] delta = randomVector(f.exact().parameterCount(), 500);
            for (int i = 0; i < delta.length; i++) {
                delta[i] *= 0.3;
            }
            double[] theta = net.parameterVector();
            double[] displaced = theta.clone();
            for (int i = 0; i < theta.length; i++) {
                displaced[i] += delta[i];
            }
            double expected = ExactCurvature.of(net.withParameters(displaced), f.x(), f.y()).meanLoss();
            double actual = f.oracle().lossAt(perLayer(net, delta, DataType.DOUBLE));
            assertThat(actual).as("%s %s", activation, loss).isCloseTo(expected,
                    org.assertj.core.data.Offset.offset(1e-12));
            assertThat(expected).isNotCloseTo(f.exact().meanLoss(), org.assertj.core.data.Offset.offset(1e-6));
            // the network is untouched
            for (int l = 0; l < before.size(); l++) {
                assertThat(f.mlp().parameters().get(l).equalsWithEps(before.get(l), 0.0)).isTrue();
            }
            // and applying the displacement for real gives the same loss
            ReferenceMlp applied = f.mlp().copy();
            applied.addToParameters(perLayer(net, delta, DataType.DOUBLE));
            assertThat(applied.loss(TestNets.nd(f.x(), DataType.DOUBLE), TestNets.nd(f.y(), DataType.DOUBLE)))
                    .isCloseTo(actual, org.assertj.core.data.Offset.offset(1e-12));
        }
    }

    @Test
    void capture_carriesBatchLossAndOracleOnlyWhenPlanned() {
        Loss loss = Loss.SOFTMAX_CROSS_ENTROPY;
        ReferenceMlp mlp = TestNets.tiny(Activation.TANH, loss, OUTPUTS, true, 109);
        double[][] xs = TestNets.inputs(BATCH, 3, 110);
        double[][] ys = TestNets.targets(loss, BATCH, OUTPUTS, 111);
        INDArray x = TestNets.nd(xs, DataType.DOUBLE);
        INDArray y = TestNets.nd(ys, DataType.DOUBLE);
        ModelCapture plain = mlp.capture(x, y, new StepPlan(0, EnumSet.of(CaptureField.GRADIENT),
                TargetSource.EMPIRICAL), null);
        assertThat(plain.batchLossIfPresent()).isEmpty();
        assertThat(plain.oracleIfPresent()).isEmpty();

        ModelCapture full = mlp.capture(x, y, new StepPlan(0, EnumSet.of(CaptureField.BATCH_LOSS,
                CaptureField.BATCH_ORACLE), TargetSource.EMPIRICAL), null);
        double exactLoss = ExactCurvature.of(mlp, xs, ys).meanLoss();
        assertThat(full.batchLoss()).isCloseTo(exactLoss, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(full.requireOracle().loss()).isEqualTo(full.batchLoss());
        assertThat(full.requireOracle().batchSize()).isEqualTo(BATCH);
        // the gradients are those of the capture without the new fields, bit for bit
        for (int l = 0; l < mlp.layerCount(); l++) {
            assertThat(full.layer(l).gradient().equalsWithEps(plain.layer(l).gradient(), 0.0)).isTrue();
        }
        assertThat(mlp.captureWithLoss(x, y, new StepPlan(0, EnumSet.of(CaptureField.GRADIENT), TargetSource.EMPIRICAL),
                null).loss()).isEqualTo(full.batchLoss());
    }
}
