package org.kron4j.dl4j;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.layers.ActivationLayer;
import org.deeplearning4j.nn.layers.DropoutLayer;
import org.deeplearning4j.nn.layers.FrozenLayer;
import org.deeplearning4j.nn.layers.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.layers.OutputLayer;
import org.deeplearning4j.nn.layers.feedforward.dense.DenseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.model.Loss;
import org.kron4j.api.model.ModelSpec;
import org.kron4j.core.Conv2d;
import org.kron4j.core.ConvGeometry;
import org.kron4j.core.ScaleShift;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftPlus;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What kron4j sees of a {@link MultiLayerNetwork}: per DL4J layer its role for the statistics
 * pass, the parameter groups ({@link ParameterBlock}) that form the kron4j {@link ModelSpec}, and
 * how far down per-example output gradients can be back-propagated.
 *
 * <p>Roles: {@code DenseLayer} (no layer norm) and the final {@code OutputLayer} are dense
 * blocks; a {@code ConvolutionLayer} (NCHW, not Causal) is a conv2d block (KFC statistics from
 * im2col patches); {@code ActivationLayer} and {@code DropoutLayer} are transparent to the
 * statistics pass (dropout is the identity in the deterministic pass), as are
 * {@code SubsamplingLayer} and {@code GlobalPoolingLayer} (through DL4J's own forward and backward)
 * and {@code BatchNormalization} (on the batch's statistics, as DL4J trains it; its gamma and beta are one
 * {@link ScaleShift} block for the K-FAC family, tensors for Shampoo, and otherwise passed through with
 * DL4J's plain gradient, logged once); every other layer with trainable
 * parameters contributes one tensor block per parameter whose DL4J "gradient" really is one
 * ({@code updaterDivideByMinibatch}: BatchNormalization's running mean and variance are not);
 * layers at and below a {@code FrozenLayer} get no gradient from DL4J and are left alone, as are
 * the parameters of a {@code FrozenLayerWithBackprop}. Any
 * layer that is neither dense nor transparent stops the back-propagation of output gradients:
 * dense layers below it cannot get K-FAC statistics.
 */
final class NetworkModel {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(NetworkModel.class);

    /** How the statistics pass treats a DL4J layer. */
    enum Role {
        /** DenseLayer: z = aW + b, then its activation. */
        DENSE,
        /** The final OutputLayer: z = aW + b, the loss on z. */
        OUTPUT,
        /** ActivationLayer: element-wise f, no parameters. */
        ACTIVATION,
        /** DropoutLayer: the identity in the deterministic pass. */
        DROPOUT,
        /** ConvolutionLayer (NCHW, not Causal): z = W * a + b per position (im2col), then its activation. */
        CONV,
        /**
         * SubsamplingLayer (NCHW) and GlobalPoolingLayer: no parameters; forward and per-example
         * backward through DL4J's own layer.
         */
        POOL,
        /**
         * BatchNormalization: normalized with the batch's own statistics as DL4J trains it, with its
         * exact derivative ({@link BatchNormOracleLayer}); its gamma and beta are one scale-and-shift
         * block, or tensors, or passed through (see {@link #blocks}).
         */
        BATCHNORM,
        /** Any other layer: forward through DL4J, no per-example back-propagation. */
        OPAQUE,
        /** Not trained by DL4J (at or below a FrozenLayer): ignored. */
        FROZEN
    }

    /** One DL4J layer as the statistics pass sees it. */
    record Dl4jLayer(int index, Layer layer, Role role, IActivation activation, InputPreProcessor preProcessor) {
        String describe() {
            return "DL4J layer " + index + " (" + layer.getClass().getSimpleName() + ")";
        }
    }

    private final MultiLayerNetwork network;
    private final List<Dl4jLayer> layers;
    private final OutputLoss outputLoss;
    private final String lossProblem;
    private final int lowestReachable;
    private final String reachabilityBlocker;
    private final List<ParameterBlock> candidates;

    private NetworkModel(MultiLayerNetwork network, List<Dl4jLayer> layers, OutputLoss outputLoss, String lossProblem,
            int lowestReachable, String reachabilityBlocker, List<ParameterBlock> candidates) {
        this.network = network;
        this.layers = layers;
        this.outputLoss = outputLoss;
        this.lossProblem = lossProblem;
        this.lowestReachable = lowestReachable;
        this.reachabilityBlocker = reachabilityBlocker;
        this.candidates = candidates;
    }

    static NetworkModel of(MultiLayerNetwork network) {
        Layer[] dl4j = network.getLayers();
        if (dl4j == null || dl4j.length == 0) {
            throw new IllegalStateException("the network has no layers: call network.init() before attaching kron4j");
        }
        int lowestTrained = 0;
        for (int i = dl4j.length - 1; i >= 0; i--) {
            if (dl4j[i] instanceof FrozenLayer) {
                lowestTrained = i + 1;
                break;
            }
        }
        List<Dl4jLayer> layers = new ArrayList<>(dl4j.length);
        for (int i = 0; i < dl4j.length; i++) {
            Layer layer = dl4j[i];
            InputPreProcessor pre = network.getLayerWiseConfigurations().getInputPreProcess(i);
            org.deeplearning4j.nn.conf.layers.Layer conf = layer.conf().getLayer();
            IActivation activation = conf instanceof BaseLayer base ? base.getActivationFn() : null;
            Role role;
            if (i < lowestTrained) {
                role = Role.FROZEN;
            } else if (layer.getClass() == DenseLayer.class
                    && !((org.deeplearning4j.nn.conf.layers.DenseLayer) conf).hasLayerNorm()) {
                role = Role.DENSE;
            } else if (layer.getClass() == OutputLayer.class && i == dl4j.length - 1) {
                role = Role.OUTPUT;
            } else if (layer.getClass() == ActivationLayer.class) {
                role = Role.ACTIVATION;
                activation = ((org.deeplearning4j.nn.conf.layers.ActivationLayer) conf).getActivationFn();
            } else if (layer.getClass() == DropoutLayer.class) {
                role = Role.DROPOUT;
            } else if (layer.getClass() == org.deeplearning4j.nn.layers.convolution.ConvolutionLayer.class
                    && isPlainConvolution((org.deeplearning4j.nn.conf.layers.ConvolutionLayer) conf)) {
                role = Role.CONV;
            } else if ((layer.getClass() == org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer.class
                    && ((org.deeplearning4j.nn.conf.layers.SubsamplingLayer) conf).getCnn2dDataFormat()
                            == org.deeplearning4j.nn.conf.CNN2DFormat.NCHW)
                    || layer.getClass() == org.deeplearning4j.nn.layers.pooling.GlobalPoolingLayer.class) {
                role = Role.POOL;
            } else if (layer.getClass() == org.deeplearning4j.nn.layers.normalization.BatchNormalization.class) {
                role = Role.BATCHNORM;
            } else {
                role = Role.OPAQUE;
            }
            layers.add(new Dl4jLayer(i, layer, role, activation, pre));
        }

        Dl4jLayer last = layers.get(layers.size() - 1);
        OutputLoss loss = null;
        String[] problem = new String[1];
        if (last.role() == Role.OUTPUT) {
            BaseOutputLayer conf = (BaseOutputLayer) last.layer().conf().getLayer();
            loss = OutputLoss.of(conf.getLossFn(), conf.getActivationFn(), (int) conf.getNOut(), problem).orElse(null);
        } else {
            problem[0] = "the last layer is " + last.layer().getClass().getSimpleName()
                    + ", not an OutputLayer (DL4J's dense output layer)";
        }

        // output gradients reach layer i when the loss is known and every layer above i passes them on
        int lowest = layers.size();
        String blocker = loss == null ? "the output loss: " + problem[0] : null;
        if (loss != null) {
            lowest = layers.size() - 1;
            for (int i = layers.size() - 2; i >= 0; i--) {
                Dl4jLayer above = layers.get(i + 1);
                if (above.role() == Role.OPAQUE || above.role() == Role.FROZEN) {
                    blocker = above.describe() + ", which the statistics pass cannot back-propagate per example";
                    break;
                }
                lowest = i;
            }
        }

        List<ParameterBlock> candidates = new ArrayList<>();
        for (Dl4jLayer layer : layers) {
            switch (layer.role()) {
                case DENSE, OUTPUT -> {
                    INDArray weights = layer.layer().getParam("W");
                    boolean bias = layer.layer().paramTable(false).containsKey("b");
                    int inputs = (int) weights.size(0);
                    int outputs = (int) weights.size(1);
                    Activation activation = layer.role() == Role.OUTPUT ? Activation.IDENTITY
                            : activationOf(layer.activation());
                    candidates.add(ParameterBlock.dense(LayerSpec.dense(blockName(layer.index()), inputs, outputs,
                            bias, activation), layer.index(), inputs, outputs, bias));
                }
                case CONV -> {
                    INDArray weights = layer.layer().getParam("W");
                    boolean bias = layer.layer().paramTable(false).containsKey("b");
                    long[] k = weights.shape();
                    LayerSpec spec = Conv2d.layer(blockName(layer.index()), (int) k[1], (int) k[0], (int) k[2],
                            (int) k[3], bias, activationOf(layer.activation()));
                    candidates.add(ParameterBlock.conv(spec, layer.index(), k, bias));
                }
                case BATCHNORM -> candidates.addAll(scaleShiftBlock(layer));
                case OPAQUE -> {
                    if (layer.layer() instanceof FrozenLayerWithBackprop) {
                        continue; // passes gradients down, trains nothing itself
                    }
                    candidates.addAll(tensorBlocks(layer));
                }
                default -> {
                }
            }
        }
        if (candidates.isEmpty()) {
            throw new IllegalArgumentException("the network has no parameters DL4J trains; nothing to precondition");
        }
        return new NetworkModel(network, Collections.unmodifiableList(layers), loss, problem[0], lowest, blocker,
                List.copyOf(candidates));
    }

    /**
     * One tensor block per parameter of the layer whose DL4J "gradient" really is one
     * ({@code updaterDivideByMinibatch}: not BatchNormalization's running mean and variance), with
     * its unit dimensions dropped, in DL4J's parameter order.
     */
    private static List<ParameterBlock> tensorBlocks(Dl4jLayer layer) {
        List<ParameterBlock> blocks = new ArrayList<>();
        for (Map.Entry<String, INDArray> parameter : layer.layer().paramTable(false).entrySet()) {
            if (layer.layer().updaterDivideByMinibatch(parameter.getKey())) {
                LayerSpec spec = LayerSpec.tensor(blockName(layer.index()) + "_" + parameter.getKey(),
                        ParameterBlock.squeeze(parameter.getValue().shape()));
                blocks.add(ParameterBlock.tensor(spec, layer.index(), parameter.getKey()));
            }
        }
        return blocks;
    }

    /**
     * A BatchNormalization layer's gamma and beta as one {@link ScaleShift} block (C×2); none when
     * they are locked (not parameters).
     */
    private static List<ParameterBlock> scaleShiftBlock(Dl4jLayer layer) {
        INDArray gamma = layer.layer().paramTable(false).get("gamma");
        if (gamma == null || !layer.layer().paramTable(false).containsKey("beta")) {
            return List.of();
        }
        int channels = Math.toIntExact(gamma.length());
        return List.of(ParameterBlock.scaleShift(ScaleShift.layer(blockName(layer.index()), channels), layer.index(),
                channels));
    }

    /**
     * A ConvolutionLayer kron4j's im2col reproduces: NCHW, 2-D, a convolution mode other than
     * Causal (Truncate, Strict and Same are supported).
     */
    private static boolean isPlainConvolution(org.deeplearning4j.nn.conf.layers.ConvolutionLayer conf) {
        return conf.getCnn2dDataFormat() == org.deeplearning4j.nn.conf.CNN2DFormat.NCHW
                && conf.getConvolutionMode() != org.deeplearning4j.nn.conf.ConvolutionMode.Causal
                && conf.getKernelSize().length == 2;
    }

    /**
     * The geometry of a CONV layer for an input of inH×inW, as DL4J convolves: explicit symmetric
     * padding, or DL4J's Same mode (output ⌈in/stride⌉, the smaller half of the padding first).
     */
    static ConvGeometry geometry(Dl4jLayer layer, int inH, int inW) {
        org.deeplearning4j.nn.conf.layers.ConvolutionLayer conf =
                (org.deeplearning4j.nn.conf.layers.ConvolutionLayer) layer.layer().conf().getLayer();
        int[] k = conf.getKernelSize();
        int[] s = conf.getStride();
        int[] d = conf.getDilation();
        if (conf.getConvolutionMode() == org.deeplearning4j.nn.conf.ConvolutionMode.Same) {
            return ConvGeometry.same(k[0], k[1], s[0], s[1], d[0], d[1], inH, inW);
        }
        int[] p = conf.getPadding();
        return ConvGeometry.of(k[0], k[1], s[0], s[1], p[0], p[1], d[0], d[1]);
    }

    /** The kron4j name of DL4J layer {@code index}'s block: "layer0", "layer1", …. */
    static String blockName(int index) {
        return "layer" + index;
    }

    /** kron4j's name for a DL4J activation; UNKNOWN when kron4j has no derivative for it. */
    static Activation activationOf(IActivation activation) {
        if (activation == null) {
            return Activation.UNKNOWN;
        }
        Class<?> type = activation.getClass();
        if (type == ActivationIdentity.class) {
            return Activation.IDENTITY;
        } else if (type == ActivationTanH.class) {
            return Activation.TANH;
        } else if (type == ActivationSigmoid.class) {
            return Activation.SIGMOID;
        } else if (type == ActivationSoftPlus.class) {
            return Activation.SOFTPLUS;
        } else if (type == ActivationReLU.class) {
            ActivationReLU relu = (ActivationReLU) activation;
            boolean plain = isZeroOrUnset(relu.getThreshold()) && isZeroOrUnset(relu.getNegativeSlope())
                    && (relu.getMax() == null || relu.getMax().isInfinite());
            return plain ? Activation.RELU : Activation.UNKNOWN;
        }
        return Activation.UNKNOWN;
    }

    private static boolean isZeroOrUnset(Double value) {
        return value == null || value == 0.0;
    }

    /** Whether f'(z) is element-wise (every activation but softmax), so that ACTIVATION_DERIVATIVES exist. */
    static boolean isElementWise(IActivation activation) {
        return !(activation instanceof ActivationSoftmax);
    }

    MultiLayerNetwork network() {
        return network;
    }

    List<Dl4jLayer> layers() {
        return layers;
    }

    Dl4jLayer layer(int index) {
        return layers.get(index);
    }

    /** The output layer's loss, when kron4j knows it. */
    Optional<OutputLoss> outputLoss() {
        return Optional.ofNullable(outputLoss);
    }

    /** Why the output loss is not usable (null when it is). */
    String lossProblem() {
        return lossProblem;
    }

    /** The lowest DL4J layer index whose output gradient the statistics pass can compute (layer count when none). */
    int lowestReachable() {
        return lowestReachable;
    }

    /** What stops output gradients below {@link #lowestReachable()}; null when nothing does. */
    String reachabilityBlocker() {
        return reachabilityBlocker;
    }

    /** Whether the pass can give the block its statistics: a dense or conv block at or above the lowest reachable layer. */
    boolean reachable(ParameterBlock block) {
        return block.hasStatistics() && block.layerIndex() >= lowestReachable;
    }

    /**
     * The blocks {@code variant} gets: dense blocks as DENSE specs and conv blocks as CONV2D, except
     * those in {@code demoted} (TENSOR [m, n(+1)], passed through); a conv layer whose CONV2D block
     * the variant does not take (Shampoo) as its DL4J parameters, tensors W [O, C, kH, kW] and b
     * (unit modes dropped); a BatchNormalization layer's gamma and beta as one {@link ScaleShift}
     * block (C×2) when the variant takes that kind (K-FAC, EKFAC) and the layer is not demoted, else
     * as tensors when the variant takes tensors (Shampoo), otherwise no block at all: they reach
     * DL4J's updater as DL4J computed them (logged once, when {@code demoted} is empty). Every other
     * tensor block as it is.
     */
    List<ParameterBlock> blocks(Set<Integer> demoted, org.kron4j.api.CurvatureApproximation variant) {
        return blocks(demoted, variant::supports, variant.name());
    }

    /** The blocks for a variant that takes every kind (conv blocks as CONV2D, BatchNormalization's as SCALE_SHIFT). */
    List<ParameterBlock> blocks(Set<Integer> demoted) {
        return blocks(demoted, spec -> true, "any");
    }

    private List<ParameterBlock> blocks(Set<Integer> demoted, java.util.function.Predicate<LayerSpec> supports,
            String variant) {
        List<ParameterBlock> blocks = new ArrayList<>(candidates.size());
        for (ParameterBlock block : candidates) {
            Dl4jLayer layer = layers.get(block.layerIndex());
            if (block.isConv() && !supports.test(block.spec())) {
                blocks.addAll(tensorBlocks(layer));
            } else if (block.isConv() && demoted.contains(block.layerIndex())) {
                LayerSpec conv = block.spec();
                blocks.add(ParameterBlock.conv(LayerSpec.tensor(conv.name(), conv.gradientShape()), block.layerIndex(),
                        block.kernelShape(), conv.hasBias()));
            } else if (block.isDense() && demoted.contains(block.layerIndex())) {
                LayerSpec dense = block.spec();
                LayerSpec tensor = LayerSpec.tensor(dense.name(), dense.gradientShape());
                blocks.add(ParameterBlock.dense(tensor, block.layerIndex(), dense.inputs(), dense.outputs(),
                        dense.hasBias()));
            } else if (block.isScaleShift() && (!supports.test(block.spec()) || demoted.contains(block.layerIndex()))) {
                List<ParameterBlock> tensors = tensorBlocks(layer);
                if (tensors.stream().allMatch(t -> supports.test(t.spec()))) {
                    blocks.addAll(tensors); // Shampoo: gamma and beta as tensors
                } else if (demoted.isEmpty()) {
                    LOG.warn("{}: gamma and beta are passed through unpreconditioned — variant '{}' has no block "
                            + "for a {} layer; DL4J's updater applies DL4J's own gradient", layer.describe(), variant,
                            ScaleShift.KIND);
                }
            } else {
                blocks.add(block);
            }
        }
        return List.copyOf(blocks);
    }

    /**
     * The kron4j model of these blocks: sequential when every DL4J layer is a dense block (no
     * preprocessors, nothing in between) so that layer l's output is layer l+1's input; the loss
     * is the output layer's, or {@code placeholder} when kron4j does not know it (only variants
     * that need no output statistics can then be used, which the caller checks).
     */
    ModelSpec modelSpec(List<ParameterBlock> blocks, Loss placeholder) {
        boolean sequential = true;
        for (Dl4jLayer layer : layers) {
            if ((layer.role() != Role.DENSE && layer.role() != Role.OUTPUT) || layer.preProcessor() != null) {
                sequential = false;
            }
        }
        for (ParameterBlock block : blocks) {
            if (!block.spec().kind().equals(org.kron4j.api.model.LayerKind.DENSE)) {
                sequential = false;
            }
        }
        List<LayerSpec> specs = new ArrayList<>(blocks.size());
        blocks.forEach(b -> specs.add(b.spec()));
        return new ModelSpec(specs, sequential, outputLoss != null ? outputLoss.loss() : placeholder);
    }

    /** One line per DL4J layer: its role and its kron4j blocks, for logs and {@link Kron4jAttachment#describe()}. */
    Map<String, String> describe(List<ParameterBlock> blocks) {
        Map<String, String> lines = new LinkedHashMap<>();
        for (Dl4jLayer layer : layers) {
            StringBuilder text = new StringBuilder(layer.layer().getClass().getSimpleName()).append(": ")
                    .append(layer.role().name().toLowerCase(java.util.Locale.ROOT));
            for (ParameterBlock block : blocks) {
                if (block.layerIndex() == layer.index()) {
                    text.append("; ").append(block);
                }
            }
            lines.put(String.valueOf(layer.index()), text.toString());
        }
        return lines;
    }
}
