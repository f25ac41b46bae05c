package org.kron4j.dl4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.kron4j.api.capture.CaptureField;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.capture.StepPlan;
import org.kron4j.api.capture.TargetSource;
import org.kron4j.core.ScaleShift;
import org.kron4j.core.ScaleShiftStatistics;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * BatchNormalization's scale-and-shift block gets the right per-example gradients from the
 * statistics pass: on a float64 CNN (conv → batch normalization → tanh → max pool → dense →
 * softmax) the pairs (Σ_t x̂ δ, Σ_t δ) formed from the captured x̂ and output gradients equal
 * ∂ℓ_i/∂γ_c and ∂ℓ_i/∂β_c of each example's own loss ℓ_i by central finite differences of DL4J's
 * training-mode forward pass (batch statistics: moving γ_c moves every example's output, and ℓ_i
 * is still a function of the whole batch), and their sum over the batch is DL4J's gradient.
 */
class BatchNormScaleShiftTest {

    @Test
    void perExampleScaleAndShiftGradients_equalFiniteDifferencesOfEachExamplesLoss() {
        MultiLayerNetwork network = Dl4jCnnOracleTest.network(Dl4jCnnOracleTest.Net.BATCH_NORMALIZED, 11);
        INDArray x = Dl4jCnnOracleTest.inputs(12);
        INDArray y = Dl4jCnnOracleTest.labels(13);
        int batch = (int) x.size(0);
        NetworkModel model = NetworkModel.of(network);
        List<ParameterBlock> blocks = model.blocks(Set.of());
        int index = -1;
        for (int b = 0; b < blocks.size(); b++) {
            if (blocks.get(b).isScaleShift()) {
                index = b;
            }
        }
        assertThat(index).isEqualTo(1);
        assertThat(blocks.get(index).spec().kind()).isEqualTo(ScaleShift.KIND);
        Gradient gradient = network.calculateGradients(x, y, null, null).getFirst();
        ModelCapture capture = new StatisticsPass(model, blocks).capture(gradient, x, y, new StepPlan(0,
                EnumSet.of(CaptureField.LAYER_INPUTS, CaptureField.OUTPUT_GRADIENTS), TargetSource.EMPIRICAL), null);
        INDArray[] pairs = new ScaleShiftStatistics(blocks.get(index).spec(), DataType.DOUBLE)
                .perExampleGradients(capture.layer(index), batch);

        INDArray gamma = network.getLayer(1).getParam("gamma");
        INDArray beta = network.getLayer(1).getParam("beta");
        int channels = (int) gamma.length();
        double h = 1e-5;
        // central differences with h = 1e-5 on losses of order 1: error ≈ 1e-10; 1e-7 absolute is
        // far below a missing normalization term or a wrong example (both O(1e-2) and more here)
        for (int c = 0; c < channels; c++) {
            for (int p = 0; p < 2; p++) {
                INDArray parameter = p == 0 ? gamma : beta;
                double original = parameter.getDouble(c);
                parameter.putScalar(c, original + h);
                double[] plus = exampleLosses(network, x, y);
                parameter.putScalar(c, original - h);
                double[] minus = exampleLosses(network, x, y);
                parameter.putScalar(c, original);
                for (int i = 0; i < batch; i++) {
                    double expected = (plus[i] - minus[i]) / (2 * h);
                    assertThat(pairs[p].getDouble(i, c)).as("example %d channel %d %s", i, c, p == 0 ? "gamma" : "beta")
                            .isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-7));
                }
            }
        }
        // and their sums are DL4J's own gradient (float64 rounding)
        INDArray dl4jGamma = gradient.getGradientFor("1_gamma");
        INDArray dl4jBeta = gradient.getGradientFor("1_beta");
        for (int c = 0; c < channels; c++) {
            assertThat(pairs[0].getColumn(c).sumNumber().doubleValue()).isCloseTo(dl4jGamma.getDouble(c),
                    org.assertj.core.data.Offset.offset(1e-12));
            assertThat(pairs[1].getColumn(c).sumNumber().doubleValue()).isCloseTo(dl4jBeta.getDouble(c),
                    org.assertj.core.data.Offset.offset(1e-12));
        }
    }

    /** ℓ_i = −log p_i[label] of every example from DL4J's training-mode forward pass on the whole batch. */
    private static double[] exampleLosses(MultiLayerNetwork network, INDArray x, INDArray y) {
        INDArray p = network.output(x, true);
        double[] losses = new double[(int) x.size(0)];
        for (int i = 0; i < losses.length; i++) {
            losses[i] = -Math.log(p.getRow(i).mul(y.getRow(i)).sumNumber().doubleValue());
        }
        return losses;
    }
}
