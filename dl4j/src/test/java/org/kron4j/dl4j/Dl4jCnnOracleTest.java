package org.kron4j.dl4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.assertj.core.data.Offset;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.kron4j.api.capture.BatchOracle;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/**
 * The DL4J batch oracle on small float64 CNNs, against oracles that do not share its code:
 * <ul>
 *   <li>{@code gaussNewtonTimes} against (1/B) Σ_i J_iᵀ H_i J_i v, J the Jacobian of the output
 *       layer's pre-activation z with respect to every block's coordinates from central finite
 *       differences of DL4J's own training-mode forward pass ({@code feedForwardToLayer(…, true)}:
 *       batch-statistics BatchNormalization), H_i = diag(p_i) − p_i p_iᵀ the softmax
 *       cross-entropy's Hessian;</li>
 *   <li>{@code gaussNewtonGram} symmetric and equal to the inner products of {@code gaussNewtonTimes};</li>
 *   <li>{@code loss} and {@code lossAt(δ)} against DL4J's training score with the parameters really
 *       moved by δ, and the directional derivative of {@code lossAt} against DL4J's own gradient
 *       (the capture's GRADIENT), so that curvature, loss and gradient describe one function.</li>
 * </ul>
 * The networks cover stride, explicit padding (Truncate), Same mode, dilation (convolution and
 * pooling), max and average pooling, global max and sum pooling, batch normalization on
 * NCHW and on dense activations, an activation layer, the CNN-to-dense preprocessor and dense
 * heads. Smooth activations only, so that finite differences see no kink; max-pooling windows
 * have no ties on continuous random data.
 */
class Dl4jCnnOracleTest {
    private static final int B = 5;
    private static final int C = 2;
    private static final int H = 7;
    private static final int K = 3;

    /** The CNNs under test, input 2×7×7, three softmax classes. */
    enum Net {
        /** conv 3×3 stride 2 Same (3, tanh) → max pool 2×2 stride 1 → dense 5 (tanh) → softmax. */
        SAME_STRIDED_MAX,
        /**
         * conv 2×2 padding 1 dilation 2 (3, sigmoid) → average pool 2×2 stride 2 Same → global max
         * pooling → softmax.
         */
        PADDED_DILATED_AVG,
        /**
         * conv 3×3 (3, identity) → batch normalization → tanh layer → max pool 2×2 stride 2 dilation
         * 2 Same → dense 4 (softplus) → softmax.
         */
        BATCH_NORMALIZED,
        /**
         * conv 3×3 padding 1 (3, tanh) → average pool 2×2 stride 2 → global sum pooling → dense 4
         * (identity) → batch normalization (on B×4) → tanh layer → softmax.
         */
        AVG_GLOBAL_SUM_DENSE_BN
    }

    static MultiLayerNetwork network(Net net, long seed) {
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().seed(seed).updater(new Sgd(0.1))
                .weightInit(WeightInit.XAVIER_UNIFORM).dataType(DataType.DOUBLE).list();
        switch (net) {
            case SAME_STRIDED_MAX -> list
                    .layer(new ConvolutionLayer.Builder(3, 3).stride(2, 2).convolutionMode(ConvolutionMode.Same).nOut(3)
                            .activation(Activation.TANH).build())
                    .layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(1, 1).build())
                    .layer(new DenseLayer.Builder().nOut(5).activation(Activation.TANH).build());
            case PADDED_DILATED_AVG -> list
                    .layer(new ConvolutionLayer.Builder(2, 2).padding(1, 1).dilation(2, 2).nOut(3)
                            .activation(Activation.SIGMOID).build())
                    .layer(new SubsamplingLayer.Builder(PoolingType.AVG).kernelSize(2, 2).stride(2, 2)
                            .convolutionMode(ConvolutionMode.Same).build())
                    .layer(new GlobalPoolingLayer.Builder(PoolingType.MAX).build());
            case BATCH_NORMALIZED -> list
                    .layer(new ConvolutionLayer.Builder(3, 3).nOut(3).activation(Activation.IDENTITY).build())
                    .layer(new BatchNormalization.Builder().build())
                    .layer(new ActivationLayer.Builder().activation(Activation.TANH).build())
                    .layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).dilation(2, 2)
                            .convolutionMode(ConvolutionMode.Same).build())
                    .layer(new DenseLayer.Builder().nOut(4).activation(Activation.SOFTPLUS).build());
            case AVG_GLOBAL_SUM_DENSE_BN -> list
                    .layer(new ConvolutionLayer.Builder(3, 3).padding(1, 1).nOut(3).activation(Activation.TANH).build())
                    .layer(new SubsamplingLayer.Builder(PoolingType.AVG).kernelSize(2, 2).stride(2, 2).build())
                    .layer(new GlobalPoolingLayer.Builder(PoolingType.SUM).build())
                    .layer(new DenseLayer.Builder().nOut(4).activation(Activation.IDENTITY).build())
                    .layer(new BatchNormalization.Builder().build())
                    .layer(new ActivationLayer.Builder().activation(Activation.TANH).build());
        }
        list.layer(new OutputLayer.Builder(new LossMCXENT()).nOut(K).activation(Activation.SOFTMAX).build());
        MultiLayerNetwork network = new MultiLayerNetwork(list.setInputType(InputType.convolutional(H, H, C)).build());
        network.init();
        // non-zero biases, shifts and scales away from 1, so that a dropped bias or scale column shows
        SplittableRandom random = new SplittableRandom(seed + 1);
        for (int l = 0; l < network.getnLayers(); l++) {
            for (String key : List.of("b", "gamma", "beta")) {
                INDArray p = network.getLayer(l).paramTable(false).get(key);
                if (p != null) {
                    for (long i = 0; i < p.length(); i++) {
                        p.putScalar(i, p.getDouble(i) + 0.4 * (random.nextDouble() - 0.5));
                    }
                }
            }
        }
        return network;
    }

    static INDArray inputs(long seed) {
        return uniform(new long[] {B, C, H, H}, seed).muli(2);
    }

    /** Uniform on [−0.5, 0.5), float64, c order. */
    private static INDArray uniform(long[] shape, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        long length = 1;
        for (long d : shape) {
            length *= d;
        }
        double[] values = new double[Math.toIntExact(length)];
        for (int i = 0; i < values.length; i++) {
            values[i] = random.nextDouble() - 0.5;
        }
        return Nd4j.create(values, shape, 'c');
    }

    static INDArray labels(long seed) {
        INDArray y = Nd4j.zeros(DataType.DOUBLE, B, K);
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < B; i++) {
            y.putScalar(i, random.nextInt(K), 1.0);
        }
        return y;
    }

    private static List<INDArray> randomVector(List<ParameterBlock> blocks, long seed) {
        List<INDArray> v = new ArrayList<>();
        for (ParameterBlock block : blocks) {
            v.add(uniform(block.spec().gradientShape(), seed++));
        }
        return v;
    }

    /** Adds {@code scale}·direction (kron4j layout) to the network's live parameters. */
    private static void move(MultiLayerNetwork network, List<ParameterBlock> blocks, List<INDArray> direction,
            double scale) {
        for (int b = 0; b < blocks.size(); b++) {
            ParameterBlock block = blocks.get(b);
            INDArray[] parts = block.toDl4jLayout(direction.get(b).mul(scale), DataType.DOUBLE);
            String[] names = block.isScaleShift() ? new String[] {"gamma", "beta"} : new String[] {"W", "b"};
            for (int p = 0; p < 2; p++) {
                INDArray live = network.getLayer(block.layerIndex()).getParam(names[p]);
                live.addi(parts[p].reshape(live.shape()));
            }
        }
    }

    /** z of the output layer from DL4J's training-mode forward pass (batch-statistics normalization). */
    private static double[] outputPreActivation(MultiLayerNetwork network, INDArray x) {
        int top = network.getnLayers() - 1;
        INDArray below = network.feedForwardToLayer(top - 1, x, true).get(top);
        InputPreProcessor pre = network.getLayerWiseConfigurations().getInputPreProcess(top);
        if (pre != null) {
            below = pre.preProcess(below, B, LayerWorkspaceMgr.noWorkspaces());
        }
        INDArray z = below.mmul(network.getLayer(top).getParam("W")).addiRowVector(network.getLayer(top).getParam("b"));
        return z.dup('c').data().asDouble();
    }

    /** Every block coordinate's column of J (B·K values each), by central differences with step h. */
    private static List<double[]> jacobianColumns(MultiLayerNetwork network, List<ParameterBlock> blocks, INDArray x,
            double h) {
        List<double[]> columns = new ArrayList<>();
        for (int b = 0; b < blocks.size(); b++) {
            long[] shape = blocks.get(b).spec().gradientShape();
            long length = blocks.get(b).spec().parameterCount();
            for (long j = 0; j < length; j++) {
                List<INDArray> e = new ArrayList<>();
                for (ParameterBlock block : blocks) {
                    e.add(Nd4j.zeros(DataType.DOUBLE, block.spec().gradientShape()));
                }
                double[] unit = new double[Math.toIntExact(length)];
                unit[(int) j] = 1.0;
                e.set(b, Nd4j.create(unit, shape, 'c'));
                move(network, blocks, e, h);
                double[] plus = outputPreActivation(network, x);
                move(network, blocks, e, -2 * h);
                double[] minus = outputPreActivation(network, x);
                move(network, blocks, e, h);
                double[] column = new double[plus.length];
                for (int i = 0; i < column.length; i++) {
                    column[i] = (plus[i] - minus[i]) / (2 * h);
                }
                columns.add(column);
            }
        }
        return columns;
    }

    private static double[] flatten(List<INDArray> parts) {
        List<Double> out = new ArrayList<>();
        for (INDArray part : parts) {
            for (double value : part.dup('c').data().asDouble()) {
                out.add(value);
            }
        }
        return out.stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static double relativeError(double[] actual, double[] expected) {
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < actual.length; i++) {
            diff += (actual[i] - expected[i]) * (actual[i] - expected[i]);
            norm += expected[i] * expected[i];
        }
        return Math.sqrt(diff / norm);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Net.class)
    void gaussNewtonTimes_equalsFiniteDifferenceJacobianGgnTimesVector(Net net) {
        MultiLayerNetwork network = network(net, 3);
        INDArray x = inputs(4);
        INDArray y = labels(5);
        NetworkModel model = NetworkModel.of(network);
        List<ParameterBlock> blocks = model.blocks(Set.of());
        assertThat(blocks).allMatch(b -> b.isDense() || b.isConv() || b.isScaleShift());
        BatchOracle oracle = new Dl4jBatchOracle(model, blocks, x, y);

        // J by central differences, h = 1e-5 on unit coordinates: truncation O(h²·|z'''|) ≈ 1e-10 and
        // rounding O(ε·|z|/h) ≈ 1e-11 per entry, so the products agree to about 1e-8 relative; 1e-6
        // leaves room, while a wrong tap, padding, selection, normalization term or scale is O(1e-2..1).
        List<double[]> columns = jacobianColumns(network, blocks, x, 1e-5);
        int n = columns.size();
        double[] z = outputPreActivation(network, x);
        double[][] hessians = new double[B][];
        for (int i = 0; i < B; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < K; k++) {
                max = Math.max(max, z[i * K + k]);
            }
            double[] p = new double[K];
            double sum = 0;
            for (int k = 0; k < K; k++) {
                p[k] = Math.exp(z[i * K + k] - max);
                sum += p[k];
            }
            hessians[i] = new double[K * K];
            for (int a = 0; a < K; a++) {
                for (int c = 0; c < K; c++) {
                    hessians[i][a * K + c] = (a == c ? p[a] / sum : 0) - p[a] * p[c] / (sum * sum);
                }
            }
        }
        List<INDArray> v = randomVector(blocks, 10);
        double[] vFlat = flatten(v);
        double[] u = new double[B * K];
        for (int j = 0; j < n; j++) {
            for (int r = 0; r < u.length; r++) {
                u[r] += columns.get(j)[r] * vFlat[j];
            }
        }
        double[] hu = new double[B * K];
        for (int i = 0; i < B; i++) {
            for (int a = 0; a < K; a++) {
                for (int c = 0; c < K; c++) {
                    hu[i * K + a] += hessians[i][a * K + c] * u[i * K + c];
                }
            }
        }
        double[] expected = new double[n];
        for (int j = 0; j < n; j++) {
            for (int r = 0; r < hu.length; r++) {
                expected[j] += columns.get(j)[r] * hu[r] / B;
            }
        }
        double[] actual = flatten(oracle.gaussNewtonTimes(v));
        assertThat(relativeError(actual, expected)).as("%s", net).isLessThan(1e-6);

        // the Gram matrix: symmetric, and the inner products of the products (same arithmetic: 1e-12)
        List<INDArray> w = randomVector(blocks, 40);
        double[][] gram = oracle.gaussNewtonGram(List.of(v, w));
        assertThat(gram[0][1]).isEqualTo(gram[1][0]);
        double[] gv = actual;
        double[] gw = flatten(oracle.gaussNewtonTimes(w));
        double[] vw = {dot(vFlat, gv), dot(flatten(w), gv), dot(flatten(w), gw)};
        assertThat(gram[0][0]).isCloseTo(vw[0], Offset.offset(1e-12 * Math.abs(vw[0])));
        assertThat(gram[0][1]).isCloseTo(vw[1], Offset.offset(1e-12 * (Math.abs(vw[0]) + Math.abs(vw[2]))));
        assertThat(gram[1][1]).isCloseTo(vw[2], Offset.offset(1e-12 * Math.abs(vw[2])));
        assertThat(gram[0][0]).isPositive();
    }

    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Net.class)
    void lossAt_equalsDl4jTrainingScoreAfterMoving_andItsSlopeIsDl4jsGradient(Net net) {
        MultiLayerNetwork network = network(net, 6);
        INDArray x = inputs(7);
        INDArray y = labels(8);
        DataSet data = new DataSet(x, y);
        NetworkModel model = NetworkModel.of(network);
        List<ParameterBlock> blocks = model.blocks(Set.of());
        BatchOracle oracle = new Dl4jBatchOracle(model, blocks, x, y);
        // float64, the same function summed in different orders: rounding only, 1e-10 on losses of order 1
        assertThat(oracle.loss()).isCloseTo(network.score(data, true), Offset.offset(1e-10));

        // the slope of lossAt along v at 0 (central difference, h = 1e-5: error ≈ 1e-10 relative to
        // |g·v| ≈ 1e-1) against DL4J's own training gradient, divided by B as the capture holds it
        Gradient gradient = network.calculateGradients(x, y, null, null).getFirst();
        List<INDArray> v = randomVector(blocks, 50);
        double expectedSlope = 0;
        for (int b = 0; b < blocks.size(); b++) {
            expectedSlope += blocks.get(b).gradient(gradient, B).mul(v.get(b)).sumNumber().doubleValue();
        }
        double h = 1e-5;
        double slope = (oracle.lossAt(scaled(v, h)) - oracle.lossAt(scaled(v, -h))) / (2 * h);
        assertThat(slope).isCloseTo(expectedSlope, Offset.offset(1e-7 * Math.max(1e-2, Math.abs(expectedSlope))));

        INDArray before = network.params().dup();
        List<INDArray> delta = scaled(randomVector(blocks, 60), 0.3);
        double actual = oracle.lossAt(delta);
        assertThat(network.params().equalsWithEps(before, 0.0)).as("parameters untouched").isTrue();
        move(network, blocks, delta, 1.0);
        double moved = network.score(data, true);
        assertThat(actual).isCloseTo(moved, Offset.offset(1e-10));
        assertThat(Math.abs(moved - oracle.loss())).as("the displacement matters").isGreaterThan(1e-4);
    }

    private static List<INDArray> scaled(List<INDArray> v, double s) {
        return v.stream().map(a -> a.mul(s)).toList();
    }
}
