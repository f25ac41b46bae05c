package org.kron4j.reference.mlp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.EnumSet;
import java.util.Set;
import org.kron4j.api.capture.CaptureField;
import org.kron4j.api.capture.LayerCapture;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.capture.StepPlan;
import org.kron4j.api.capture.TargetSource;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.Loss;
import org.kron4j.api.support.NdArrays;
import org.kron4j.reference.exact.ExactCurvature;
import org.kron4j.testkit.TestNets;
import org.kron4j.testkit.oracle.DenseMatrices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;

/** What {@link ReferenceMlp#capture} puts into a {@link ModelCapture}, checked against identities and the oracle. */
@SuppressWarnings("try") // ND4J's Random.close() declares InterruptedException
class ReferenceMlpCaptureTest {
    private static final Set<CaptureField> ALL = EnumSet.allOf(CaptureField.class);

    private static StepPlan plan(Set<CaptureField> fields, TargetSource targets) {
        return new StepPlan(0, fields, targets);
    }

    @ParameterizedTest
    @EnumSource(Loss.class)
    void capture_empiricalGradientIsMeanOfOutputGradientTimesInput(Loss loss) {
        // The identity everything rests on: ∇_W (1/B) Σ ℓ_i = (1/B) Σ g_i ā_iᵀ = (1/B) Gᵀ Ā, built here
        // from nothing but the captured OUTPUT_GRADIENTS and LAYER_INPUTS. Both sides are the same
        // handful of double products summed in a different order: 1e-12 is rounding only.
        ReferenceMlp mlp = TestNets.tiny(Activation.TANH, loss, 3, true, 21);
        int batch = 7;
        INDArray x = TestNets.nd(TestNets.inputs(batch, 3, 22), DataType.DOUBLE);
        INDArray y = TestNets.nd(TestNets.targets(loss, batch, 3, 23), DataType.DOUBLE);
        ModelCapture capture = mlp.capture(x, y, plan(ALL, TargetSource.EMPIRICAL), null);
        assertThat(capture.batchSize()).isEqualTo(batch);
        for (int l = 0; l < mlp.layerCount(); l++) {
            LayerCapture layer = capture.layer(l);
            INDArray g = layer.require(CaptureField.OUTPUT_GRADIENTS);
            INDArray abar = NdArrays.appendOnes(layer.require(CaptureField.LAYER_INPUTS));
            INDArray rebuilt = g.transpose().mmul(abar).divi(batch);
            assertThat(maxAbsDiff(rebuilt, layer.gradient())).as("layer %d", l).isLessThan(1e-12);
        }
    }

    @Test
    void capture_fillsExactlyThePlannedFields() {
        ReferenceMlp mlp = TestNets.tiny(Activation.RELU, Loss.SOFTMAX_CROSS_ENTROPY, 3, true, 31);
        INDArray x = TestNets.nd(TestNets.inputs(4, 3, 32), DataType.DOUBLE);
        INDArray y = TestNets.nd(TestNets.targets(Loss.SOFTMAX_CROSS_ENTROPY, 4, 3, 33), DataType.DOUBLE);

        ModelCapture gradientOnly = mlp.capture(x, y, plan(EnumSet.of(CaptureField.GRADIENT), TargetSource.MC_FISHER),
                null);
        assertThat(gradientOnly.outputHessian()).isNull();
        for (LayerCapture layer : gradientOnly.layers()) {
            assertThat(layer.fields().keySet()).containsExactly(CaptureField.GRADIENT);
        }

        ModelCapture some = mlp.capture(x, y, plan(EnumSet.of(CaptureField.LAYER_INPUTS,
                CaptureField.OUTPUT_GRADIENTS), TargetSource.MC_FISHER), Nd4j.getRandomFactory().getNewRandomInstance(1));
        for (LayerCapture layer : some.layers()) {
            assertThat(layer.fields().keySet()).containsExactlyInAnyOrder(CaptureField.GRADIENT,
                    CaptureField.LAYER_INPUTS, CaptureField.OUTPUT_GRADIENTS);
        }
        assertThat(some.outputHessian()).isNull();

        ModelCapture full = mlp.capture(x, y, plan(ALL, TargetSource.MC_FISHER),
                Nd4j.getRandomFactory().getNewRandomInstance(1));
        int[] sizes = mlp.sizes();
        for (int l = 0; l < mlp.layerCount(); l++) {
            LayerCapture layer = full.layer(l);
            assertThat(layer.gradient().shape()).containsExactly(sizes[l + 1], sizes[l] + 1);
            assertThat(layer.require(CaptureField.PARAMETERS).shape()).containsExactly(sizes[l + 1], sizes[l] + 1);
            assertThat(layer.require(CaptureField.LAYER_INPUTS).shape()).containsExactly(4, sizes[l]);
            assertThat(layer.require(CaptureField.OUTPUT_GRADIENTS).shape()).containsExactly(4, sizes[l + 1]);
            assertThat(layer.require(CaptureField.ACTIVATION_DERIVATIVES).shape()).containsExactly(4, sizes[l + 1]);
        }
        assertThat(full.outputHessian().shape()).containsExactly(3, 3);
        // the shapes match what the model spec promises the optimizer
        for (int l = 0; l < mlp.layerCount(); l++) {
            assertThat(full.layer(l).gradient().shape()).containsExactly(mlp.modelSpec().layer(l).gradientShape());
        }
    }

    @ParameterizedTest
    @EnumSource(value = Activation.class, names = {"IDENTITY", "TANH", "SIGMOID", "RELU", "SOFTPLUS"})
    void capture_agreesWithExactCurvatureOracle(Activation activation) {
        // ND4J DOUBLE against the plain-Java oracle: the same arithmetic in a different order, so
        // agreement to 1e-12 (entries are of order 1) leaves only rounding.
        for (Loss loss : Loss.values()) {
            ReferenceMlp mlp = TestNets.tiny(activation, loss, 3, true, 41);
            double[][] xs = TestNets.inputs(6, 3, 42);
            double[][] ys = TestNets.targets(loss, 6, 3, 43);
            ModelCapture capture = mlp.capture(TestNets.nd(xs, DataType.DOUBLE), TestNets.nd(ys, DataType.DOUBLE),
                    plan(ALL, TargetSource.EMPIRICAL), null);
            ExactCurvature exact = ExactCurvature.of(mlp, xs, ys);
            for (int l = 0; l < mlp.layerCount(); l++) {
                LayerCapture layer = capture.layer(l);
                assertClose(layer.gradient(), exact.layerGradient(l), "gradient", l);
                assertClose(layer.require(CaptureField.PARAMETERS), exact.net().weights(l), "parameters", l);
                assertClose(layer.require(CaptureField.LAYER_INPUTS), exact.layerInputs(l), "inputs", l);
                assertClose(layer.require(CaptureField.OUTPUT_GRADIENTS), exact.outputGradients(l), "g", l);
                assertClose(layer.require(CaptureField.ACTIVATION_DERIVATIVES), exact.activationDerivatives(l), "f'", l);
            }
            assertClose(capture.outputHessian(), exact.meanOutputHessian(), "output Hessian", -1);
        }
    }

    @Test
    void capture_parametersAreCopiesNotLiveWeights() {
        ReferenceMlp mlp = TestNets.tiny(Activation.TANH, Loss.SQUARED_ERROR, 2, true, 51);
        INDArray x = TestNets.nd(TestNets.inputs(3, 3, 52), DataType.DOUBLE);
        INDArray y = TestNets.nd(TestNets.targets(Loss.SQUARED_ERROR, 3, 2, 53), DataType.DOUBLE);
        ModelCapture capture = mlp.capture(x, y, plan(EnumSet.of(CaptureField.PARAMETERS), TargetSource.EMPIRICAL), null);
        INDArray before = capture.layer(0).require(CaptureField.PARAMETERS).dup();
        mlp.parameters().get(0).addi(1.0);
        assertThat(maxAbsDiff(capture.layer(0).require(CaptureField.PARAMETERS), before)).isZero();
    }

    @Test
    void capture_withSeededGeneratorIsReproducibleAndMcDiffersFromEmpirical() {
        ReferenceMlp mlp = TestNets.tiny(Activation.TANH, Loss.SOFTMAX_CROSS_ENTROPY, 3, true, 61);
        INDArray x = TestNets.nd(TestNets.inputs(32, 3, 62), DataType.DOUBLE);
        INDArray y = TestNets.nd(TestNets.targets(Loss.SOFTMAX_CROSS_ENTROPY, 32, 3, 63), DataType.DOUBLE);
        StepPlan mc = plan(EnumSet.of(CaptureField.OUTPUT_GRADIENTS), TargetSource.MC_FISHER);
        INDArray first = mlp.capture(x, y, mc, Nd4j.getRandomFactory().getNewRandomInstance(5)).layer(0)
                .require(CaptureField.OUTPUT_GRADIENTS);
        INDArray second = mlp.capture(x, y, mc, Nd4j.getRandomFactory().getNewRandomInstance(5)).layer(0)
                .require(CaptureField.OUTPUT_GRADIENTS);
        INDArray empirical = mlp.capture(x, y, plan(EnumSet.of(CaptureField.OUTPUT_GRADIENTS), TargetSource.EMPIRICAL),
                null).layer(0).require(CaptureField.OUTPUT_GRADIENTS);
        assertThat(maxAbsDiff(first, second)).isZero();
        assertThat(maxAbsDiff(first, empirical)).isGreaterThan(1e-3);
    }

    @Test
    void captureWithLoss_reportsTheBatchMeanLoss() {
        ReferenceMlp mlp = TestNets.tiny(Activation.SIGMOID, Loss.SIGMOID_CROSS_ENTROPY, 2, true, 71);
        INDArray x = TestNets.nd(TestNets.inputs(9, 3, 72), DataType.DOUBLE);
        INDArray y = TestNets.nd(TestNets.targets(Loss.SIGMOID_CROSS_ENTROPY, 9, 2, 73), DataType.DOUBLE);
        ReferenceMlp.StepCapture step = mlp.captureWithLoss(x, y, StepPlanHolder.GRADIENT, null);
        assertThat(step.loss()).isCloseTo(mlp.loss(x, y), within(1e-14));
    }

    @ParameterizedTest
    @EnumSource(value = Activation.class, names = {"IDENTITY", "TANH", "SIGMOID", "RELU", "SOFTPLUS"})
    void exactOutputGradients_giveTheExactOutputFactor(Activation activation) {
        // TargetSource.EXACT back-propagates the k·B rows of the output Hessian's square root, so
        // Σ_rows g gᵀ / B equals G_l = (1/B) Σ D_lᵢᵀ H_i D_lᵢ with no sampling error: 1e-12 is
        // rounding of order-1 sums.
        for (Loss loss : Loss.values()) {
            ReferenceMlp mlp = TestNets.tiny(activation, loss, 3, true, 91);
            int batch = 5;
            double[][] xs = TestNets.inputs(batch, 3, 92);
            double[][] ys = TestNets.targets(loss, batch, 3, 93);
            ModelCapture capture = mlp.capture(TestNets.nd(xs, DataType.DOUBLE), TestNets.nd(ys, DataType.DOUBLE),
                    plan(ALL, TargetSource.EXACT), null);
            ExactCurvature exact = ExactCurvature.of(mlp, xs, ys);
            for (int l = 0; l < mlp.layerCount(); l++) {
                INDArray g = capture.layer(l).require(CaptureField.OUTPUT_GRADIENTS);
                assertThat(g.rows()).isEqualTo(3L * batch);
                assertClose(g.transpose().mmul(g).divi(batch), exact.outputFactor(l), loss + " exact G", l);
                assertClose(capture.layer(l).gradient(), exact.layerGradient(l), loss + " gradient", l);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Loss.class)
    void mcOutputGradients_averageToTheExactOutputFactor(Loss loss) {
        // (1/B) Σ g_i g_iᵀ with g from sampled targets is an unbiased estimate of the exact
        // G_l = (1/B) Σ D_lᵢᵀ H_i D_lᵢ. Over N = 1500 independent captures each entry's mean is
        // compared with the exact value within 5 standard errors (estimated from the same N
        // draws) plus 1e-12: with ~35 entries per net, a false alarm has probability below 1e-4,
        // and the seed makes the run reproducible anyway. A bias as small as a few per cent of an
        // entry's spread would be caught.
        ReferenceMlp mlp = TestNets.tiny(Activation.TANH, loss, 3, true, 81);
        int batch = 8;
        double[][] xs = TestNets.inputs(batch, 3, 82);
        double[][] ys = TestNets.targets(loss, batch, 3, 83);
        INDArray x = TestNets.nd(xs, DataType.DOUBLE);
        INDArray y = TestNets.nd(ys, DataType.DOUBLE);
        ExactCurvature exact = ExactCurvature.of(mlp, xs, ys);
        int draws = 1500;
        StepPlan mc = plan(EnumSet.of(CaptureField.OUTPUT_GRADIENTS), TargetSource.MC_FISHER);
        int layers = mlp.layerCount();
        double[][][] sum = new double[layers][][];
        double[][][] sumSq = new double[layers][][];
        try (Random random = Nd4j.getRandomFactory().getNewRandomInstance(84)) {
            for (int d = 0; d < draws; d++) {
                ModelCapture capture = mlp.capture(x, y, mc, random);
                for (int l = 0; l < layers; l++) {
                    INDArray g = capture.layer(l).require(CaptureField.OUTPUT_GRADIENTS);
                    double[][] estimate = DenseMatrices.toDoubleArray(g.transpose().mmul(g).divi(batch));
                    if (sum[l] == null) {
                        sum[l] = new double[estimate.length][estimate.length];
                        sumSq[l] = new double[estimate.length][estimate.length];
                    }
                    for (int i = 0; i < estimate.length; i++) {
                        for (int j = 0; j < estimate.length; j++) {
                            sum[l][i][j] += estimate[i][j];
                            sumSq[l][i][j] += estimate[i][j] * estimate[i][j];
                        }
                    }
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        for (int l = 0; l < layers; l++) {
            double[][] g = exact.outputFactor(l);
            for (int i = 0; i < g.length; i++) {
                for (int j = 0; j < g.length; j++) {
                    double mean = sum[l][i][j] / draws;
                    double variance = Math.max(0.0, sumSq[l][i][j] / draws - mean * mean);
                    double standardError = Math.sqrt(variance / draws);
                    assertThat(mean).as("%s layer %d G[%d][%d]", loss, l, i, j)
                            .isCloseTo(g[i][j], within(5 * standardError + 1e-12));
                }
            }
        }
    }

    private static void assertClose(INDArray actual, double[][] expected, String what, int layer) {
        double[][] a = DenseMatrices.toDoubleArray(actual);
        assertThat(DenseMatrices.maxAbsDifference(a, expected)).as("%s of layer %d", what, layer).isLessThan(1e-12);
    }

    private static double maxAbsDiff(INDArray a, INDArray b) {
        return DenseMatrices.maxAbsDifference(DenseMatrices.toDoubleArray(a), DenseMatrices.toDoubleArray(b));
    }

    private static final class StepPlanHolder {
        static final StepPlan GRADIENT = new StepPlan(0, EnumSet.of(CaptureField.GRADIENT), TargetSource.EMPIRICAL);
    }
}
