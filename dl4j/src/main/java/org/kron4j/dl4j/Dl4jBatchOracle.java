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
 * DL4J's training machinery by explicit passes over its layers (the statistics pass's semantics:
 * {@code train=false}, no dropout, no masks).
 *
 * <p><b>Objective.</b> DL4J's own loss, ℓ_DL4J = c · ℓ_kron4j ({@link OutputLoss}), averaged over
 * the batch, without regularisation: the function whose gradient the capture's GRADIENT (DL4J's
 * gradient divided by B) is. {@link #loss()} and {@link #lossAt} use
 * {@code ILossFunction.computeScore(…, average=true)}; the Gauss-Newton uses c·H_i, H_i kron4j's
 * exact output Hessian.
 *
 * <p><b>Passes.</b> Forward: z = a·W + b at DenseLayers and the OutputLayer, the layer's activation,
 * ActivationLayers, DropoutLayers (identity), preprocessors, frozen layers through DL4J. Forward
 * mode (R-op), with V the direction of W and v_b that of b: ż = ȧ·W + a·V + v_b, then
 * ȧ' = {@code IActivation.backprop}(z, ż), which is the Jacobian-vector product because every
 * DL4J activation's Jacobian is symmetric (diagonal for element-wise activations,
 * diag(p) − ppᵀ for softmax); preprocessors are applied to tangents as to values, which is exact
 * for DL4J's feed-forward preprocessors (linear reshapes). At the output, u = J v is multiplied by
 * c·H_i ({@link OutputLoss#hessianTimes}) and back-propagated like the statistics pass's output
 * gradients; the parameter part is (1/B) [δᵀ a | Σ_i δ_i] in kron4j's layout.
 *
 * <p><b>Supported networks.</b> Every trained parameter group must be a dense one (DenseLayer without
 * layer norm, OutputLayer) and every layer dense, output, activation, dropout or frozen (below
 * everything trained); the output loss must be one kron4j knows. {@link #loss()} also works with
 * other layers (they are run through DL4J); {@link #lossAt} and the products then throw
 * {@link UnsupportedOperationException} naming the first layer in the way.
 *
 * <p>Costs: the forward pass once, lazily; each product one R-op pass (about one forward pass)
 * and one backward pass; {@link #lossAt} one forward pass. Keeps the batch and that pass until it
 * is dropped; reads the live weights, so it answers for the parameters of its step only.
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
    private final String unsupported;
    private final LayerWorkspaceMgr workspaces = LayerWorkspaceMgr.noWorkspaces();
    private Pass current;
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
        this.blockOfLayer = new int[model.layers().size()];
        Arrays.fill(blockOfLayer, -1);
        String problem = null;
        for (NetworkModel.Dl4jLayer layer : model.layers()) {
            if (isOpaqueHere(layer.role()) && problem == null) {
                problem = layer.describe() + " has no forward-mode pass in kron4j";
            }
        }
        for (int i = 0; i < this.blocks.size(); i++) {
            ParameterBlock block = this.blocks.get(i);
            if (!block.isDense()) {
                problem = problem != null ? problem : "parameter group " + block.spec().name() + " is not a dense layer's";
            } else {
                blockOfLayer[block.layerIndex()] = i;
            }
        }
        this.unsupported = problem;
        if (model.network().getMask() != null || model.network().getOutputLayer().getMaskArray() != null) {
            throw new UnsupportedOperationException("kron4j's DL4J batch oracle does not support mask arrays");
        }
    }

    /** Layers the oracle's forward-mode pass cannot go through (convolutional layers included, for now). */
    private static boolean isOpaqueHere(NetworkModel.Role role) {
        return role == NetworkModel.Role.OPAQUE || role == NetworkModel.Role.CONV || role == NetworkModel.Role.POOL
                || role == NetworkModel.Role.BATCHNORM;
    }

    @Override
    public int batchSize() {
        return batch;
    }

    @Override
    public double loss() {
        if (Double.isNaN(loss)) {
            Pass pass = pass();
            loss = outputLoss.meanLoss(pass.pre[pass.pre.length - 1], labels);
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
                INDArray w = layer.layer().getParam("W").add(step[0]);
                INDArray current = layer.layer().getParam("b");
                INDArray bias = step[1] == null ? null : current.add(step[1].reshape(current.shape()));
                displaced[layer.index()] = new INDArray[] {w, bias};
            }
        }
        Pass pass = forward(displaced);
        return outputLoss.meanLoss(pass.pre[pass.pre.length - 1], labels);
    }

    @Override
    public List<INDArray> gaussNewtonTimes(List<INDArray> vector) {
        requireSupported();
        Pass pass = pass();
        INDArray u = outputTangent(pass, vector);
        INDArray delta = outputLoss.hessianTimes(predictions(pass), u);
        return backward(pass, delta);
    }

    @Override
    public double[][] gaussNewtonGram(List<List<INDArray>> vectors) {
        requireSupported();
        Pass pass = pass();
        int n = vectors.size();
        INDArray[] tangents = new INDArray[n];
        for (int a = 0; a < n; a++) {
            tangents[a] = outputTangent(pass, vectors.get(a));
        }
        INDArray predictions = predictions(pass);
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

    /** Per DL4J layer its input after preprocessing and z (dense, output and activation layers). */
    private static final class Pass {
        final INDArray[] inputs;
        final INDArray[] pre;
        INDArray predictions;

        Pass(int layers) {
            inputs = new INDArray[layers];
            pre = new INDArray[layers];
        }
    }

    private Pass pass() {
        if (current == null) {
            current = forward(null);
        }
        return current;
    }

    private INDArray predictions(Pass pass) {
        if (pass.predictions == null) {
            pass.predictions = outputLoss.predictions(pass.pre[pass.pre.length - 1]);
        }
        return pass.predictions;
    }

    /** The forward pass; {@code displaced[l]}, when given and not null, replaces layer l's {W, b}. */
    private Pass forward(INDArray[][] displaced) {
        List<NetworkModel.Dl4jLayer> layers = model.layers();
        Pass pass = new Pass(layers.size());
        INDArray a = x;
        for (NetworkModel.Dl4jLayer layer : layers) {
            int l = layer.index();
            INDArray in = layer.preProcessor() != null ? layer.preProcessor().preProcess(a, batch, workspaces) : a;
            pass.inputs[l] = in;
            switch (layer.role()) {
                case DENSE, OUTPUT -> {
                    INDArray[] params = displaced != null && displaced[l] != null ? displaced[l] : null;
                    INDArray z = in.mmul(params != null ? params[0] : layer.layer().getParam("W"));
                    if (layer.layer().paramTable(false).containsKey("b")) {
                        z.addiRowVector(params != null && params[1] != null ? params[1] : layer.layer().getParam("b"));
                    }
                    pass.pre[l] = z;
                    a = layer.role() == NetworkModel.Role.OUTPUT ? null : layer.activation().getActivation(z.dup(), false);
                }
                case ACTIVATION -> {
                    pass.pre[l] = in;
                    a = layer.activation().getActivation(in.dup(), false);
                }
                case DROPOUT -> a = in;
                case OPAQUE, FROZEN, CONV, POOL, BATCHNORM -> a = layer.layer().activate(in, false, workspaces);
            }
        }
        return pass;
    }

    /** u = J v (B×k): the forward-mode pass ż = ȧ·W + a·V + v_b, ȧ' = f'(z) ż. */
    private INDArray outputTangent(Pass pass, List<INDArray> vector) {
        checkVector(vector);
        INDArray tangent = null; // ȧ: the tangent of the current layer's input; null is zero
        for (NetworkModel.Dl4jLayer layer : model.layers()) {
            int l = layer.index();
            if (tangent != null && layer.preProcessor() != null) {
                tangent = layer.preProcessor().preProcess(tangent, batch, workspaces);
            }
            switch (layer.role()) {
                case DENSE, OUTPUT -> {
                    INDArray z = tangent == null ? null : tangent.mmul(layer.layer().getParam("W"));
                    int b = blockOfLayer[l];
                    if (b >= 0) {
                        INDArray[] direction = blocks.get(b).toDl4jLayout(vector.get(b), type);
                        INDArray own = pass.inputs[l].mmul(direction[0]);
                        if (direction[1] != null) {
                            own.addiRowVector(direction[1]);
                        }
                        z = z == null ? own : z.addi(own);
                    }
                    if (layer.role() == NetworkModel.Role.OUTPUT) {
                        return z != null ? z : Nd4j.zeros(type, batch, pass.pre[l].size(1));
                    }
                    tangent = z == null ? null : layer.activation().backprop(pass.pre[l].dup(), z).getFirst();
                }
                case ACTIVATION -> tangent = tangent == null ? null
                        : layer.activation().backprop(pass.pre[l].dup(), tangent).getFirst();
                case DROPOUT -> {
                }
                case FROZEN -> {
                    if (tangent != null) {
                        throw new IllegalStateException("unreachable: " + layer.describe() + " is above a trained layer");
                    }
                }
                case OPAQUE, CONV, POOL, BATCHNORM -> throw new UnsupportedOperationException(unsupported);
            }
        }
        throw new IllegalStateException("unreachable: the last layer is an OutputLayer");
    }

    /** Back-propagates per-example output rows δ (B×k) and forms (1/B)[δᵀa | Σδ] for every dense block. */
    private List<INDArray> backward(Pass pass, INDArray outputDelta) {
        List<NetworkModel.Dl4jLayer> layers = model.layers();
        INDArray[] gradients = new INDArray[blocks.size()];
        int lowest = layers.size() - 1;
        for (ParameterBlock block : blocks) {
            lowest = Math.min(lowest, block.layerIndex());
        }
        INDArray delta = outputDelta; // ∂/∂z at the current dense layer
        INDArray eps = null;          // ∂/∂(output of the layer below)
        for (int l = layers.size() - 1; l >= lowest; l--) {
            NetworkModel.Dl4jLayer layer = layers.get(l);
            boolean dense = layer.role() == NetworkModel.Role.DENSE || layer.role() == NetworkModel.Role.OUTPUT;
            if (dense) {
                int b = blockOfLayer[l];
                if (b >= 0) {
                    INDArray in = pass.inputs[l];
                    INDArray w = delta.transpose().mmul(in).transpose(); // n×m, DL4J's W layout
                    INDArray bias = layer.layer().paramTable(false).containsKey("b") ? delta.sum(0).reshape(1,
                            delta.size(1)) : null;
                    gradients[b] = blocks.get(b).fromDl4jLayout(w, bias).divi(batch);
                }
                if (l == lowest) {
                    break;
                }
                eps = delta.mmul(layer.layer().getParam("W").transpose());
            }
            if (layer.preProcessor() != null) {
                eps = layer.preProcessor().backprop(eps, batch, workspaces);
            }
            NetworkModel.Dl4jLayer below = layers.get(l - 1);
            switch (below.role()) {
                case DENSE -> delta = below.activation().backprop(pass.pre[l - 1].dup(), eps).getFirst();
                case ACTIVATION -> eps = below.activation().backprop(pass.pre[l - 1].dup(), eps).getFirst();
                case DROPOUT, OUTPUT -> {
                }
                case OPAQUE, FROZEN, CONV, POOL, BATCHNORM -> throw new IllegalStateException("unreachable: "
                        + below.describe()
                        + " is below a trained layer");
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
                    + "need a network of dense, activation and dropout layers: " + unsupported);
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
