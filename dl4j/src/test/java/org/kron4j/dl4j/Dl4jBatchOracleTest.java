package org.kron4j.dl4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.assertj.core.data.Offset;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.kron4j.api.UnsupportedModelException;
import org.kron4j.api.capture.BatchOracle;
import org.kron4j.api.capture.CaptureField;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.capture.StepPlan;
import org.kron4j.api.capture.TargetSource;
import org.kron4j.api.model.Loss;
import org.kron4j.testkit.oracle.DenseMatrices;
import org.kron4j.reference.exact.ExactCurvature;
import org.kron4j.reference.exact.TinyMlp;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossBinaryXENT;
import org.nd4j.linalg.lossfunctions.impl.LossL2;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;

/**
 * The DL4J adapter's {@link BatchOracle} against the plain-Java oracles in float64: the
 * Gauss-Newton × vector product against c times the dense exact GGN of {@link ExactCurvature}
 * (c the DL4J loss's multiple of kron4j's, see {@link OutputLoss}), the loss at displaced
 * parameters against c times {@link TinyMlp}'s loss there and against DL4J's score after the
 * parameters are really changed.
 */
class Dl4jBatchOracleTest {
    private static final int B = 7;
    private static final int K = 3;
    private static final int[] SIZES = {4, 5, 4, K};

    /** The four supported outputs with kron4j's loss and c. */
    enum Output {
        SOFTMAX_MCXENT(Activation.SOFTMAX, Loss.SOFTMAX_CROSS_ENTROPY, 1.0),
        SIGMOID_XENT(Activation.SIGMOID, Loss.SIGMOID_CROSS_ENTROPY, 1.0),
        IDENTITY_MSE(Activation.IDENTITY, Loss.SQUARED_ERROR, 2.0 / K),
        IDENTITY_L2(Activation.IDENTITY, Loss.SQUARED_ERROR, 2.0);

        final Activation activation;
        final Loss loss;
        final double scale;

        Output(Activation activation, Loss loss, double scale) {
            this.activation = activation;
            this.loss = loss;
            this.scale = scale;
        }

        ILossFunction dl4jLoss() {
            return switch (this) {
                case SOFTMAX_MCXENT -> new LossMCXENT();
                case SIGMOID_XENT -> new LossBinaryXENT();
                case IDENTITY_MSE -> new LossMSE();
                case IDENTITY_L2 -> new LossL2();
            };
        }
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        Activation[] hidden = {Activation.IDENTITY, Activation.TANH, Activation.SIGMOID, Activation.RELU,
            Activation.SOFTPLUS};
        for (Activation h : hidden) {
            for (Output o : Output.values()) {
                out.add(Arguments.of(h, o));
            }
        }
        return out.stream();
    }

    private static org.kron4j.api.model.Activation kron4j(Activation activation) {
        return org.kron4j.api.model.Activation.valueOf(activation.name());
    }

    /** A float64 DL4J MLP with non-zero biases (zero biases would hide bias-column bugs). */
    private static MultiLayerNetwork network(Activation hidden, Output output, long seed) {
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().seed(seed).updater(new Sgd(0.1))
                .weightInit(WeightInit.XAVIER_UNIFORM).biasInit(0.0).dataType(DataType.DOUBLE).list();
        for (int l = 0; l < SIZES.length - 2; l++) {
            list.layer(new DenseLayer.Builder().nIn(SIZES[l]).nOut(SIZES[l + 1]).activation(hidden).build());
        }
        list.layer(new OutputLayer.Builder(output.dl4jLoss()).nIn(SIZES[SIZES.length - 2]).nOut(K)
                .activation(output.activation).build());
        MultiLayerNetwork network = new MultiLayerNetwork(list.build());
        network.init();
        perturbBiases(network, seed);
        return network;
    }

    private static void perturbBiases(MultiLayerNetwork network, long seed) {
        SplittableRandom random = new SplittableRandom(seed + 7);
        for (int l = 0; l < network.getnLayers(); l++) {
            INDArray b = network.getLayer(l).paramTable(false).get("b");
            if (b != null) {
                for (long i = 0; i < b.length(); i++) {
                    b.putScalar(i, 0.6 * (random.nextDouble() - 0.5));
                }
            }
        }
    }

    /** The same network as a TinyMlp: per dense layer [Wᵀ | bᵀ], kron4j's activations. */
    private static TinyMlp tiny(MultiLayerNetwork network, org.kron4j.api.model.Activation[] activations, Loss loss) {
        List<double[][]> weights = new ArrayList<>();
        for (int l = 0; l < network.getnLayers(); l++) {
            INDArray w = network.getLayer(l).paramTable(false).get("W");
            if (w == null) {
                continue;
            }
            INDArray b = network.getLayer(l).paramTable(false).get("b");
            weights.add(DenseMatrices.toDoubleArray(Nd4j.hstack(w.transpose(), b.reshape(b.length(), 1))));
        }
        return new TinyMlp(weights.toArray(new double[0][][]), activations, loss, true);
    }

    private static double[][] inputs(int rows, int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[][] x = new double[rows][n];
        for (double[] row : x) {
            for (int j = 0; j < n; j++) {
                row[j] = 3.0 * random.nextDouble() - 1.5;
            }
        }
        return x;
    }

    private static double[][] labels(Output output, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[][] y = new double[B][K];
        for (double[] row : y) {
            switch (output.loss) {
                case SOFTMAX_CROSS_ENTROPY -> row[random.nextInt(K)] = 1.0;
                case SIGMOID_CROSS_ENTROPY -> {
                    for (int j = 0; j < K; j++) {
                        row[j] = random.nextBoolean() ? 1.0 : 0.0;
                    }
                }
                default -> {
                    for (int j = 0; j < K; j++) {
                        row[j] = 2.0 * random.nextDouble() - 1.0;
                    }
                }
            }
        }
        return y;
    }

    private static double[] randomVector(int length, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] v = new double[length];
        for (int i = 0; i < length; i++) {
            v[i] = 2.0 * random.nextDouble() - 1.0;
        }
        return v;
    }

    /** A flat vector in TinyMlp's order as kron4j-layout arrays m×(n+1), one per dense layer. */
    private static List<INDArray> perLayer(TinyMlp net, double[] flat) {
        List<INDArray> out = new ArrayList<>();
        for (int l = 0; l < net.layerCount(); l++) {
            int count = net.layerParameterCount(l);
            double[] part = Arrays.copyOfRange(flat, net.layerOffset(l), net.layerOffset(l) + count);
            out.add(DenseMatrices.unvecToINDArray(part, net.outputs(l), count / net.outputs(l), DataType.DOUBLE));
        }
        return out;
    }

    private static double[] flatten(List<INDArray> layers) {
        return layers.stream().flatMapToDouble(a -> Arrays.stream(DenseMatrices.vec(DenseMatrices.toDoubleArray(a))))
                .toArray();
    }

    private static BatchOracle oracle(MultiLayerNetwork network, double[][] x, double[][] y) {
        NetworkModel model = NetworkModel.of(network);
        return new Dl4jBatchOracle(model, model.blocks(Set.of()), Nd4j.create(x), Nd4j.create(y));
    }

    private static org.kron4j.api.model.Activation[] activations(Activation hidden) {
        org.kron4j.api.model.Activation h = kron4j(hidden);
        return new org.kron4j.api.model.Activation[] {h, h, org.kron4j.api.model.Activation.IDENTITY};
    }

    @ParameterizedTest(name = "{0} hidden, {1}")
    @MethodSource("cases")
    void gaussNewtonTimes_equalsScaledDenseExactGgnTimesVector(Activation hidden, Output output) {
        // float64 on both sides, the same sums in different orders (DL4J gemms vs per-example dense
        // J_iᵀ H_i J_i): rounding only, 1e-11 relative; a wrong scale c, layout or derivative is O(1).
        MultiLayerNetwork network = network(hidden, output, 3);
        double[][] x = inputs(B, SIZES[0], 4);
        double[][] y = labels(output, 5);
        TinyMlp net = tiny(network, activations(hidden), output.loss);
        double[][] ggn = DenseMatrices.scale(ExactCurvature.of(net, x, y).fisher(), output.scale);
        BatchOracle oracle = oracle(network, x, y);
        for (int trial = 0; trial < 2; trial++) {
            double[] v = randomVector(net.parameterCount(), 10 + trial);
            List<INDArray> product = oracle.gaussNewtonTimes(perLayer(net, v));
            assertThat(DenseMatrices.relativeError(flatten(product), DenseMatrices.multiply(ggn, v)))
                    .as("trial %d", trial).isLessThan(1e-11);
            assertThat(product.get(0).shape()).containsExactly(SIZES[1], SIZES[0] + 1);
        }
        double[] v = randomVector(net.parameterCount(), 20);
        double[] w = randomVector(net.parameterCount(), 21);
        double[][] expected = {
            {DenseMatrices.dot(v, DenseMatrices.multiply(ggn, v)), DenseMatrices.dot(v, DenseMatrices.multiply(ggn, w))},
            {DenseMatrices.dot(w, DenseMatrices.multiply(ggn, v)), DenseMatrices.dot(w, DenseMatrices.multiply(ggn, w))}};
        assertThat(DenseMatrices.relativeError(oracle.gaussNewtonGram(List.of(perLayer(net, v), perLayer(net, w))),
                expected)).isLessThan(1e-11);
    }

    @ParameterizedTest(name = "{0} hidden, {1}")
    @MethodSource("cases")
    void lossAt_equalsScaledOracleLossAndDl4jScoreAfterApplying(Activation hidden, Output output) {
        // Logits stay far from DL4J's clipping (|s| < 11), so DL4J's loss is c times the exact one:
        // rounding only, 1e-10 absolute on losses of order 1.
        MultiLayerNetwork network = network(hidden, output, 6);
        double[][] x = inputs(B, SIZES[0], 7);
        double[][] y = labels(output, 8);
        TinyMlp net = tiny(network, activations(hidden), output.loss);
        BatchOracle oracle = oracle(network, x, y);
        INDArray before = network.params().dup();
        assertThat(oracle.loss()).isCloseTo(output.scale * net.meanLoss(x, y), Offset.offset(1e-10));
        double[] delta = randomVector(net.parameterCount(), 30);
        for (int i = 0; i < delta.length; i++) {
            delta[i] *= 0.3;
        }
        double[] displaced = net.parameterVector();
        for (int i = 0; i < displaced.length; i++) {
            displaced[i] += delta[i];
        }
        double actual = oracle.lossAt(perLayer(net, delta));
        assertThat(actual).isCloseTo(output.scale * net.withParameters(displaced).meanLoss(x, y), Offset.offset(1e-10));
        assertThat(network.params().equalsWithEps(before, 0.0)).as("parameters untouched").isTrue();

        // apply the displacement for real: DL4J's own score (no regularisation configured) agrees
        NetworkModel model = NetworkModel.of(network);
        List<ParameterBlock> blocks = model.blocks(Set.of());
        List<INDArray> step = perLayer(net, delta);
        for (int i = 0; i < blocks.size(); i++) {
            INDArray[] parts = blocks.get(i).toDl4jLayout(step.get(i), DataType.DOUBLE);
            int l = blocks.get(i).layerIndex();
            network.getLayer(l).getParam("W").addi(parts[0]);
            INDArray bias = network.getLayer(l).getParam("b");
            bias.addi(parts[1].reshape(bias.shape()));
        }
        assertThat(network.score(new DataSet(Nd4j.create(x), Nd4j.create(y)), false)).isCloseTo(actual,
                Offset.offset(1e-10));
    }

    @Test
    void activationAndDropoutLayers_areTransparentToTheProducts() {
        // Dense(identity) → ActivationLayer(tanh) → Dropout → Output is the tanh MLP 4-5-3: same oracle, same tolerance.
        MultiLayerNetwork network = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(12)
                .updater(new Sgd(0.1)).weightInit(WeightInit.XAVIER_UNIFORM).dataType(DataType.DOUBLE).list()
                .layer(new DenseLayer.Builder().nIn(4).nOut(5).activation(Activation.IDENTITY).build())
                .layer(new ActivationLayer.Builder().activation(Activation.TANH).build())
                .layer(new DropoutLayer.Builder(0.5).build())
                .layer(new OutputLayer.Builder(new LossMCXENT()).nIn(5).nOut(K).activation(Activation.SOFTMAX).build())
                .build());
        network.init();
        perturbBiases(network, 12);
        double[][] x = inputs(B, 4, 13);
        double[][] y = labels(Output.SOFTMAX_MCXENT, 14);
        TinyMlp net = tiny(network, new org.kron4j.api.model.Activation[] {org.kron4j.api.model.Activation.TANH,
            org.kron4j.api.model.Activation.IDENTITY}, Loss.SOFTMAX_CROSS_ENTROPY);
        BatchOracle oracle = oracle(network, x, y);
        double[] v = randomVector(net.parameterCount(), 15);
        double[] expected = DenseMatrices.multiply(ExactCurvature.of(net, x, y).fisher(), v);
        assertThat(DenseMatrices.relativeError(flatten(oracle.gaussNewtonTimes(perLayer(net, v))), expected))
                .isLessThan(1e-11);
        assertThat(oracle.loss()).isCloseTo(net.meanLoss(x, y), Offset.offset(1e-10));
    }

    @Test
    void frozenBottomLayer_productIsTheTrainableBlockOfTheGgn() {
        // A FrozenLayer's parameters are constants: the oracle's G is the exact GGN's block of the
        // trainable parameters (layers 1 and 2). Same arithmetic as above, same 1e-11.
        MultiLayerNetwork network = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(22)
                .updater(new Sgd(0.1)).weightInit(WeightInit.XAVIER_UNIFORM).dataType(DataType.DOUBLE).list()
                .layer(new org.deeplearning4j.nn.conf.layers.misc.FrozenLayer(new DenseLayer.Builder().nIn(4).nOut(5)
                        .activation(Activation.TANH).build()))
                .layer(new DenseLayer.Builder().nIn(5).nOut(4).activation(Activation.SIGMOID).build())
                .layer(new OutputLayer.Builder(new LossBinaryXENT()).nIn(4).nOut(K).activation(Activation.SIGMOID)
                        .build())
                .build());
        network.init();
        perturbBiases(network, 22);
        double[][] x = inputs(B, 4, 23);
        double[][] y = labels(Output.SIGMOID_XENT, 24);
        TinyMlp net = tiny(network, new org.kron4j.api.model.Activation[] {org.kron4j.api.model.Activation.TANH,
            org.kron4j.api.model.Activation.SIGMOID, org.kron4j.api.model.Activation.IDENTITY},
                Loss.SIGMOID_CROSS_ENTROPY);
        int offset = net.layerOffset(1);
        int count = net.parameterCount() - offset;
        double[][] block = DenseMatrices.block(ExactCurvature.of(net, x, y).fisher(), offset, offset, count, count);
        double[] v = randomVector(net.parameterCount(), 25);
        Arrays.fill(v, 0, offset, 0.0);
        List<INDArray> trainable = perLayer(net, v).subList(1, 3);
        BatchOracle oracle = oracle(network, x, y);
        double[] product = flatten(oracle.gaussNewtonTimes(trainable));
        assertThat(DenseMatrices.relativeError(product, DenseMatrices.multiply(block, Arrays.copyOfRange(v, offset,
                v.length)))).isLessThan(1e-11);
    }

    @Test
    void opaqueLayer_lossWorksProductsRefuse() {
        MultiLayerNetwork network = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(16)
                .updater(new Sgd(0.1)).dataType(DataType.DOUBLE).list()
                .layer(new DenseLayer.Builder().nIn(4).nOut(5).activation(Activation.TANH).build())
                .layer(new DenseLayer.Builder().nIn(5).nOut(5).hasLayerNorm(true).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(new LossMCXENT()).nIn(5).nOut(K).activation(Activation.SOFTMAX).build())
                .build());
        network.init();
        double[][] x = inputs(B, 4, 17);
        double[][] y = labels(Output.SOFTMAX_MCXENT, 18);
        BatchOracle oracle = oracle(network, x, y);
        assertThat(oracle.loss()).isCloseTo(network.score(new DataSet(Nd4j.create(x), Nd4j.create(y)), false),
                Offset.offset(1e-10));
        assertThatThrownBy(() -> oracle.gaussNewtonTimes(List.of())).isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("DL4J layer 1 (DenseLayer)");
    }

    @Test
    void adaptiveAttach_onANetworkTheOracleCannotPass_isRefusedAtAttach_fixedDampingAttaches() {
        // before this check every adaptive step failed inside the oracle and was skipped: a flat loss, exit 0
        java.util.function.Supplier<MultiLayerNetwork> build = () -> {
            MultiLayerNetwork network = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(16)
                    .updater(new org.nd4j.linalg.learning.config.NoOp()).list()
                    .layer(new DenseLayer.Builder().nIn(4).nOut(5).activation(Activation.TANH).build())
                    .layer(new DenseLayer.Builder().nIn(5).nOut(5).hasLayerNorm(true).activation(Activation.TANH)
                            .build())
                    .layer(new OutputLayer.Builder(new LossMCXENT()).nIn(5).nOut(K).activation(Activation.SOFTMAX)
                            .build())
                    .build());
            network.init();
            return network;
        };
        assertThatThrownBy(() -> Kron4jDl4j.attach(build.get(), "kfac:unsupportedLayers=pass_through"))
                .isInstanceOf(UnsupportedModelException.class)
                .hasMessageContaining("DL4J layer 1 (DenseLayer)")
                .hasMessageContaining("adaptiveStep=false,adaptiveDamping=false");
        assertThat(Kron4jDl4j.attach(build.get(),
                "kfac:unsupportedLayers=pass_through,adaptiveStep=false,adaptiveDamping=false")).isNotNull();
    }

    @Test
    void statisticsPass_fillsBatchLossAndOracleOnlyWhenPlanned() {
        MultiLayerNetwork network = network(Activation.TANH, Output.SOFTMAX_MCXENT, 19);
        double[][] xs = inputs(B, SIZES[0], 20);
        double[][] ys = labels(Output.SOFTMAX_MCXENT, 21);
        INDArray x = Nd4j.create(xs);
        INDArray y = Nd4j.create(ys);
        Gradient gradient = network.calculateGradients(x, y, null, null).getFirst();
        NetworkModel model = NetworkModel.of(network);
        StatisticsPass pass = new StatisticsPass(model, model.blocks(Set.of()));
        ModelCapture plain = pass.capture(gradient, x, y, new StepPlan(0, EnumSet.of(CaptureField.GRADIENT),
                TargetSource.EMPIRICAL), null);
        assertThat(plain.batchLossIfPresent()).isEmpty();
        assertThat(plain.oracleIfPresent()).isEmpty();
        ModelCapture full = pass.capture(gradient, x, y, new StepPlan(0, EnumSet.of(CaptureField.BATCH_LOSS,
                CaptureField.BATCH_ORACLE), TargetSource.EMPIRICAL), null);
        TinyMlp net = tiny(network, activations(Activation.TANH), Loss.SOFTMAX_CROSS_ENTROPY);
        assertThat(full.batchLoss()).isCloseTo(net.meanLoss(xs, ys), Offset.offset(1e-10));
        assertThat(full.requireOracle().batchSize()).isEqualTo(B);
        for (int l = 0; l < full.layers().size(); l++) {
            assertThat(full.layer(l).gradient().equalsWithEps(plain.layer(l).gradient(), 0.0)).isTrue();
        }
        // the GRADIENT is the gradient of the oracle's objective: G and ∇h come from the same loss scale
        double[] g = ExactCurvature.of(net, xs, ys).meanGradient();
        assertThat(DenseMatrices.relativeError(flatten(full.layers().stream().map(c -> c.gradient()).toList()), g))
                .isLessThan(1e-11);
    }
}
