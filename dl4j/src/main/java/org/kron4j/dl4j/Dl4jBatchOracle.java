package org.kron4j.dl4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.kron4j.api.capture.BatchOracle;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The {@link BatchOracle} of a DL4J {@code MultiLayerNetwork} on one minibatch, computed outside
 * DL4J's training machinery by explicit passes over its layers, one {@link OracleLayer} per DL4J
 * layer.
 *
 * <p><b>Objective.</b> DL4J's own training loss on the batch, ℓ_DL4J = c · ℓ_kron4j
 * ({@link OutputLoss}), averaged over the batch, without regularisation and without dropout
 * (DropoutLayers and dropout on layers are the identity), with BatchNormalization on the batch's own
 * statistics as DL4J trains it ({@link BatchNormOracleLayer}): the function whose gradient the
 * capture's GRADIENT (DL4J's gradient divided by B) is when the network has no dropout.
 * {@link #loss()} and {@link #lossAt} use {@code ILossFunction.computeScore(…, average=true)}; the
 * Gauss-Newton is Jᵀ (c·H) J / B with H block-diagonal over examples (kron4j's exact output
 * Hessian) and J the Jacobian of the whole batch's outputs (with batch normalization an example's
 * output depends on the other examples, and J says so).
 *
 * <p><b>Passes.</b> The forward pass keeps every layer's {@link OracleLayer.Step}. A product is
 * one forward-mode pass u = J v (each step's {@code tangent}, preprocessors applied to tangents as
 * to values — DL4J's feed-forward and CNN-to-dense preprocessors are linear reshapes), then
 * c·H_i u_i per example ({@link OutputLoss#hessianTimes}), then one backward pass (each step's
 * {@code backward}, preprocessors' {@code backprop}) collecting the parameter parts in DL4J's
 * layout, divided by B and mapped to kron4j's ({@link ParameterBlock#fromDl4jLayout}).
 *
 * <p><b>Supported networks.</b> Every trained parameter group is a dense layer's, a convolution
 * layer's or a BatchNormalization layer's scale and shift; every layer at or above the lowest
 * trained one is dense, output, convolution, max/average/sum pooling (SubsamplingLayer or
 * GlobalPoolingLayer), BatchNormalization, activation or dropout; the output loss is one kron4j
 * knows. {@link #loss()} also works with other layers (they are run through DL4J's inference
 * forward); {@link #lossAt} and the products then throw {@link UnsupportedOperationException}
 * naming the first layer in the way.
 *
 * <p>Costs: the forward pass once, lazily; each product one forward-mode pass (about one forward
 * pass, im2col of the tangent for convolutions) and one backward pass; {@link #lossAt} one forward
 * pass. Keeps the batch and that pass until it is dropped; reads the live weights, so it answers
 * for the parameters of its step only.
 */
final class Dl4jBatchOracle implements BatchOracle {
    private final NetworkModel model;
    private final List<ParameterBlock> blocks;
    private final OutputLoss outputLoss;
    private final INDArray x;
    private final INDArray labels;
    private final int batch;
    private final DataType type;
    private final int[] blockOfLayer;
    private final OracleLayer[] rules;
    private final String unsupported;
    private final LayerWorkspaceMgr workspaces = LayerWorkspaceMgr.noWorkspaces();
    private OracleLayer.Step[] current;
    private INDArray predictionsCache;
    private double loss = Double.NaN;

    Dl4jBatchOracle(NetworkModel model, List<ParameterBlock> blocks, INDArray x, INDArray y) {
        this.model = model;
        this.blocks = List.copyOf(blocks);
        this.outputLoss = model.outputLoss().orElseThrow(() -> new IllegalStateException(
                "the batch oracle needs the output loss, but kron4j does not know " + model.lossProblem()));
        this.type = model.network().params().dataType();
        this.x = x.dataType() == type ? x : x.castTo(type);
        this.labels = y.dataType() == type ? y : y.castTo(type);
        this.batch = (int) x.size(0);
        List<NetworkModel.Dl4jLayer> layers = model.layers();
        this.blockOfLayer = new int[layers.size()];
        Arrays.fill(blockOfLayer, -1);
        this.rules = new OracleLayer[layers.size()];
        for (NetworkModel.Dl4jLayer layer : layers) {
            rules[layer.index()] = rule(layer);
        }
        this.unsupported = mapBlocks(model, this.blocks, blockOfLayer);
        if (model.network().getMask() != null || model.network().getOutputLayer().getMaskArray() != null) {
            throw new UnsupportedOperationException("kron4j's DL4J batch oracle does not support mask arrays");
        }
    }

    /**
     * Why the Gauss-Newton products and {@link #lossAt} cannot be computed for this network and
     * these parameter groups (naming the first layer or group in the way), or null when they can;
     * what an attach checks before it accepts a mode that needs this oracle.
     */
    static String unsupportedReason(NetworkModel model, List<ParameterBlock> blocks) {
        int[] owner = new int[model.layers().size()];
        Arrays.fill(owner, -1);
        return mapBlocks(model, blocks, owner);
    }

    /** Fills {@code blockOfLayer} (layer index → block index) and returns the first reason the passes cannot run. */
    private static String mapBlocks(NetworkModel model, List<ParameterBlock> blocks, int[] blockOfLayer) {
        List<NetworkModel.Dl4jLayer> layers = model.layers();
        String problem = null;
        for (NetworkModel.Dl4jLayer layer : layers) {
            String why = unsupported(layer);
            if (problem == null && why != null) {
                problem = why;
            }
        }
        for (int i = 0; i < blocks.size(); i++) {
            ParameterBlock block = blocks.get(i);
            NetworkModel.Role role = layers.get(block.layerIndex()).role();
            boolean known = block.isDense() || block.isConv() || block.isScaleShift();
            if (!known || blockOfLayer[block.layerIndex()] >= 0 || role == NetworkModel.Role.OPAQUE) {
                problem = problem != null ? problem : "parameter group " + block.spec().name()
                        + " is not a dense, convolution or batch-normalization scale-and-shift group";
            } else {
                blockOfLayer[block.layerIndex()] = i;
            }
        }
        return problem;
    }

    private static OracleLayer rule(NetworkModel.Dl4jLayer layer) {
        return switch (layer.role()) {
            case DENSE -> new DenseOracleLayer(layer.layer(), layer.activation());
            case OUTPUT -> new DenseOracleLayer(layer.layer(), null);
            case CONV -> new ConvOracleLayer(layer);
            case POOL -> new PoolingOracleLayer(layer);
            case BATCHNORM -> new BatchNormOracleLayer(layer);
            case ACTIVATION, DROPOUT, FROZEN, OPAQUE -> new TransparentOracleLayer(layer);
        };
    }

    /** Why the products cannot go through this layer, or null when they can. */
    private static String unsupported(NetworkModel.Dl4jLayer layer) {
        return switch (layer.role()) {
            case OPAQUE -> layer.describe() + " has no forward-mode pass in kron4j";
            case POOL -> PoolingOracleLayer.unsupported(layer);
            case BATCHNORM -> BatchNormOracleLayer.unsupported(layer);
            default -> null;
        };
    }

    @Override
    public int batchSize() {
        return batch;
    }

    @Override
    public double loss() {
        if (Double.isNaN(loss)) {
            OracleLayer.Step[] steps = pass();
            loss = outputLoss.meanLoss(steps[steps.length - 1].output(), labels);
        }
        return loss;
    }

    @Override
    public double lossAt(List<INDArray> delta) {
        requireSupported();
        checkVector(delta);
        INDArray[][] displaced = new INDArray[model.layers().size()][];
        for (NetworkModel.Dl4jLayer layer : model.layers()) {
            int b = blockOfLayer[layer.index()];
            if (b >= 0) {
                INDArray[] step = blocks.get(b).toDl4jLayout(delta.get(b), type);
                String[] names = parameterNames(layer);
                INDArray[] moved = new INDArray[names.length];
                for (int p = 0; p < names.length; p++) {
                    INDArray live = layer.layer().paramTable(false).get(names[p]);
                    moved[p] = live == null ? null : live.add(step[p].reshape(live.shape()));
                }
                displaced[layer.index()] = moved;
            }
        }
        OracleLayer.Step[] steps = forward(displaced);
        return outputLoss.meanLoss(steps[steps.length - 1].output(), labels);
    }

    /** DL4J's names of a trained layer's parameters, in the order of {@link ParameterBlock#toDl4jLayout}. */
    private static String[] parameterNames(NetworkModel.Dl4jLayer layer) {
        return layer.role() == NetworkModel.Role.BATCHNORM ? new String[] {"gamma", "beta"} : new String[] {"W", "b"};
    }

    @Override
    public List<INDArray> gaussNewtonTimes(List<INDArray> vector) {
        requireSupported();
        OracleLayer.Step[] steps = pass();
        INDArray u = outputTangent(steps, vector);
        INDArray delta = outputLoss.hessianTimes(predictions(), u);
        return backward(steps, delta);
    }

    @Override
    public double[][] gaussNewtonGram(List<List<INDArray>> vectors) {
        requireSupported();
        OracleLayer.Step[] steps = pass();
        int n = vectors.size();
        INDArray[] tangents = new INDArray[n];
        for (int a = 0; a < n; a++) {
            tangents[a] = outputTangent(steps, vectors.get(a));
        }
        INDArray predictions = predictions();
        double[][] gram = new double[n][n];
        for (int b = 0; b < n; b++) {
            INDArray hu = outputLoss.hessianTimes(predictions, tangents[b]);
            for (int a = 0; a <= b; a++) {
                double value = tangents[a].mul(hu).sumNumber().doubleValue() / batch;
                gram[a][b] = value;
                gram[b][a] = value;
            }
        }
        return gram;
    }

    // ---------------------------------------------------------------- passes

    private OracleLayer.Step[] pass() {
        if (current == null) {
            current = forward(null);
        }
        return current;
    }

    private INDArray predictions() {
        if (predictionsCache == null) {
            OracleLayer.Step[] steps = pass();
            predictionsCache = outputLoss.predictions(steps[steps.length - 1].output());
        }
        return predictionsCache;
    }

    /** The forward pass; {@code displaced[l]}, when given and not null, replaces layer l's parameters. */
    private OracleLayer.Step[] forward(INDArray[][] displaced) {
        List<NetworkModel.Dl4jLayer> layers = model.layers();
        OracleLayer.Step[] steps = new OracleLayer.Step[layers.size()];
        INDArray a = x;
        for (NetworkModel.Dl4jLayer layer : layers) {
            int l = layer.index();
            INDArray in = layer.preProcessor() != null ? layer.preProcessor().preProcess(a, batch, workspaces) : a;
            steps[l] = rules[l].forward(in, displaced != null ? displaced[l] : null);
            a = steps[l].output();
        }
        return steps;
    }

    /** u = J v (B×k): every layer's tangent, from the lowest layer with a direction up. */
    private INDArray outputTangent(OracleLayer.Step[] steps, List<INDArray> vector) {
        checkVector(vector);
        INDArray tangent = null; // the tangent of the current layer's input; null is zero
        for (NetworkModel.Dl4jLayer layer : model.layers()) {
            int l = layer.index();
            if (tangent != null && layer.preProcessor() != null) {
                tangent = layer.preProcessor().preProcess(tangent, batch, workspaces);
            }
            int b = blockOfLayer[l];
            INDArray[] direction = b >= 0 ? blocks.get(b).toDl4jLayout(vector.get(b), type) : null;
            tangent = steps[l].tangent(tangent, direction);
        }
        return tangent != null ? tangent : Nd4j.zerosLike(steps[steps.length - 1].output());
    }

    /** Back-propagates per-example output rows δ (B×k) and forms every block's (1/B) Jᵀδ. */
    private List<INDArray> backward(OracleLayer.Step[] steps, INDArray outputDelta) {
        List<NetworkModel.Dl4jLayer> layers = model.layers();
        INDArray[] gradients = new INDArray[blocks.size()];
        int lowest = layers.size() - 1;
        for (ParameterBlock block : blocks) {
            lowest = Math.min(lowest, block.layerIndex());
        }
        INDArray eps = outputDelta; // ∂/∂(output of layer l)
        for (int l = layers.size() - 1; l >= lowest; l--) {
            NetworkModel.Dl4jLayer layer = layers.get(l);
            int b = blockOfLayer[l];
            INDArray[] parts = b >= 0 ? new INDArray[2] : null;
            eps = steps[l].backward(eps, parts, l > lowest);
            if (b >= 0) {
                gradients[b] = blocks.get(b).fromDl4jLayout(parts[0], parts[1]).divi(batch);
            }
            if (l > lowest && layer.preProcessor() != null) {
                eps = layer.preProcessor().backprop(eps, batch, workspaces);
            }
        }
        List<INDArray> out = new ArrayList<>(gradients.length);
        for (int b = 0; b < gradients.length; b++) {
            if (gradients[b] == null) {
                throw new IllegalStateException("unreachable: no product for " + blocks.get(b));
            }
            out.add(gradients[b]);
        }
        return out;
    }

    private void requireSupported() {
        if (unsupported != null) {
            throw new UnsupportedOperationException("exact Gauss-Newton products and the loss at candidate parameters "
                    + "need a network of dense, convolution, pooling, batch-normalization, activation and dropout "
                    + "layers: " + unsupported);
        }
    }

    private void checkVector(List<INDArray> vector) {
        if (vector.size() != blocks.size()) {
            throw new IllegalArgumentException("expected one array per parameter group (" + blocks.size() + "), got "
                    + vector.size());
        }
        for (int b = 0; b < blocks.size(); b++) {
            long[] expected = blocks.get(b).spec().gradientShape();
            if (vector.get(b).length() != Arrays.stream(expected).reduce(1L, (p, q) -> p * q)) {
                throw new IllegalArgumentException("vector part " + b + " has shape " + Arrays.toString(
                        vector.get(b).shape()) + ", expected " + Arrays.toString(expected));
            }
        }
    }
}
