package org.kron4j.reference.mlp;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import org.kron4j.api.capture.BatchOracle;
import org.kron4j.api.capture.CaptureField;
import org.kron4j.api.capture.LayerCapture;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.capture.StepPlan;
import org.kron4j.api.capture.TargetSource;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.model.Loss;
import org.kron4j.api.model.ModelSpec;
import org.kron4j.api.support.NdArrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small multilayer perceptron on ND4J with an explicit forward and backward pass: the engine
 * kron4j's tests, benchmarks and examples train with.
 *
 * <p><b>Layout.</b> Layer l maps a_l (B×n_l) to s_l = ā_l W_lᵀ with ā_l = [a_l, 1], W_l of shape
 * m_l×(n_l+1) (outputs × inputs, the bias as the last column; m_l×n_l with {@code hasBias=false}),
 * and a_{l+1} = f_l(s_l). The last layer is linear: its pre-activation is the output the
 * {@link Loss} reads. Weights are stored in Fortran ('f') order, so a weight matrix's memory is
 * its column-major vec (parameter index of W[r][c] is r + m·c) and the bias is one contiguous
 * column. Gradients come in the same shape and order.
 *
 * <p><b>Gradients.</b> The per-example output gradient is g_i = ∂ℓ_i/∂s_i (not divided by B); the
 * parameter gradient is that of the batch-mean loss, (1/B) Σ_i g_i ā_iᵀ.
 *
 * <p><b>Capture.</b> {@link #capture} runs one forward pass and one backward pass with the true
 * targets (the GRADIENT), and fills exactly the fields a {@link StepPlan} asks for. Under
 * {@link TargetSource#MC_FISHER} OUTPUT_GRADIENTS (B×m) come from a second backward pass with
 * one target per example drawn from the model's predictive distribution
 * ({@link Loss#sampleTargets}); under {@link TargetSource#EMPIRICAL} the first pass is reused;
 * under {@link TargetSource#EXACT} the (k·B)×k rows of {@link Loss#hessianSquareRoot} are
 * back-propagated in one pass, giving (k·B)×m output gradients, row r for example r mod B.
 * Every call returns freshly allocated arrays the caller may keep; nothing is recycled across
 * calls, and PARAMETERS are copies, not the live weights. BATCH_LOSS is the batch-mean loss of the
 * same forward pass; BATCH_ORACLE is a {@link BatchOracle} on the batch (see {@link #oracle}).
 *
 * <p><b>Gauss-Newton products.</b> {@link BatchOracle#gaussNewtonTimes} runs a forward-mode (R-op)
 * pass: with V_l the direction of W_l, ṡ_l = ȧ_l W̃_lᵀ + ā_l V_lᵀ and ȧ_{l+1} = f_l'(s_l) ∘ ṡ_l
 * (ȧ_0 = 0), so ṡ_{L−1} = J v row by row; then the loss Hessian ({@link Loss#hessianTimes}) and
 * the backward pass of the gradient with H_i J_i v in place of o_i − y_i, which gives
 * (1/B) Σ J_iᵀ H_i J_i v.
 *
 * <p><b>Initialisation.</b> Glorot-uniform weights, W ~ U(−r, r) with r = √(6/(n+m)), zero bias,
 * drawn from a {@link SplittableRandom} with the given seed, so the same seed gives the same
 * network on every ND4J backend.
 *
 * <p>Hot paths use ND4J operations only (gemm, transforms); no Java loops over elements. Not
 * thread-safe.
 */
public final class ReferenceMlp {
    private static final Logger LOG = LoggerFactory.getLogger(ReferenceMlp.class);

    private final int[] sizes;
    private final Activation[] activations;
    private final Loss loss;
    private final DataType dataType;
    private final boolean bias;
    private final long seed;
    private final List<INDArray> weights;
    private final List<INDArray> weightsWithoutBias;
    private final ModelSpec spec;

    /**
     * A network with the same activation on every hidden layer and biases.
     *
     * @param sizes    layer widths, input first: {64, 128, 10} is 64 → 128 → 10
     * @param hidden   the activation of every hidden layer
     * @param loss     the loss on the last (linear) layer's output
     * @param dataType FLOAT or DOUBLE
     * @param seed     seed of the weight initialisation
     */
    public ReferenceMlp(int[] sizes, Activation hidden, Loss loss, DataType dataType, long seed) {
        this(sizes, hiddenActivations(sizes, hidden), loss, dataType, seed, true);
    }

    /**
     * The general constructor.
     *
     * @param sizes             layer widths, input first (at least two entries)
     * @param hiddenActivations one activation per hidden layer (sizes.length − 2 entries)
     * @param loss              the loss on the last layer's output
     * @param dataType          FLOAT or DOUBLE
     * @param seed              seed of the weight initialisation
     * @param hasBias           whether every layer has a bias column
     */
    public ReferenceMlp(int[] sizes, Activation[] hiddenActivations, Loss loss, DataType dataType, long seed,
            boolean hasBias) {
        Objects.requireNonNull(sizes, "sizes");
        Objects.requireNonNull(hiddenActivations, "hiddenActivations");
        this.loss = Objects.requireNonNull(loss, "loss");
        this.dataType = Objects.requireNonNull(dataType, "dataType");
        if (dataType != DataType.FLOAT && dataType != DataType.DOUBLE) {
            throw new IllegalArgumentException("dataType must be FLOAT or DOUBLE, got " + dataType);
        }
        if (sizes.length < 2) {
            throw new IllegalArgumentException("need at least an input and an output size, got " + Arrays.toString(sizes));
        }
        for (int size : sizes) {
            if (size < 1) {
                throw new IllegalArgumentException("every layer size must be >= 1, got " + Arrays.toString(sizes));
            }
        }
        int layers = sizes.length - 1;
        if (hiddenActivations.length != layers - 1) {
            throw new IllegalArgumentException("need " + (layers - 1) + " hidden activations for sizes "
                    + Arrays.toString(sizes) + ", got " + hiddenActivations.length);
        }
        this.sizes = sizes.clone();
        this.activations = new Activation[layers];
        for (int l = 0; l < layers - 1; l++) {
            Activation a = Objects.requireNonNull(hiddenActivations[l], "hidden activation");
            if (a == Activation.UNKNOWN) {
                throw new IllegalArgumentException("the reference MLP has no UNKNOWN activation");
            }
            activations[l] = a;
        }
        activations[layers - 1] = Activation.IDENTITY;
        this.bias = hasBias;
        this.seed = seed;

        SplittableRandom random = new SplittableRandom(seed);
        List<INDArray> w = new ArrayList<>(layers);
        List<INDArray> wa = new ArrayList<>(layers);
        LayerSpec[] specs = new LayerSpec[layers];
        for (int l = 0; l < layers; l++) {
            int n = sizes[l];
            int m = sizes[l + 1];
            int cols = n + (hasBias ? 1 : 0);
            double limit = Math.sqrt(6.0 / (n + m));
            double[] values = new double[m * cols];
            for (int i = 0; i < m * n; i++) {
                values[i] = (2.0 * random.nextDouble() - 1.0) * limit; // column-major: the bias column stays 0
            }
            INDArray matrix = Nd4j.create(values, new long[] {m, cols}, 'f').castTo(dataType);
            if (matrix.ordering() != 'f') {
                matrix = matrix.dup('f');
            }
            w.add(matrix);
            wa.add(hasBias ? matrix.get(NDArrayIndex.all(), NDArrayIndex.interval(0, n)) : matrix);
            specs[l] = LayerSpec.dense(layerName(l), n, m, hasBias, activations[l]);
        }
        this.weights = Collections.unmodifiableList(w);
        this.weightsWithoutBias = List.copyOf(wa);
        this.spec = ModelSpec.sequential(loss, specs);
        LOG.debug("reference MLP {} {} {} {} bias={} seed={}", Arrays.toString(sizes), Arrays.toString(activations),
                loss, dataType, hasBias, seed);
    }

    /** A builder, for the less common options (per-layer activations, no bias). */
    public static Builder builder(int... sizes) {
        return new Builder(sizes);
    }

    /** The name of layer l in the {@link #modelSpec()}: "layer0", "layer1", …. */
    public static String layerName(int layer) {
        return "layer" + layer;
    }

    private static Activation[] hiddenActivations(int[] sizes, Activation hidden) {
        Activation[] a = new Activation[Math.max(0, sizes.length - 2)];
        Arrays.fill(a, hidden);
        return a;
    }

    // ---------------------------------------------------------------- description

    /** The model as kron4j sees it: sequential dense layers "layer0", …, the last with IDENTITY. */
    public ModelSpec modelSpec() {
        return spec;
    }

    /** Layer widths, input first. */
    public int[] sizes() {
        return sizes.clone();
    }

    public int layerCount() {
        return sizes.length - 1;
    }

    /** Per layer its activation; the last is IDENTITY. */
    public List<Activation> activations() {
        return List.of(activations);
    }

    public Loss lossFunction() {
        return loss;
    }

    public DataType dataType() {
        return dataType;
    }

    public boolean hasBias() {
        return bias;
    }

    public long seed() {
        return seed;
    }

    public long parameterCount() {
        return spec.parameterCount();
    }

    // ---------------------------------------------------------------- parameters

    /** The live weight matrices, m×(n+1) in 'f' order; changing them changes the network. */
    public List<INDArray> parameters() {
        return weights;
    }

    /** Copies of the weight matrices. */
    public List<INDArray> copyParameters() {
        List<INDArray> out = new ArrayList<>(weights.size());
        for (INDArray w : weights) {
            out.add(w.dup('f'));
        }
        return out;
    }

    /** Overwrites every weight matrix with the given values (any order or data type, same shapes). */
    public void setParameters(List<INDArray> values) {
        checkLayerList(values, "parameters");
        for (int l = 0; l < weights.size(); l++) {
            weights.get(l).assign(NdArrays.as(values.get(l), dataType));
        }
    }

    /** θ ← θ + Δθ per layer (Δθ in the gradient's shape, any order or data type). */
    public void addToParameters(List<INDArray> updates) {
        checkLayerList(updates, "updates");
        for (int l = 0; l < weights.size(); l++) {
            weights.get(l).addi(NdArrays.as(updates.get(l), dataType));
        }
    }

    /** An independent network with the same configuration and a copy of the current weights. */
    public ReferenceMlp copy() {
        ReferenceMlp twin = new ReferenceMlp(sizes, Arrays.copyOf(activations, activations.length - 1), loss, dataType,
                seed, bias);
        twin.setParameters(weights);
        return twin;
    }

    private void checkLayerList(List<INDArray> values, String what) {
        if (values.size() != weights.size()) {
            throw new IllegalArgumentException("expected " + weights.size() + " " + what + ", got " + values.size());
        }
        for (int l = 0; l < weights.size(); l++) {
            if (!Arrays.equals(values.get(l).shape(), weights.get(l).shape())) {
                throw new IllegalArgumentException(what + " of layer " + l + ": shape "
                        + Arrays.toString(values.get(l).shape()) + ", expected " + Arrays.toString(weights.get(l).shape()));
            }
        }
    }

    // ---------------------------------------------------------------- evaluation

    /** The network output s_{L−1} (pre-activation logits), B×k. */
    public INDArray logits(INDArray x) {
        return forward(x).logits();
    }

    /** The predictions o(s): class probabilities (softmax / sigmoid) or the regression output. */
    public INDArray predict(INDArray x) {
        return loss.predictions(logits(x));
    }

    /** The batch-mean loss. */
    public double loss(INDArray x, INDArray y) {
        return loss.meanLoss(logits(x), NdArrays.as(y, dataType));
    }

    /**
     * The fraction of rows classified correctly: arg-max of the output against arg-max of the
     * one-hot labels; with a single output unit, s &gt; 0 against label &gt; ½.
     */
    public double accuracy(INDArray x, INDArray labelsOneHot) {
        INDArray out = logits(x);
        long correct;
        if (out.columns() == 1) {
            INDArray predicted = out.gt(0.0).castTo(DataType.INT32);
            INDArray actual = labelsOneHot.gt(0.5).castTo(DataType.INT32);
            correct = predicted.eq(actual).castTo(DataType.INT32).sumNumber().longValue();
        } else {
            correct = out.argMax(1).eq(labelsOneHot.argMax(1)).castTo(DataType.INT32).sumNumber().longValue();
        }
        return (double) correct / out.rows();
    }

    /** The gradient of the batch-mean loss with the true targets, per layer m×(n+1). */
    public List<INDArray> gradients(INDArray x, INDArray y) {
        Pass pass = forward(x);
        INDArray delta = loss.perExampleGradient(pass.predictions(loss), NdArrays.as(y, dataType));
        return backward(pass, delta, true, null);
    }

    // ---------------------------------------------------------------- capture

    /** The batch-mean loss with the true targets together with the step's capture. */
    public record StepCapture(double loss, ModelCapture capture) {
    }

    /**
     * Runs the passes a step needs and returns the capture holding exactly the plan's fields.
     *
     * @param x      inputs, B×n_0 (cast to this network's type when needed)
     * @param y      true targets, B×k (one-hot rows for the classification losses)
     * @param plan   what the optimizer asked for
     * @param random the generator for MC Fisher targets; {@code Nd4j.getRandom()} when null
     */
    public ModelCapture capture(INDArray x, INDArray y, StepPlan plan, Random random) {
        return run(x, y, plan, random, false).capture();
    }

    /** {@link #capture} plus the batch-mean loss with the true targets, for training loops. */
    public StepCapture captureWithLoss(INDArray x, INDArray y, StepPlan plan, Random random) {
        return run(x, y, plan, random, true);
    }

    private StepCapture run(INDArray x, INDArray y, StepPlan plan, Random random, boolean withLoss) {
        Objects.requireNonNull(plan, "plan");
        INDArray targets = NdArrays.as(y, dataType);
        Pass pass = forward(x);
        if (targets.rows() != pass.batch() || targets.columns() != sizes[sizes.length - 1]) {
            throw new IllegalArgumentException("targets " + Arrays.toString(targets.shape()) + " do not match "
                    + pass.batch() + " examples with " + sizes[sizes.length - 1] + " outputs");
        }
        INDArray predictions = pass.predictions(loss);
        int layers = layerCount();
        boolean wantOutputGradients = plan.needs(CaptureField.OUTPUT_GRADIENTS);
        boolean reuseTruePass = wantOutputGradients && plan.targets() == TargetSource.EMPIRICAL;

        INDArray[] deltas = reuseTruePass ? new INDArray[layers] : null;
        List<INDArray> gradients = backward(pass, loss.perExampleGradient(predictions, targets), true, deltas);
        if (wantOutputGradients && !reuseTruePass) {
            INDArray outputRows = switch (plan.targets()) {
                case MC_FISHER -> loss.perExampleGradient(predictions, NdArrays.as(
                        loss.sampleTargets(predictions, random != null ? random : Nd4j.getRandom()), dataType));
                case EXACT -> NdArrays.as(loss.hessianSquareRoot(predictions), dataType);
                case EMPIRICAL -> throw new IllegalStateException("unreachable: the empirical pass is reused");
            };
            deltas = new INDArray[layers];
            backward(pass, outputRows, false, deltas);
        }

        List<LayerCapture> captures = new ArrayList<>(layers);
        for (int l = 0; l < layers; l++) {
            LayerCapture.Builder layer = LayerCapture.builder().gradient(gradients.get(l));
            if (plan.needs(CaptureField.PARAMETERS)) {
                layer.parameters(weights.get(l).dup('f'));
            }
            if (plan.needs(CaptureField.LAYER_INPUTS)) {
                layer.inputs(pass.inputs(l));
            }
            if (wantOutputGradients) {
                layer.outputGradients(deltas[l]);
            }
            if (plan.needs(CaptureField.ACTIVATION_DERIVATIVES)) {
                layer.activationDerivatives(pass.derivative(l));
            }
            captures.add(layer.build());
        }
        INDArray hessian = plan.needs(CaptureField.OUTPUT_HESSIAN) ? loss.meanOutputHessian(predictions) : null;
        boolean wantLoss = plan.needs(CaptureField.BATCH_LOSS);
        double batchLoss = withLoss || wantLoss ? loss.meanLoss(pass.logits(), targets) : Double.NaN;
        Oracle oracle = plan.needs(CaptureField.BATCH_ORACLE) ? new Oracle(pass, targets, batchLoss) : null;
        return new StepCapture(batchLoss, new ModelCapture(pass.batch(), captures, hessian,
                wantLoss ? batchLoss : Double.NaN, oracle));
    }

    // ---------------------------------------------------------------- batch oracle

    /**
     * A {@link BatchOracle} on the batch (x, y) at the current weights: the batch-mean loss, the
     * loss at displaced weights and exact Gauss-Newton × vector products. It holds the forward
     * pass of this call and the live weights: valid until the weights change.
     *
     * @param x inputs, B×n_0
     * @param y true targets, B×k
     */
    public BatchOracle oracle(INDArray x, INDArray y) {
        INDArray targets = NdArrays.as(y, dataType);
        Pass pass = forward(x);
        return new Oracle(pass, targets, loss.meanLoss(pass.logits(), targets));
    }

    /** The oracle over one forward pass; the loss is computed once, by the caller. */
    private final class Oracle implements BatchOracle {
        private final Pass pass;
        private final INDArray targets;
        private double batchLoss;

        Oracle(Pass pass, INDArray targets, double batchLoss) {
            this.pass = pass;
            this.targets = targets;
            this.batchLoss = batchLoss;
        }

        @Override
        public int batchSize() {
            return pass.batch();
        }

        @Override
        public double loss() {
            if (Double.isNaN(batchLoss)) {
                batchLoss = loss.meanLoss(pass.logits(), targets);
            }
            return batchLoss;
        }

        @Override
        public double lossAt(List<INDArray> delta) {
            List<INDArray> displaced = new ArrayList<>(weights.size());
            for (int l = 0; l < weights.size(); l++) {
                displaced.add(weights.get(l).add(direction(delta, l)));
            }
            return loss.meanLoss(forward(pass.input, displaced).logits(), targets);
        }

        @Override
        public List<INDArray> gaussNewtonTimes(List<INDArray> vector) {
            INDArray outputHessianTimes = loss.hessianTimes(pass.predictions(loss), outputTangent(pass, vector));
            return backward(pass, outputHessianTimes, true, null);
        }

        @Override
        public double[][] gaussNewtonGram(List<List<INDArray>> vectors) {
            int n = vectors.size();
            INDArray[] tangents = new INDArray[n];
            for (int a = 0; a < n; a++) {
                tangents[a] = outputTangent(pass, vectors.get(a));
            }
            INDArray predictions = pass.predictions(loss);
            double[][] gram = new double[n][n];
            for (int b = 0; b < n; b++) {
                INDArray hu = loss.hessianTimes(predictions, tangents[b]);
                for (int a = 0; a <= b; a++) {
                    double value = tangents[a].mul(hu).sumNumber().doubleValue() / pass.batch();
                    gram[a][b] = value;
                    gram[b][a] = value;
                }
            }
            return gram;
        }

        private INDArray direction(List<INDArray> vector, int layer) {
            checkLayerList(vector, "vector");
            return NdArrays.as(vector.get(layer), dataType);
        }

        /** J v row by row, B×k: the forward-mode pass ṡ_l = ȧ_l W̃_lᵀ + ā_l V_lᵀ, ȧ_{l+1} = f_l'(s_l) ∘ ṡ_l. */
        private INDArray outputTangent(Pass forward, List<INDArray> vector) {
            checkLayerList(vector, "vector");
            INDArray tangent = null; // ṡ_{l-1}
            for (int l = 0; l < layerCount(); l++) {
                INDArray s = Nd4j.gemm(forward.augmented[l], NdArrays.as(vector.get(l), dataType), false, true);
                if (tangent != null) {
                    INDArray inputTangent = tangent.muli(forward.derivative(l - 1)); // ȧ_l
                    s.addi(Nd4j.gemm(inputTangent, weightsWithoutBias.get(l), false, true));
                }
                tangent = s;
            }
            return tangent;
        }
    }

    // ---------------------------------------------------------------- passes

    /** One forward pass: per layer ā_l (B×(n_l+1), 'f' order) and s_l; f'(s_l) computed on demand. */
    private final class Pass {
        private final INDArray[] augmented;
        private final INDArray[] pre;
        private final INDArray[] derivatives;
        private INDArray predictions;
        private INDArray input;

        Pass(int layers) {
            augmented = new INDArray[layers];
            pre = new INDArray[layers];
            derivatives = new INDArray[layers];
        }

        int batch() {
            return pre[0].rows();
        }

        INDArray logits() {
            return pre[pre.length - 1];
        }

        INDArray predictions(Loss lossFunction) {
            if (predictions == null) {
                predictions = lossFunction.predictions(logits());
            }
            return predictions;
        }

        /** a_l without the homogeneous column: an offset-0, 'f'-contiguous view of ā_l. */
        INDArray inputs(int layer) {
            return bias ? augmented[layer].get(NDArrayIndex.all(), NDArrayIndex.interval(0, sizes[layer]))
                    : augmented[layer];
        }

        /** f_l'(s_l), B×m_l, cached: the backward passes and the capture share it. */
        INDArray derivative(int layer) {
            if (derivatives[layer] == null) {
                derivatives[layer] = computeDerivative(layer);
            }
            return derivatives[layer];
        }

        private INDArray computeDerivative(int layer) {
            INDArray s = pre[layer];
            if (layer == pre.length - 1) {
                return Nd4j.ones(dataType, s.rows(), s.columns());
            }
            INDArray h = inputs(layer + 1); // f(s_l)
            return switch (activations[layer]) {
                case IDENTITY -> Nd4j.ones(dataType, s.rows(), s.columns());
                case TANH -> h.mul(h).rsubi(1.0);
                case SIGMOID -> h.rsub(1.0).muli(h);
                case RELU -> Transforms.step(s, true);
                case SOFTPLUS -> Transforms.sigmoid(s, true);
                case UNKNOWN -> throw new IllegalStateException("UNKNOWN activation");
            };
        }
    }

    private Pass forward(INDArray x) {
        return forward(x, weights);
    }

    /** The forward pass with the given weight matrices (the live ones, or displaced copies). */
    private Pass forward(INDArray x, List<INDArray> layerWeights) {
        if (x.rank() != 2 || x.columns() != sizes[0]) {
            throw new IllegalArgumentException("inputs must be B×" + sizes[0] + ", got " + Arrays.toString(x.shape()));
        }
        int layers = layerCount();
        long batch = x.rows();
        Pass pass = new Pass(layers);
        INDArray input = NdArrays.as(x, dataType);
        pass.input = input;
        for (int l = 0; l < layers; l++) {
            INDArray abar = Nd4j.createUninitialized(dataType, new long[] {batch, sizes[l] + (bias ? 1 : 0)}, 'f');
            pass.augmented[l] = abar;
            INDArray a = pass.inputs(l);
            if (l == 0) {
                a.assign(input);
            } else {
                a.assign(pass.pre[l - 1]);
                activateInPlace(a, activations[l - 1]);
            }
            if (bias) {
                abar.get(NDArrayIndex.all(), NDArrayIndex.point(sizes[l])).assign(1.0);
            }
            pass.pre[l] = Nd4j.gemm(abar, layerWeights.get(l), false, true);
        }
        return pass;
    }

    private static void activateInPlace(INDArray a, Activation activation) {
        switch (activation) {
            case IDENTITY -> {
            }
            case TANH -> Transforms.tanh(a, false);
            case SIGMOID -> Transforms.sigmoid(a, false);
            case RELU -> Transforms.relu(a, false);
            case SOFTPLUS -> Transforms.softPlus(a, false);
            case UNKNOWN -> throw new IllegalStateException("UNKNOWN activation");
        }
    }

    /**
     * Back-propagates output gradients δ_{L−1}, R×k (not divided by B), row r belonging to
     * example r mod B: R = B for one target per example, R = k·B for the stacked Hessian square
     * root of {@link TargetSource#EXACT}.
     *
     * @param gradients whether to form the batch-mean parameter gradients (1/B) δ_lᵀ ā_l (R = B only)
     * @param deltas    when not null, receives δ_l (R×m_l) per layer
     * @return the gradients, or an empty list when not requested
     */
    private List<INDArray> backward(Pass pass, INDArray outputDelta, boolean gradients, INDArray[] deltas) {
        int layers = layerCount();
        int batch = pass.batch();
        int replicas = outputDelta.rows() / batch;
        if (replicas * (long) batch != outputDelta.rows() || (gradients && replicas != 1)) {
            throw new IllegalArgumentException("output gradients have " + outputDelta.rows() + " rows for a batch of "
                    + batch);
        }
        INDArray[] grads = gradients ? new INDArray[layers] : null;
        INDArray delta = outputDelta;
        for (int l = layers - 1; l >= 0; l--) {
            if (deltas != null) {
                deltas[l] = delta;
            }
            if (gradients) {
                INDArray abar = pass.augmented[l];
                INDArray grad = Nd4j.createUninitialized(dataType, new long[] {sizes[l + 1], abar.columns()}, 'f');
                grads[l] = Nd4j.gemm(delta, abar, grad, true, false, 1.0 / batch, 0.0);
            }
            if (l > 0) {
                INDArray derivative = pass.derivative(l - 1);
                if (replicas > 1) {
                    derivative = Nd4j.tile(derivative, replicas, 1);
                }
                delta = Nd4j.gemm(delta, weightsWithoutBias.get(l), false, false).muli(derivative);
            }
        }
        return gradients ? Arrays.asList(grads) : List.of();
    }

    @Override
    public String toString() {
        return "ReferenceMlp" + Arrays.toString(sizes) + Arrays.toString(activations) + "/" + loss + "/" + dataType
                + (bias ? "" : "/no-bias");
    }

    /** Builds a {@link ReferenceMlp}: sizes are required; defaults TANH hidden layers, softmax CE, FLOAT, seed 0, bias. */
    public static final class Builder {
        private final int[] sizes;
        private Activation[] hidden;
        private Loss loss = Loss.SOFTMAX_CROSS_ENTROPY;
        private DataType dataType = DataType.FLOAT;
        private long seed;
        private boolean bias = true;

        private Builder(int[] sizes) {
            this.sizes = sizes.clone();
        }

        /** One activation for every hidden layer, or one per hidden layer. */
        public Builder hidden(Activation... activations) {
            this.hidden = activations.clone();
            return this;
        }

        public Builder loss(Loss value) {
            this.loss = value;
            return this;
        }

        public Builder dataType(DataType value) {
            this.dataType = value;
            return this;
        }

        public Builder seed(long value) {
            this.seed = value;
            return this;
        }

        public Builder bias(boolean value) {
            this.bias = value;
            return this;
        }

        public ReferenceMlp build() {
            Activation[] perLayer;
            if (hidden == null) {
                perLayer = hiddenActivations(sizes, Activation.TANH);
            } else if (hidden.length == 1 && sizes.length - 2 != 1) {
                perLayer = hiddenActivations(sizes, hidden[0]);
            } else {
                perLayer = hidden;
            }
            return new ReferenceMlp(sizes, perLayer, loss, dataType, seed, bias);
        }
    }
}
