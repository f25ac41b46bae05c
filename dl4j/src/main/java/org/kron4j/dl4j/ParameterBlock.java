package org.kron4j.dl4j;

import java.util.Arrays;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.kron4j.api.model.LayerSpec;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.ScalarDivision;
import org.nd4j.linalg.api.ops.impl.scalar.ScalarMultiplication;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * One kron4j parameter group and where its values live in a {@link MultiLayerNetwork}.
 *
 * <p><b>Dense layout</b> (DenseLayer, OutputLayer): DL4J keeps W as [nIn, nOut] and b as
 * [1, nOut] and computes z = a·W + b; kron4j's dense gradient is m×(n+1) = [Wᵀ | bᵀ] with s = W̃ ā.
 * So kron4j's array is the transpose of W with b appended as the last column, and a direction
 * goes back the same way.
 *
 * <p><b>Conv layout</b> (ConvolutionLayer, {@link org.kron4j.core.Conv2d}): DL4J keeps W as
 * [O, C, kH, kW] (c order) and b as [1, O]; kron4j's gradient is the O×(C·kH·kW+1) matrix
 * [W reshaped to O×(C·kH·kW) | bᵀ], the column of tap (c, i, j) being c·kH·kW + i·kW + j.
 *
 * <p><b>Tensor layout</b> (any other parameter): the parameter with its unit dimensions dropped
 * ([1, 64] → [64], conv [nOut, nIn, kH, kW] unchanged), element order by logical index.
 *
 * <p><b>Scale.</b> At {@code onGradientCalculation} DL4J's gradient is the batch sum (its updater
 * divides by B afterwards when the configuration says {@code miniBatch}); kron4j's GRADIENT is
 * that of the batch-mean loss. {@link #gradient} divides by B, {@link #write} multiplies the
 * direction by B, so DL4J's updater receives the direction in the scale of the gradient it
 * replaced.
 *
 * <p><b>Hot path.</b> DL4J keeps a dense W in 'f' order, so Wᵀ is a free 'c'-ordered view and
 * kron4j's [Wᵀ | bᵀ] is a 'c'-ordered m×(n+1) buffer whose rows are DL4J's columns: the layout
 * change is a contiguous row copy, with ÷B fused into it, into a buffer this block keeps across
 * steps ({@link #gradient}, {@link #parameters}); {@link #write} scales the direction by B
 * straight into DL4J's gradient views through the same views. A conv kernel [O, C, kH, kW] in
 * DL4J's 'c' order is already O×(C·kH·kW) row-major. Per step and block this touches each
 * gradient value twice (in, out) and allocates nothing but view descriptors.
 */
final class ParameterBlock {
    private final LayerSpec spec;
    private final int layerIndex;
    private final boolean dense;
    private final long[] kernelShape;
    private final String weightKey;
    private final String biasKey;
    private final long[] tensorShape;
    private final int inputs;
    private final int outputs;
    private final boolean scaleShift;
    /** The hot path's buffers in kron4j's layout, reused every step (see {@link #gradient}). */
    private INDArray gradientBuffer;
    private INDArray parameterBuffer;

    private ParameterBlock(LayerSpec spec, int layerIndex, boolean dense, String weightKey, String biasKey,
            long[] tensorShape, int inputs, int outputs) {
        this(spec, layerIndex, dense, null, weightKey, biasKey, tensorShape, inputs, outputs, false);
    }

    private ParameterBlock(LayerSpec spec, int layerIndex, boolean dense, long[] kernelShape, String weightKey,
            String biasKey, long[] tensorShape, int inputs, int outputs, boolean scaleShift) {
        this.scaleShift = scaleShift;
        this.spec = spec;
        this.layerIndex = layerIndex;
        this.dense = dense;
        this.kernelShape = kernelShape;
        this.weightKey = weightKey;
        this.biasKey = biasKey;
        this.tensorShape = tensorShape;
        this.inputs = inputs;
        this.outputs = outputs;
    }

    /** A dense layer's W (and b) under {@code spec}, which may be DENSE or, when demoted, a TENSOR [m, n(+1)]. */
    static ParameterBlock dense(LayerSpec spec, int layerIndex, int inputs, int outputs, boolean bias) {
        return new ParameterBlock(spec, layerIndex, true, layerIndex + "_W", bias ? layerIndex + "_b" : null, null,
                inputs, outputs);
    }

    /**
     * A convolution layer's kernel W [O, C, kH, kW] (and b) under {@code spec}, which may be CONV2D
     * or, when demoted, a TENSOR [O, C·kH·kW(+1)].
     */
    static ParameterBlock conv(LayerSpec spec, int layerIndex, long[] kernelShape, boolean bias) {
        int patch = Math.toIntExact(kernelShape[1] * kernelShape[2] * kernelShape[3]);
        return new ParameterBlock(spec, layerIndex, false, kernelShape.clone(), layerIndex + "_W",
                bias ? layerIndex + "_b" : null, null, patch, Math.toIntExact(kernelShape[0]), false);
    }

    /** A BatchNormalization layer's gamma and beta ([1, C] each) as one C×2 scale-and-shift group. */
    static ParameterBlock scaleShift(LayerSpec spec, int layerIndex, int channels) {
        return new ParameterBlock(spec, layerIndex, false, null, layerIndex + "_gamma", layerIndex + "_beta", null, 1,
                channels, true);
    }

    /** One parameter of any layer as a tensor. */
    static ParameterBlock tensor(LayerSpec spec, int layerIndex, String parameter) {
        return new ParameterBlock(spec, layerIndex, false, layerIndex + "_" + parameter, null, spec.gradientShape(),
                0, 0);
    }

    /** The unit dimensions of a DL4J parameter shape dropped (at least one dimension kept). */
    static long[] squeeze(long[] shape) {
        long[] kept = Arrays.stream(shape).filter(d -> d != 1).toArray();
        return kept.length == 0 ? new long[] {1} : kept;
    }

    LayerSpec spec() {
        return spec;
    }

    int layerIndex() {
        return layerIndex;
    }

    boolean isDense() {
        return dense;
    }

    /** A convolution layer's kernel (and bias). */
    boolean isConv() {
        return kernelShape != null;
    }

    /** A BatchNormalization layer's gamma and beta. */
    boolean isScaleShift() {
        return scaleShift;
    }

    /** Dense, conv or scale-and-shift: a layer whose statistics the statistics pass can provide. */
    boolean hasStatistics() {
        return isMatrixLayout();
    }

    /** Dense, conv or scale-and-shift: kron4j's layout is a matrix [kernel | bias]. */
    private boolean isMatrixLayout() {
        return dense || kernelShape != null || scaleShift;
    }

    /** DL4J's key of the weights (or the tensor parameter), e.g. {@code "0_W"}. */
    String weightKey() {
        return weightKey;
    }

    /** DL4J's key of the bias, or null. */
    String biasKey() {
        return biasKey;
    }

    /** Conv: DL4J's kernel shape [O, C, kH, kW] (a copy). */
    long[] kernelShape() {
        return kernelShape.clone();
    }

    /**
     * This group's gradient of the batch-mean loss in kron4j's layout, in a buffer of this block
     * that the next call overwrites (the optimizer borrows a capture's arrays only during its step).
     * One pass over DL4J's gradient view: the division by B is fused into the layout change, which
     * reads rows of DL4J's W (its columns, contiguous in DL4J's 'f' order) into rows of the 'c' buffer.
     */
    INDArray gradient(Gradient gradient, int batchSize) {
        INDArray weights = require(gradient, weightKey);
        gradientBuffer = reuse(gradientBuffer, weights.dataType());
        fill(gradientBuffer, weights, biasKey == null ? null : require(gradient, biasKey), batchSize);
        return gradientBuffer;
    }

    /** The current parameters in kron4j's layout, in a buffer of this block that the next call overwrites. */
    INDArray parameters(MultiLayerNetwork network) {
        INDArray weights = network.getParam(weightKey);
        parameterBuffer = reuse(parameterBuffer, weights.dataType());
        fill(parameterBuffer, weights, biasKey == null ? null : network.getParam(biasKey), 1);
        return parameterBuffer;
    }

    /**
     * Overwrites DL4J's gradient views with {@code scale} times the kron4j-layout direction, in one
     * pass per part straight into the views (no scaled or transposed intermediate).
     */
    void write(Gradient gradient, INDArray direction, double scale) {
        INDArray weights = require(gradient, weightKey);
        if (!isMatrixLayout()) {
            scale(direction.reshape(weights.shape()), weights, scale, false);
            return;
        }
        INDArray kernel = direction.get(NDArrayIndex.all(), NDArrayIndex.interval(0, inputs));
        INDArray target = kernelMatrixView(weights);
        if (target != null) {
            scale(kernel, target, scale, false);
        } else { // a conv kernel view that is not 'c'-contiguous: no free [O, C·kH·kW] view of it
            weights.assign(kernel.mul(scale).dup('c').reshape('c', weights.shape()));
        }
        if (biasKey != null) {
            INDArray bias = require(gradient, biasKey);
            scale(direction.get(NDArrayIndex.all(), NDArrayIndex.point(inputs)), bias.reshape(outputs), scale,
                    false);
        }
    }

    /**
     * A dense, conv or scale-and-shift group's kron4j-layout array (any order and type) split into
     * DL4J's layout, fresh arrays of {@code type}: dense [Ŵ | b̂] (m×(n+1)) → {W-shaped n×m ('c' or
     * 'f', whichever copies without transposing), b-shaped 1×m or null without a bias}; conv
     * [W̄ | b̂] (O×(C·kH·kW+1)) → {W [O, C, kH, kW], b 1×O or null}; scale-and-shift [γ̂ | β̂] (C×2)
     * → {γ 1×C, β 1×C}.
     */
    INDArray[] toDl4jLayout(INDArray kron, DataType type) {
        if (isConv()) {
            INDArray matrix = kron.castTo(type).reshape('c', outputs, inputs + (biasKey != null ? 1 : 0));
            INDArray weights = matrix.get(NDArrayIndex.all(), NDArrayIndex.interval(0, inputs)).dup('c')
                    .reshape('c', kernelShape);
            INDArray bias = biasKey == null ? null
                    : matrix.get(NDArrayIndex.all(), NDArrayIndex.point(inputs)).reshape(1, outputs).dup('c');
            return new INDArray[] {weights, bias};
        }
        if (!dense && !scaleShift) {
            throw new IllegalStateException(spec.name() + " is not a dense, conv or scale-and-shift group");
        }
        INDArray matrix = kron.castTo(type).reshape(outputs, inputs + (biasKey != null ? 1 : 0));
        // Wᵀ of a 'c' matrix is 'f'-strided and of an 'f' matrix 'c'-strided: copying it in that order is a
        // contiguous copy, not a transpose (DL4J takes either order)
        INDArray weights = matrix.get(NDArrayIndex.all(), NDArrayIndex.interval(0, inputs)).transpose()
                .dup(matrix.ordering() == 'c' ? 'f' : 'c');
        INDArray bias = biasKey == null ? null
                : matrix.get(NDArrayIndex.all(), NDArrayIndex.point(inputs)).reshape(1, outputs).dup('c');
        return new INDArray[] {weights, bias};
    }

    /** The kron4j-layout array m×(n+1) ('f' order) of DL4J-layout parts W (n×m) and b (1×m, or null). */
    INDArray fromDl4jLayout(INDArray weights, INDArray bias) {
        return layout(weights, bias);
    }

    /** Zeroes DL4J's gradient views of this group (a step the guards skipped). */
    void zero(Gradient gradient) {
        require(gradient, weightKey).assign(0);
        if (biasKey != null) {
            require(gradient, biasKey).assign(0);
        }
    }

    /** The buffer of kron4j's layout for {@code type}: {@code current} when it fits, else a new one. */
    private INDArray reuse(INDArray current, DataType type) {
        if (current != null && current.dataType() == type) {
            return current;
        }
        long[] shape = isMatrixLayout() ? new long[] {outputs, inputs + (biasKey != null ? 1 : 0)} : tensorShape;
        return Nd4j.createUninitialized(type, shape, 'c');
    }

    /** Writes DL4J-layout W (and b) divided by {@code divisor} into the kron4j-layout buffer {@code out}. */
    private void fill(INDArray out, INDArray weights, INDArray bias, double divisor) {
        if (!isMatrixLayout()) {
            scale(weights.reshape(tensorShape), out, divisor, true);
            return;
        }
        INDArray kernel = kernelMatrixView(weights);
        if (kernel == null) {
            kernel = weights.dup('c').reshape('c', outputs, inputs);
        }
        scale(kernel, out.get(NDArrayIndex.all(), NDArrayIndex.interval(0, inputs)), divisor, true);
        if (bias != null) {
            scale(bias.reshape(outputs), out.get(NDArrayIndex.all(), NDArrayIndex.point(inputs)), divisor, true);
        }
    }

    /**
     * DL4J's W as kron4j's m×n kernel matrix without copying: a dense W [nIn, nOut] transposed, a
     * conv kernel [O, C, kH, kW] reshaped to [O, C·kH·kW] when it is 'c'-contiguous (DL4J's
     * layout); null when no such view exists.
     */
    private INDArray kernelMatrixView(INDArray weights) {
        if (dense) {
            return weights.transpose();
        }
        if (scaleShift) { // gamma [1, C] or [C], contiguous: a free C×1 view
            return Shape.hasDefaultStridesForShape(weights) ? weights.reshape(outputs, 1) : null;
        }
        if (weights.ordering() == 'c' && Shape.hasDefaultStridesForShape(weights)) {
            return weights.reshape('c', outputs, inputs);
        }
        return null;
    }

    /**
     * z = x / factor ({@code divide}) or x · factor, elementwise from one view into another of the
     * same shape: the same float operation as {@code x.div(factor)} / {@code x.mul(factor)}, so
     * the values are those of a copy followed by {@code divi}/{@code muli}, without the copy.
     */
    private static void scale(INDArray x, INDArray z, double factor, boolean divide) {
        if (factor == 1.0) {
            z.assign(x);
        } else if (divide) {
            Nd4j.getExecutioner().exec(new ScalarDivision(x, null, z, factor));
        } else {
            Nd4j.getExecutioner().exec(new ScalarMultiplication(x, null, z, factor));
        }
    }

    private INDArray layout(INDArray weights, INDArray bias) {
        if (isConv()) {
            INDArray out = Nd4j.createUninitialized(weights.dataType(),
                    new long[] {outputs, inputs + (bias != null ? 1 : 0)}, 'c');
            out.get(NDArrayIndex.all(), NDArrayIndex.interval(0, inputs)).assign(weights.dup('c').reshape('c', outputs,
                    inputs));
            if (bias != null) {
                out.get(NDArrayIndex.all(), NDArrayIndex.point(inputs)).assign(bias.reshape(outputs));
            }
            return out;
        }
        if (!dense && !scaleShift) {
            return weights.reshape(tensorShape).dup('c');
        }
        INDArray out = Nd4j.createUninitialized(weights.dataType(), new long[] {outputs, inputs + (bias != null ? 1 : 0)},
                'f');
        out.get(NDArrayIndex.all(), NDArrayIndex.interval(0, inputs)).assign(scaleShift ? weights.reshape(outputs, 1)
                : weights.transpose());
        if (bias != null) {
            out.get(NDArrayIndex.all(), NDArrayIndex.point(inputs)).assign(bias.reshape(outputs));
        }
        return out;
    }

    private INDArray require(Gradient gradient, String key) {
        INDArray value = gradient.getGradientFor(key);
        if (value == null) {
            throw new IllegalStateException("DL4J produced no gradient for '" + key + "' (layer " + spec.name()
                    + "); gradients present: " + gradient.gradientForVariable().keySet());
        }
        return value;
    }

    @Override
    public String toString() {
        return spec + " <- DL4J " + weightKey + (biasKey != null ? ", " + biasKey : "");
    }
}
