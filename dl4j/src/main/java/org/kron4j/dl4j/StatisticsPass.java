package org.kron4j.dl4j;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.kron4j.api.capture.CaptureField;
import org.kron4j.api.capture.LayerCapture;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.capture.StepPlan;
import org.kron4j.core.Conv2d;
import org.kron4j.core.ConvGeometry;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Builds the {@link ModelCapture} of one DL4J training step: always the gradient (DL4J's, mapped
 * to kron4j's layout and divided by B), and on the steps the plan asks for them the statistics,
 * from a deterministic forward pass and an explicit backward pass of the same network (the
 * semantics of the testkit's {@code ReferenceMlp.capture}):
 *
 * <ul>
 *   <li>LAYER_INPUTS: a_l (B×n), the input of dense layer l after its preprocessor; for a conv
 *       layer the im2col patches of its NCHW input (B×|T|×C·kH·kW, {@link ConvGeometry});</li>
 *   <li>OUTPUT_GRADIENTS: g_i = ∂ℓ_i/∂s_i per example, not divided by B. At the output,
 *       DL4J's own {@code ILossFunction.computeGradient} for the plan's targets (sampled from
 *       the model for the MC Fisher, the true labels for the empirical Fisher), or the scaled
 *       Hessian square root for EXACT; below, δ_l = {@code IActivation.backprop}(z_l,
 *       δ_{l+1}·W_{l+1}ᵀ), through ActivationLayers, DropoutLayers and preprocessors; conv
 *       layers get per-position δ (R×O×outH×outW) and pass col2im(δ·W) down; pooling layers
 *       back-propagate through DL4J, BatchNormalization through its exact training-mode
 *       derivative on the batch's statistics, per replica ({@link BatchNormOracleLayer}); a
 *       BatchNormalization scale-and-shift block gets the normalized input x̂ as LAYER_INPUTS and
 *       the gradient at its output as OUTPUT_GRADIENTS;</li>
 *   <li>ACTIVATION_DERIVATIVES: f'(z_l) (ones for the output layer, whose nonlinearity belongs
 *       to the loss); OUTPUT_HESSIAN: DL4J's mean output Hessian; PARAMETERS: [Wᵀ | bᵀ].</li>
 *   <li>BATCH_LOSS: DL4J's batch-mean loss without regularisation; BATCH_ORACLE: a
 *       {@link Dl4jBatchOracle} on the minibatch (its own forward pass, run lazily).</li>
 * </ul>
 *
 * <p>The pass runs with {@code train=false} (no dropout masks and no weight noise), except that
 * BatchNormalization normalizes with the batch's own statistics as DL4J trains it, so that the
 * statistics are those of the function DL4J differentiates (the products of output gradients and
 * inputs sum to DL4J's gradient). It allocates everything afresh outside any
 * workspace (the caller runs it detached) and keeps nothing between calls.
 */
final class StatisticsPass {
    private final NetworkModel model;
    private final List<ParameterBlock> blocks;
    private final LayerWorkspaceMgr workspaces = LayerWorkspaceMgr.noWorkspaces();

    StatisticsPass(NetworkModel model, List<ParameterBlock> blocks) {
        this.model = model;
        this.blocks = List.copyOf(blocks);
    }

    /**
     * The capture of the plan's fields for the minibatch DL4J just back-propagated.
     *
     * @param gradient DL4J's gradient (batch sums, before its updater)
     * @param x        the minibatch features
     * @param y        the minibatch labels
     */
    ModelCapture capture(Gradient gradient, INDArray x, INDArray y, StepPlan plan, Random random) {
        MultiLayerNetwork network = model.network();
        int batch = (int) x.size(0);
        boolean statistics = plan.needs(CaptureField.LAYER_INPUTS) || plan.needs(CaptureField.OUTPUT_GRADIENTS)
                || plan.needs(CaptureField.ACTIVATION_DERIVATIVES) || plan.needs(CaptureField.OUTPUT_HESSIAN);
        Pass pass = null;
        if (statistics) {
            checkNoMasks(network);
            pass = forward(x);
            if (plan.needs(CaptureField.OUTPUT_GRADIENTS) || plan.needs(CaptureField.OUTPUT_HESSIAN)) {
                pass.predictions = requireLoss().predictions(pass.pre[pass.pre.length - 1]);
            }
            if (plan.needs(CaptureField.OUTPUT_GRADIENTS)) {
                backward(pass, y, plan, random);
            }
        }
        List<LayerCapture> captures = new ArrayList<>(blocks.size());
        for (ParameterBlock block : blocks) {
            LayerCapture.Builder layer = LayerCapture.builder().gradient(block.gradient(gradient, batch));
            if (plan.needs(CaptureField.PARAMETERS)) {
                layer.parameters(block.parameters(network));
            }
            if (pass != null && block.isConv() && block.spec().kind().equals(Conv2d.KIND)) {
                int l = block.layerIndex();
                if (plan.needs(CaptureField.LAYER_INPUTS)) {
                    layer.inputs(pass.patches[l]);
                }
                if (plan.needs(CaptureField.OUTPUT_GRADIENTS) && pass.deltas[l] != null) {
                    layer.outputGradients(pass.deltas[l]);
                }
            }
            if (pass != null && block.isScaleShift()) {
                int l = block.layerIndex();
                if (plan.needs(CaptureField.LAYER_INPUTS)) {
                    layer.inputs(pass.patches[l]);
                }
                if (plan.needs(CaptureField.OUTPUT_GRADIENTS) && pass.deltas[l] != null) {
                    layer.outputGradients(pass.deltas[l]);
                }
            }
            if (pass != null && block.isDense()) {
                int l = block.layerIndex();
                if (plan.needs(CaptureField.LAYER_INPUTS)) {
                    layer.inputs(pass.inputs[l]);
                }
                if (plan.needs(CaptureField.OUTPUT_GRADIENTS) && pass.deltas[l] != null) {
                    layer.outputGradients(pass.deltas[l]);
                }
                if (plan.needs(CaptureField.ACTIVATION_DERIVATIVES)) {
                    layer.activationDerivatives(derivative(pass, l));
                }
            }
            captures.add(layer.build());
        }
        INDArray hessian = pass != null && plan.needs(CaptureField.OUTPUT_HESSIAN)
                ? requireLoss().meanOutputHessian(pass.predictions) : null;
        ModelCapture capture = new ModelCapture(batch, captures, hessian);
        if (plan.needs(CaptureField.BATCH_LOSS) || plan.needs(CaptureField.BATCH_ORACLE)) {
            Dl4jBatchOracle oracle = new Dl4jBatchOracle(model, blocks, x, y);
            if (plan.needs(CaptureField.BATCH_LOSS)) {
                capture = capture.withBatchLoss(oracle.loss());
            }
            if (plan.needs(CaptureField.BATCH_ORACLE)) {
                capture = capture.withOracle(oracle);
            }
        }
        return capture;
    }

    /** Per DL4J layer: its input after preprocessing, z for dense/activation layers, δ where computed. */
    private static final class Pass {
        final INDArray[] inputs;
        final INDArray[] pre;
        final INDArray[] deltas;
        final INDArray[] patches;
        INDArray predictions;

        Pass(int layers) {
            inputs = new INDArray[layers];
            patches = new INDArray[layers];
            pre = new INDArray[layers];
            deltas = new INDArray[layers];
        }
    }

    private Pass forward(INDArray x) {
        List<NetworkModel.Dl4jLayer> layers = model.layers();
        DataType type = model.network().params().dataType();
        int batch = (int) x.size(0);
        Pass pass = new Pass(layers.size());
        INDArray a = x.dataType() == type ? x : x.castTo(type);
        for (NetworkModel.Dl4jLayer layer : layers) {
            int l = layer.index();
            INDArray in = layer.preProcessor() != null ? layer.preProcessor().preProcess(a, batch, workspaces) : a;
            pass.inputs[l] = in;
            switch (layer.role()) {
                case DENSE, OUTPUT -> {
                    INDArray z = in.mmul(layer.layer().getParam("W"));
                    if (layer.layer().paramTable(false).containsKey("b")) {
                        z.addiRowVector(layer.layer().getParam("b"));
                    }
                    pass.pre[l] = z;
                    a = layer.role() == NetworkModel.Role.OUTPUT ? null : layer.activation().getActivation(z.dup(), false);
                }
                case ACTIVATION -> {
                    pass.pre[l] = in;
                    a = layer.activation().getActivation(in.dup(), false);
                }
                case CONV -> {
                    ConvGeometry geometry = NetworkModel.geometry(layer, (int) in.size(2), (int) in.size(3));
                    INDArray patches = geometry.patches(in);
                    pass.patches[l] = patches;
                    INDArray z = convolve(layer, patches, geometry.outputHeight((int) in.size(2)),
                            geometry.outputWidth((int) in.size(3)));
                    pass.pre[l] = z;
                    a = layer.activation().getActivation(z.dup(), false);
                }
                case DROPOUT -> a = in;
                case BATCHNORM -> {
                    pass.patches[l] = BatchNormOracleLayer.normalizedInput(layer, in);
                    a = new BatchNormOracleLayer(layer).forward(in, null).output();
                }
                case POOL, OPAQUE, FROZEN -> a = layer.layer().activate(in, false, workspaces);
            }
        }
        return pass;
    }

    /** z = W ā per position from the patches (B×P×K), as NCHW B×O×outH×outW. */
    private static INDArray convolve(NetworkModel.Dl4jLayer layer, INDArray patches, int outH, int outW) {
        long b = patches.size(0);
        long k = patches.size(2);
        INDArray w = layer.layer().getParam("W");
        long o = w.size(0);
        INDArray kernel = w.dup('c').reshape('c', o, k);
        INDArray z = patches.reshape('c', b * patches.size(1), k).mmul(kernel.transpose());
        if (layer.layer().paramTable(false).containsKey("b")) {
            z.addiRowVector(layer.layer().getParam("b").reshape(1, o));
        }
        return z.reshape('c', b, outH, outW, o).permute(0, 3, 1, 2).dup('c');
    }

    /** ∂/∂(conv input) of per-position output gradients δ (R×O×outH×outW): col2im of δ·W. */
    private INDArray convInputGradient(NetworkModel.Dl4jLayer layer, INDArray delta, INDArray input) {
        int h = (int) input.size(2);
        int w = (int) input.size(3);
        ConvGeometry geometry = NetworkModel.geometry(layer, h, w);
        INDArray weights = layer.layer().getParam("W");
        long o = weights.size(0);
        long k = weights.length() / o;
        long r = delta.size(0);
        long positions = delta.size(2) * delta.size(3);
        INDArray rows = delta.permute(0, 2, 3, 1).dup('c').reshape('c', r * positions, o);
        INDArray patchGradients = rows.mmul(weights.dup('c').reshape('c', o, k)).reshape('c', r, positions, k);
        return geometry.accumulatePatches(patchGradients, (int) input.size(1), h, w);
    }

    /**
     * Back-propagates per-example output gradients from the loss down to the lowest layer a block
     * needs: through dense and conv layers (their δ kept), activation, dropout and
     * preprocessors, pooling layers (DL4J's own backward on the replicated input: no parameters,
     * so no gradient views are touched) and BatchNormalization (its running-statistics affine map).
     */
    private void backward(Pass pass, INDArray y, StepPlan plan, Random random) {
        List<NetworkModel.Dl4jLayer> layers = model.layers();
        int top = layers.size() - 1;
        int batch = (int) pass.inputs[0].size(0);
        INDArray labels = y.dataType() == pass.pre[top].dataType() ? y : y.castTo(pass.pre[top].dataType());
        INDArray delta = requireLoss().outputGradients(pass.pre[top], pass.predictions, labels, plan.targets(), random);
        int replicas = (int) (delta.size(0) / batch);
        pass.deltas[top] = delta;
        int lowest = lowestNeeded();
        INDArray eps = null; // ∂ℓ/∂(input of layer l), rows as delta
        for (int l = top; l > lowest; l--) {
            NetworkModel.Dl4jLayer layer = layers.get(l);
            switch (layer.role()) {
                case DENSE, OUTPUT -> eps = pass.deltas[l].mmul(layer.layer().getParam("W").transpose());
                case CONV -> eps = convInputGradient(layer, pass.deltas[l], pass.inputs[l]);
                default -> {
                }
            }
            if (layer.preProcessor() != null) {
                eps = layer.preProcessor().backprop(eps, (int) eps.size(0), workspaces);
            }
            NetworkModel.Dl4jLayer below = layers.get(l - 1);
            switch (below.role()) {
                case DENSE, CONV -> pass.deltas[l - 1] = below.activation().backprop(tiled(pass.pre[l - 1], replicas),
                        eps).getFirst();
                case ACTIVATION -> eps = below.activation().backprop(tiled(pass.pre[l - 1], replicas), eps).getFirst();
                case POOL -> {
                    below.layer().setInput(tiled(pass.inputs[l - 1], replicas), workspaces);
                    eps = below.layer().backpropGradient(eps, workspaces).getSecond();
                }
                case BATCHNORM -> {
                    pass.deltas[l - 1] = eps;
                    eps = BatchNormOracleLayer.inputGradient(below, pass.inputs[l - 1], eps);
                }
                case DROPOUT -> {
                }
                default -> throw new IllegalStateException("unreachable: " + below.describe() + " is below the lowest "
                        + "layer output gradients reach");
            }
        }
    }

    /** The lowest DL4J layer index some dense block needs output gradients at. */
    private int lowestNeeded() {
        int lowest = model.layers().size() - 1;
        for (ParameterBlock block : blocks) {
            if (model.reachable(block)) {
                lowest = Math.min(lowest, block.layerIndex());
            }
        }
        return lowest;
    }

    /** A fresh copy of z (R = replicas·B rows, any rank): activations' backprop overwrites its input. */
    private static INDArray tiled(INDArray z, int replicas) {
        if (replicas == 1) {
            return z.dup();
        }
        int[] repeats = new int[z.rank()];
        java.util.Arrays.fill(repeats, 1);
        repeats[0] = replicas;
        return Nd4j.tile(z, repeats);
    }

    private INDArray derivative(Pass pass, int l) {
        NetworkModel.Dl4jLayer layer = model.layer(l);
        INDArray z = pass.pre[l];
        if (layer.role() == NetworkModel.Role.OUTPUT) {
            return Nd4j.onesLike(z);
        }
        if (!NetworkModel.isElementWise(layer.activation())) {
            throw new IllegalStateException(layer.describe() + ": activation " + layer.activation()
                    + " is not element-wise, so it has no ACTIVATION_DERIVATIVES f'(z)");
        }
        return layer.activation().backprop(z.dup(), Nd4j.onesLike(z)).getFirst();
    }

    private OutputLoss requireLoss() {
        return model.outputLoss().orElseThrow(() -> new IllegalStateException(
                "the plan asks for output statistics but kron4j does not know " + model.lossProblem()));
    }

    private static void checkNoMasks(MultiLayerNetwork network) {
        if (network.getMask() != null || network.getOutputLayer().getMaskArray() != null) {
            throw new UnsupportedOperationException("kron4j's DL4J statistics pass does not support feature or label "
                    + "mask arrays");
        }
    }
}
