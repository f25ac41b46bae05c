package org.kron4j.dl4j;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.kron4j.api.UnsupportedModelException;
import org.kron4j.api.model.LayerKind;
import org.kron4j.api.model.LayerSpec;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;
import org.slf4j.LoggerFactory;

/**
 * Test 4 of the DL4J issue: a layer the variant cannot precondition fails the attachment with a
 * message naming the DL4J layer and the way out; with {@code unsupportedLayers=pass_through} the
 * attachment logs it and DL4J trains it with its plain gradient. Also the other attach-time
 * refusals: an output loss kron4j does not know, settings that belong to DL4J's updater, a second
 * attachment.
 */
class UnsupportedLayersTest {
    private static final INDArray X = Dl4jFixtures.DIGITS.features().get(NDArrayIndex.interval(0, 256),
            NDArrayIndex.all());
    private static final INDArray Y = Dl4jFixtures.DIGITS.oneHot().get(NDArrayIndex.interval(0, 256),
            NDArrayIndex.all());

    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final Logger logger = (Logger) LoggerFactory.getLogger("org.kron4j");

    @BeforeEach
    void captureLogs() {
        logs.start();
        logger.addAppender(logs);
    }

    @AfterEach
    void releaseLogs() {
        logger.detachAppender(logs);
    }

    private String warnings() {
        return logs.list.stream().map(ILoggingEvent::getFormattedMessage).collect(Collectors.joining("\n"));
    }

    /** 64 → dense 32 → BatchNormalization → dense 16 → softmax 10. */
    private static MultiLayerNetwork withBatchNorm() {
        MultiLayerNetwork network = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(4)
                .updater(new Sgd(0.1)).weightInit(WeightInit.XAVIER_UNIFORM).dataType(DataType.FLOAT).list()
                .layer(new DenseLayer.Builder().nIn(64).nOut(32).activation(Activation.TANH).build())
                .layer(new BatchNormalization.Builder().nOut(32).build())
                .layer(new DenseLayer.Builder().nIn(32).nOut(16).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(new LossMCXENT()).nIn(16).nOut(10).activation(Activation.SOFTMAX)
                        .build())
                .build());
        network.init();
        return network;
    }

    /** The 8×8 digits through a 3×3 convolution, then dense 32 → softmax 10. */
    private static MultiLayerNetwork convolutional() {
        MultiLayerNetwork network = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(5)
                .updater(new Sgd(0.1)).weightInit(WeightInit.XAVIER_UNIFORM).dataType(DataType.FLOAT).list()
                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.RELU).build())
                .layer(new DenseLayer.Builder().nOut(32).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(new LossMCXENT()).nOut(10).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.convolutionalFlat(8, 8, 1)).build());
        network.init();
        return network;
    }

    private static float[] flat(INDArray a) {
        return a.dup('c').reshape(a.length()).toFloatVector();
    }

    private static List<LayerKind> kinds(Kron4jAttachment attachment) {
        return attachment.modelSpec().layers().stream().map(LayerSpec::kind).toList();
    }

    /*
     * Issue 13 (convolutional networks) changed what these tests pin down: the statistics pass
     * goes through BatchNormalization and convolution layers are conv2d blocks, so K-FAC attaches to
     * both networks without unsupportedLayers. BatchNormalization's gamma and beta were first
     * passed through with a log line; they are now one scale-and-shift block (per-channel 2×2
     * Fisher blocks) for K-FAC and EKFAC, tensors for Shampoo, and passed through with a log line
     * only for variants with neither (KFRA). The former assertions (attach refused; the dense layer
     * below BatchNormalization demoted; gamma and beta passed through under K-FAC) described the
     * limitations the issue removes.
     */

    @Test
    void batchNormalization_kfac_attachesWithAScaleShiftBlock() {
        Kron4jAttachment attachment = Kron4jDl4j.attach(withBatchNorm(), "kfac:adaptiveStep=false,adaptiveDamping=false");
        assertThat(attachment.modelSpec().layers()).extracting(LayerSpec::name)
                .containsExactly("layer0", "layer1", "layer2", "layer3");
        assertThat(kinds(attachment)).containsExactly(LayerKind.DENSE, org.kron4j.core.ScaleShift.KIND,
                LayerKind.DENSE, LayerKind.DENSE);
        assertThat(attachment.modelSpec().layer(1).gradientShape()).containsExactly(32, 2);
        assertThat(warnings()).doesNotContain("passed through");
    }

    @Test
    void batchNormalization_variantWithoutScaleShiftOrTensors_gammaAndBetaPassedThroughAndLogged() {
        // K-FAC restricted to dense layers: no SCALE_SHIFT entry in its layer-kind map, no tensors
        org.kron4j.kfac.KfacApproximation denseOnly = new org.kron4j.kfac.KfacApproximation(
                org.kron4j.core.LayerKindMap.<org.kron4j.core.FactorStatistics.Factory>of(LayerKind.DENSE,
                        org.kron4j.core.DenseStatistics::new));
        Kron4jAttachment attachment = Kron4jDl4j.builder(withBatchNorm()).registry(StubVariants.registry(denseOnly))
                .spec("kfac:adaptiveStep=false,adaptiveDamping=false").attach();
        assertThat(attachment.modelSpec().layers()).extracting(LayerSpec::name)
                .containsExactly("layer0", "layer2", "layer3");
        assertThat(warnings()).contains("DL4J layer 1 (BatchNormalization): gamma and beta are passed through "
                + "unpreconditioned").contains("'kfac'");
    }

    @Test
    void batchNormalization_kfac_gammaAndBetaPreconditioned_runningStatisticsAsDl4j() {
        MultiLayerNetwork network = withBatchNorm();
        MultiLayerNetwork plain = withBatchNorm();
        Kron4jAttachment attachment = Kron4jDl4j.attach(network,
                "kfac:unsupportedLayers=pass_through,damping=0.1,tCov=1,tInv=1,klClip=0,adaptiveStep=false,adaptiveDamping=false");
        assertThat(attachment.modelSpec().layers()).extracting(LayerSpec::name)
                .containsExactly("layer0", "layer1", "layer2", "layer3");

        network.fit(new DataSet(X, Y));
        plain.fit(new DataSet(X, Y));
        // the first step's gradients are computed at identical parameters: the running mean is DL4J's
        // bookkeeping and equal; gamma and beta (their scale-and-shift block) and the K-FAC layers get a
        // preconditioned update
        assertThat(flat(network.getParam("1_mean"))).isEqualTo(flat(plain.getParam("1_mean")));
        for (String key : List.of("1_gamma", "1_beta")) {
            assertThat(flat(network.getParam(key))).as(key).isNotEqualTo(flat(plain.getParam(key)));
        }
        assertThat(flat(network.getParam("0_W"))).isNotEqualTo(flat(plain.getParam("0_W")));
        assertThat(flat(network.getParam("2_b"))).isNotEqualTo(flat(plain.getParam("2_b")));
        Dl4jFixtures.Run run = Dl4jFixtures.train(network, X, Y, 64, 30, 1, 0.0, 10);
        assertThat(java.util.Arrays.stream(run.losses()).allMatch(Double::isFinite)).isTrue();
        assertThat(run.losses()[run.losses().length - 1]).isLessThan(run.losses()[0]);
        assertThat(attachment.diagnostics().skippedSteps()).isZero();
    }

    @Test
    void convolution_kfac_attachesWithAConv2dBlock() {
        Kron4jAttachment attachment = Kron4jDl4j.attach(convolutional(), "kfac:adaptiveStep=false,adaptiveDamping=false");
        assertThat(kinds(attachment)).containsExactly(org.kron4j.core.Conv2d.KIND, LayerKind.DENSE, LayerKind.DENSE);
        assertThat(attachment.modelSpec().layer(0).gradientShape()).containsExactly(4, 1 * 3 * 3 + 1);
    }

    @Test
    void convolution_kfac_everyLayerPreconditionedAndTrains() {
        MultiLayerNetwork network = convolutional();
        Kron4jAttachment attachment = Kron4jDl4j.attach(network, "kfac:damping=0.1,tCov=1,tInv=5,klClip=0,adaptiveStep=false,adaptiveDamping=false");
        assertThat(attachment.modelSpec().layers()).extracting(LayerSpec::name)
                .containsExactly("layer0", "layer1", "layer2");
        assertThat(attachment.modelSpec().layer(1).inputs()).isEqualTo(4 * 6 * 6);
        assertThat(warnings()).doesNotContain("plain gradient");

        Dl4jFixtures.Run run = Dl4jFixtures.train(network, X, Y, 64, 30, 2, 0.0, 10);
        assertThat(java.util.Arrays.stream(run.losses()).allMatch(Double::isFinite)).isTrue();
        assertThat(run.losses()[run.losses().length - 1]).isLessThan(run.losses()[0]);
        assertThat(attachment.diagnostics().statisticsSteps()).isEqualTo(30);
    }

    @Test
    void shampoo_preconditionsEveryTrainableParameterOfEveryLayer() {
        Kron4jAttachment conv = Kron4jDl4j.attach(convolutional(), "shampoo");
        assertThat(conv.modelSpec().layer(0).gradientShape()).containsExactly(4); // bias [1, 4] squeezed
        // W [nOut=4, nIn=1, 3, 3] with its unit mode dropped (a 1×1 Shampoo factor would be a no-op)
        assertThat(conv.modelSpec().layer(1).gradientShape()).containsExactly(4, 3, 3);
        Kron4jAttachment batchNorm = Kron4jDl4j.attach(withBatchNorm(), "shampoo");
        assertThat(batchNorm.modelSpec().layers()).extracting(LayerSpec::name)
                .containsExactly("layer0", "layer1_gamma", "layer1_beta", "layer2", "layer3");
        assertThat(warnings()).doesNotContain("plain gradient");

        MultiLayerNetwork network = conv.network();
        Dl4jFixtures.Run run = Dl4jFixtures.train(network, X, Y, 64, 20, 3, 0.0, 10);
        assertThat(java.util.Arrays.stream(run.losses()).allMatch(Double::isFinite)).isTrue();
        assertThat(conv.diagnostics().appliedSteps()).isEqualTo(20);
    }

    @Test
    void unknownOutputLoss_kfacFailsNamingTheLoss_shampooAttaches() {
        Supplier<MultiLayerNetwork> sigmoidMse = () -> Dl4jFixtures.mlp(1, new Sgd(0.1), Activation.TANH,
                Activation.SIGMOID, new LossMSE(), 64, 16, 10);
        assertThatThrownBy(() -> Kron4jDl4j.attach(sigmoidMse.get(), "kfac"))
                .isInstanceOf(UnsupportedModelException.class)
                .hasMessageContaining("LossMSE needs an identity output");
        assertThatThrownBy(() -> Kron4jDl4j.attach(sigmoidMse.get(), "kfac:unsupportedLayers=pass_through,adaptiveStep=false,adaptiveDamping=false"))
                .isInstanceOf(UnsupportedModelException.class)
                .hasMessageContaining("LossMSE");
        assertThat(Kron4jDl4j.attach(sigmoidMse.get(), "shampoo").modelSpec().size()).isEqualTo(2);
    }

    @Test
    void learningRateOrMomentumInSpec_refusedBecauseDl4jsUpdaterOwnsThem() {
        assertThatThrownBy(() -> Kron4jDl4j.attach(withBatchNorm(), "shampoo:learningRate=0.1"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("learningRate is DL4J's");
        assertThatThrownBy(() -> Kron4jDl4j.attach(withBatchNorm(), "shampoo:momentum=0.9"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Nesterovs");
        assertThat(Kron4jDl4j.attach(withBatchNorm(), "shampoo:momentum=0").optimizer().settings().asText())
                .containsEntry("momentum", "0.0");
    }

    @Test
    void secondAttachment_refused() {
        MultiLayerNetwork network = withBatchNorm();
        Kron4jAttachment first = Kron4jDl4j.attach(network, "shampoo");
        assertThatThrownBy(() -> Kron4jDl4j.attach(network, "shampoo")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("already has kron4j attached");
        first.detach();
        assertThat(Kron4jDl4j.attach(network, "shampoo").isAttached()).isTrue();
    }

    @Test
    void uninitialisedNetwork_refused() {
        MultiLayerNetwork network = new MultiLayerNetwork(withBatchNorm().getLayerWiseConfigurations());
        assertThatThrownBy(() -> Kron4jDl4j.attach(network, "kfac")).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("network.init()");
    }
}
