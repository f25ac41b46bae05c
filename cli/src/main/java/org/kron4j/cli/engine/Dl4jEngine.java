package org.kron4j.cli.engine;

import org.kron4j.cli.ablation.BaselineSettings;
import org.kron4j.cli.ablation.MethodConfig;
import java.util.List;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.Loss;
import org.kron4j.api.registry.VariantRegistry;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.optim.OptimizerSettings;
import org.kron4j.api.settings.OptimizerConfig;
import org.kron4j.api.settings.Setting;
import org.kron4j.api.settings.Settings;
import org.kron4j.dl4j.Kron4jAttachment;
import org.kron4j.dl4j.Kron4jDl4j;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossBinaryXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/**
 * DL4J as the ablation engine (the default): each run builds a {@code MultiLayerNetwork} of
 * {@code DenseLayer}s and an {@code OutputLayer} (softmax + MCXENT for classifiers, sigmoid +
 * binary cross-entropy for autoencoders; Glorot-uniform weights, zero biases, float32), after
 * conv and pooling stages for a CNN ({@link #network}), and
 * trains it with DL4J's own {@code fit(DataSet)}, one call per step; {@code score()} after the
 * call is the batch loss before that step's update.
 *
 * <p>Baselines are DL4J updaters: {@code sgd} is {@code Nesterovs(η, μ)} ({@code Sgd(η)} when
 * μ = 0), {@code adam} is {@code Adam(η, β₁, β₂, ε)}. A kron4j variant is attached with
 * {@link Kron4jDl4j#attach}. With fixed settings it replaces DL4J's gradient with its
 * preconditioned direction, and DL4J's {@code Nesterovs} updater applies the variant's
 * {@code learningRate} and {@code momentum} (which the kron4j-dl4j adapter leaves to DL4J); every
 * other setting goes to kron4j unchanged. With the K-FAC family's adaptive step kron4j computes
 * the whole update and the network gets DL4J's pass-through {@code NoOp} updater.
 */
public final class Dl4jEngine implements TrainingEngine {
    private final VariantRegistry registry;

    public Dl4jEngine(VariantRegistry registry) {
        this.registry = registry;
    }

    @Override
    public String name() {
        return "dl4j";
    }

    @Override
    public String describe() {
        return "DL4J 1.0.0-M2.1 MultiLayerNetwork (float32, Glorot-uniform weights) trained with fit(DataSet); kron4j "
                + "variants attached through kron4j-dl4j (with the adaptive step kron4j computes the whole update behind "
                + "DL4J's NoOp updater; with fixed settings their learningRate and momentum are applied by DL4J's "
                + "Nesterovs updater); baselines are DL4J's Nesterovs and Adam updaters";
    }

    @Override
    public Trainer create(ModelShape model, MethodConfig method, double learningRate, long seed) {
        Settings settings = method.values();
        var baseline = method.baseline();
        IUpdater updater;
        OptimizerConfig kron4j = null;
        if (baseline.isPresent()) {
            updater = switch (baseline.get()) {
                case SGD -> nesterov(learningRate, settings.get(BaselineSettings.MOMENTUM));
                case ADAM -> new Adam(learningRate, settings.get(BaselineSettings.BETA1),
                        settings.get(BaselineSettings.BETA2), settings.get(BaselineSettings.EPSILON));
            };
        } else if (wholeUpdate(method.config())) {
            // the adaptive step computes the whole update (λ, α, μ): DL4J's updater must pass it through
            // μ is the quadratic model's (a momentum setting is refused by the adapter)
            updater = new NoOp();
            kron4j = method.config(learningRate).without(OptimizerSettings.MOMENTUM);
        } else {
            // learning rate and momentum are DL4J's updater's; every other setting goes to kron4j
            kron4j = method.config().without(OptimizerSettings.LEARNING_RATE).without(OptimizerSettings.MOMENTUM);
            // adaptive K-FAC computes the whole update: DL4J's updater must pass it through
            updater = KroneckerOptimizer.adaptiveStep(kron4j) ? new NoOp()
                    : nesterov(learningRate, method.config().get(OptimizerSettings.MOMENTUM));
        }
        MultiLayerNetwork network = network(model, updater, seed);
        Kron4jAttachment attachment = null;
        if (kron4j != null) {
            attachment = Kron4jDl4j.builder(network).config(kron4j).seed(seed).attach();
        }
        return new Dl4jTrainer(network, attachment);
    }

    /**
     * Whether the variant's configuration has kron4j compute the whole update (the K-FAC family's
     * {@code adaptiveStep} setting, where the variant has it and it is on); then DL4J's updater is
     * {@code NoOp} and kron4j keeps its learning rate and momentum settings.
     */
    static boolean wholeUpdate(OptimizerConfig config) {
        for (Setting<?> setting : OptimizerConfig.schema(config.variant())) {
            if (setting.name().equals(ADAPTIVE_STEP)) {
                return Boolean.TRUE.equals(config.settings().get(setting));
            }
        }
        return false;
    }

    private static final String ADAPTIVE_STEP = "adaptiveStep";

    private static IUpdater nesterov(double learningRate, double momentum) {
        return momentum == 0 ? new Sgd(learningRate) : new Nesterovs(learningRate, momentum);
    }

    /**
     * The DL4J network of a model shape. A CNN ({@link ModelShape#isCnn()}) gets, per conv stage, a
     * {@code ConvolutionLayer} (k×k, stride 1, {@code ConvolutionMode.Same}, the hidden activation)
     * and a 2×2 max {@code SubsamplingLayer} with stride 2, then its dense layers; the flat rows
     * (pixels row by row) are reshaped to NCHW by the preprocessors DL4J adds for
     * {@code InputType.convolutionalFlat(side, side, 1)}, and the CNN-to-dense preprocessor
     * flattens the last maps.
     */
    public static MultiLayerNetwork network(ModelShape model, IUpdater updater, long seed) {
        int[] sizes = model.sizes();
        List<Activation> activations = model.activations();
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().seed(seed).updater(updater)
                .weightInit(WeightInit.XAVIER_UNIFORM).biasInit(0.0).dataType(DataType.FLOAT).list();
        if (model.isCnn()) {
            org.nd4j.linalg.activations.Activation hidden = dl4j(ModelShape.activation(model.hidden()));
            for (ConvStack.Stage stage : model.conv().stages()) {
                list.layer(new ConvolutionLayer.Builder(stage.kernel(), stage.kernel()).stride(1, 1)
                        .convolutionMode(ConvolutionMode.Same).nOut(stage.channels()).activation(hidden).build());
                list.layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build());
            }
        }
        for (int l = 0; l < sizes.length - 2; l++) {
            list.layer(new DenseLayer.Builder().nIn(sizes[l]).nOut(sizes[l + 1])
                    .activation(dl4j(activations.get(l))).build());
        }
        boolean softmax = model.loss() == Loss.SOFTMAX_CROSS_ENTROPY;
        ILossFunction loss = softmax ? new LossMCXENT() : new LossBinaryXENT();
        list.layer(new OutputLayer.Builder(loss).nIn(sizes[sizes.length - 2]).nOut(sizes[sizes.length - 1])
                .activation(softmax ? org.nd4j.linalg.activations.Activation.SOFTMAX
                        : org.nd4j.linalg.activations.Activation.SIGMOID)
                .build());
        if (model.isCnn()) {
            list.setInputType(InputType.convolutionalFlat(model.conv().side(), model.conv().side(), 1));
        }
        MultiLayerConfiguration conf = list.build();
        MultiLayerNetwork network = new MultiLayerNetwork(conf);
        network.init();
        return network;
    }

    private static org.nd4j.linalg.activations.Activation dl4j(Activation activation) {
        return switch (activation) {
            case TANH -> org.nd4j.linalg.activations.Activation.TANH;
            case SIGMOID -> org.nd4j.linalg.activations.Activation.SIGMOID;
            case RELU -> org.nd4j.linalg.activations.Activation.RELU;
            case SOFTPLUS -> org.nd4j.linalg.activations.Activation.SOFTPLUS;
            case IDENTITY -> org.nd4j.linalg.activations.Activation.IDENTITY;
            case UNKNOWN -> throw new IllegalArgumentException("no DL4J activation for UNKNOWN");
        };
    }

    private static final class Dl4jTrainer implements Trainer {
        private final MultiLayerNetwork network;
        private final Kron4jAttachment attachment;

        Dl4jTrainer(MultiLayerNetwork network, Kron4jAttachment attachment) {
            this.network = network;
            this.attachment = attachment;
        }

        @Override
        public double step(INDArray x, INDArray y) {
            network.fit(new DataSet(x, y));
            return network.score();
        }

        @Override
        public double meanLoss(INDArray x, INDArray y) {
            return network.score(new DataSet(x, y), false);
        }

        @Override
        public INDArray predict(INDArray x) {
            return network.output(x, false);
        }

        @Override
        public long factorBytes() {
            return attachment == null ? 0 : attachment.optimizer().store().bytes();
        }

        @Override
        public java.util.Map<String, Long> factorBytesByLayer() {
            return attachment == null ? java.util.Map.of() : attachment.optimizer().store().bytesByBlock();
        }

        @Override
        public long skippedSteps() {
            return attachment == null ? 0 : attachment.diagnostics().skippedSteps();
        }

        @Override
        public org.kron4j.api.optim.StepDiagnostics lastDiagnostics() {
            return attachment == null ? null
                    : attachment.lastStep().map(org.kron4j.api.optim.StepResult::diagnostics).orElse(null);
        }

        @Override
        public java.util.Map<String, org.kron4j.api.DampingInUse> dampingInUse() {
            return attachment == null ? java.util.Map.of() : attachment.diagnostics().dampingInUse();
        }

        @Override
        public boolean checkpointable() {
            return true;
        }

        /** The network's state, then (for a kron4j variant) the attachment's: two K4JS states in a row. */
        @Override
        public void save(java.io.OutputStream out) {
            org.kron4j.cli.checkpoint.Dl4jNetworkState.save(network, out);
            if (attachment != null) {
                attachment.save(out);
            }
        }

        @Override
        public void restore(java.io.InputStream in) {
            org.kron4j.cli.checkpoint.Dl4jNetworkState.restore(network, in);
            if (attachment != null) {
                attachment.restore(in);
            }
        }

        @Override
        public void close() {
            if (attachment != null) {
                attachment.detach();
            }
        }
    }
}
