package org.kron4j.reference.exact;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.Loss;
import org.kron4j.reference.mlp.ReferenceMlp;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A tiny MLP in plain Java {@code double}: the network the oracles differentiate. Layer l maps
 * a_l (n_l values) to s_l = W_l ā_l with ā_l = [a_l; 1] (or a_l without a bias) and
 * a_{l+1} = f_l(s_l); the last layer's activation is IDENTITY and its pre-activation s_{L−1} is
 * the network output fed to the {@link Loss}. W_l is m_l×(n_l+1), the bias its last column —
 * exactly {@link ReferenceMlp}'s layout, so {@link #of(ReferenceMlp)} and
 * {@link #copyInto(ReferenceMlp)} move weights between the two without reshaping.
 *
 * <p>Parameters are ordered layer by layer, each layer's W column-major ({@code W[r][c]} at
 * offset {@code r + m·c} within the layer). Immutable: accessors return copies.
 *
 * <p>The element-wise functions ({@link #activate}, {@link #derivative}, {@link #predictions},
 * {@link #exampleLoss}, {@link #outputHessian}) are written out in {@code double} and are public
 * so tests can use them as references.
 */
public final class TinyMlp {
    private final double[][][] weights;
    private final Activation[] activations;
    private final Loss loss;
    private final boolean bias;

    /**
     * @param weights     per layer an m_l×(n_l+1) matrix (m_l×n_l without a bias); copied
     * @param activations per layer its activation; the last must be IDENTITY
     * @param loss        the loss on the last layer's pre-activation
     * @param bias        whether every layer has a bias column
     */
    public TinyMlp(double[][][] weights, Activation[] activations, Loss loss, boolean bias) {
        Objects.requireNonNull(weights, "weights");
        Objects.requireNonNull(activations, "activations");
        this.loss = Objects.requireNonNull(loss, "loss");
        this.bias = bias;
        if (weights.length == 0 || weights.length != activations.length) {
            throw new IllegalArgumentException("need one activation per layer and at least one layer, got "
                    + weights.length + " layers and " + activations.length + " activations");
        }
        if (activations[activations.length - 1] != Activation.IDENTITY) {
            throw new IllegalArgumentException("the last layer's activation must be IDENTITY (the loss applies the link)");
        }
        for (Activation a : activations) {
            if (a == Activation.UNKNOWN) {
                throw new IllegalArgumentException("activation UNKNOWN has no derivative");
            }
        }
        this.weights = new double[weights.length][][];
        for (int l = 0; l < weights.length; l++) {
            this.weights[l] = DoubleMatrices.copy(weights[l]);
            int cols = this.weights[l][0].length;
            for (double[] row : this.weights[l]) {
                if (row.length != cols) {
                    throw new IllegalArgumentException("layer " + l + ": ragged weight matrix");
                }
            }
            if (l > 0 && inputs(l) != outputs(l - 1)) {
                throw new IllegalArgumentException("layer " + l + " takes " + inputs(l) + " inputs but layer "
                        + (l - 1) + " has " + outputs(l - 1) + " outputs");
            }
        }
        this.activations = activations.clone();
    }

    /** The weights of an ND4J reference MLP, converted to {@code double}. */
    public static TinyMlp of(ReferenceMlp mlp) {
        List<INDArray> parameters = mlp.parameters();
        double[][][] w = new double[parameters.size()][][];
        for (int l = 0; l < w.length; l++) {
            w[l] = DoubleMatrices.toDoubleArray(parameters.get(l));
        }
        return new TinyMlp(w, mlp.activations().toArray(new Activation[0]), mlp.lossFunction(), mlp.hasBias());
    }

    /** The weights as ND4J matrices of the given type, in {@link ReferenceMlp#parameters()} layout. */
    public List<INDArray> toNd4j(DataType type) {
        List<INDArray> out = new ArrayList<>(weights.length);
        for (double[][] w : weights) {
            out.add(DoubleMatrices.toINDArray(w, type));
        }
        return out;
    }

    /** Overwrites the reference MLP's parameters with these weights. */
    public void copyInto(ReferenceMlp mlp) {
        mlp.setParameters(toNd4j(mlp.dataType()));
    }

    /** The same network with the flattened parameter vector {@code theta} (see {@link #parameterVector()}). */
    public TinyMlp withParameters(double[] theta) {
        if (theta.length != parameterCount()) {
            throw new IllegalArgumentException("expected " + parameterCount() + " parameters, got " + theta.length);
        }
        double[][][] w = new double[weights.length][][];
        for (int l = 0; l < w.length; l++) {
            w[l] = DoubleMatrices.unvec(Arrays.copyOfRange(theta, layerOffset(l), layerOffset(l) + layerParameterCount(l)),
                    outputs(l), weights[l][0].length);
        }
        return new TinyMlp(w, activations, loss, bias);
    }

    /** All parameters, layer by layer, each layer's W column-major. */
    public double[] parameterVector() {
        double[] theta = new double[parameterCount()];
        for (int l = 0; l < weights.length; l++) {
            double[] v = DoubleMatrices.vec(weights[l]);
            System.arraycopy(v, 0, theta, layerOffset(l), v.length);
        }
        return theta;
    }

    public int layerCount() {
        return weights.length;
    }

    /** n_l, without the homogeneous coordinate. */
    public int inputs(int layer) {
        return weights[layer][0].length - (bias ? 1 : 0);
    }

    /** m_l. */
    public int outputs(int layer) {
        return weights[layer].length;
    }

    /** k, the network's output size. */
    public int outputSize() {
        return outputs(weights.length - 1);
    }

    public boolean hasBias() {
        return bias;
    }

    public Loss loss() {
        return loss;
    }

    public Activation activation(int layer) {
        return activations[layer];
    }

    /** Layer l's weights m×(n+1), a copy. */
    public double[][] weights(int layer) {
        return DoubleMatrices.copy(weights[layer]);
    }

    /** W_l without its bias column (∂s_l/∂a_l), a copy. */
    public double[][] weightsWithoutBias(int layer) {
        return DoubleMatrices.block(weights[layer], 0, 0, outputs(layer), inputs(layer));
    }

    public int layerParameterCount(int layer) {
        return weights[layer].length * weights[layer][0].length;
    }

    /** Index of layer l's first parameter in the flattened vector. */
    public int layerOffset(int layer) {
        int offset = 0;
        for (int l = 0; l < layer; l++) {
            offset += layerParameterCount(l);
        }
        return offset;
    }

    public int parameterCount() {
        return layerOffset(weights.length);
    }

    /**
     * The forward pass of one example: per layer ā_l, s_l and f_l'(s_l).
     *
     * @param augmentedInputs ā_l per layer (with the trailing 1 when the net has biases)
     * @param preActivations  s_l per layer; the last is the network output
     * @param derivatives     f_l'(s_l) per layer (all ones for the last)
     */
    public record Trace(double[][] augmentedInputs, double[][] preActivations, double[][] derivatives) {
        /** The network output s_{L−1}. */
        public double[] output() {
            return preActivations[preActivations.length - 1];
        }
    }

    /** Runs one example forward. */
    public Trace trace(double[] x) {
        if (x.length != inputs(0)) {
            throw new IllegalArgumentException("expected " + inputs(0) + " inputs, got " + x.length);
        }
        int layers = weights.length;
        double[][] abar = new double[layers][];
        double[][] s = new double[layers][];
        double[][] d = new double[layers][];
        double[] a = x.clone();
        for (int l = 0; l < layers; l++) {
            abar[l] = bias ? Arrays.copyOf(a, a.length + 1) : a;
            if (bias) {
                abar[l][a.length] = 1.0;
            }
            s[l] = DoubleMatrices.multiply(weights[l], abar[l]);
            a = new double[s[l].length];
            d[l] = new double[s[l].length];
            for (int j = 0; j < a.length; j++) {
                a[j] = activate(activations[l], s[l][j]);
                d[l][j] = derivative(activations[l], s[l][j]);
            }
        }
        return new Trace(abar, s, d);
    }

    /** The network output s_{L−1} (logits) for one example. */
    public double[] output(double[] x) {
        return trace(x).output();
    }

    /** ℓ(s_{L−1}(x), y) for one example. */
    public double exampleLoss(double[] x, double[] y) {
        return exampleLoss(loss, output(x), y);
    }

    /** The batch-mean loss over the rows of X and Y. */
    public double meanLoss(double[][] x, double[][] y) {
        double sum = 0.0;
        for (int i = 0; i < x.length; i++) {
            sum += exampleLoss(x[i], y[i]);
        }
        return sum / x.length;
    }

    // ---------------------------------------------------------------- scalar references

    /** f(s) in double. */
    public static double activate(Activation activation, double s) {
        return switch (activation) {
            case IDENTITY -> s;
            case TANH -> Math.tanh(s);
            case SIGMOID -> sigmoid(s);
            case RELU -> s > 0 ? s : 0.0;
            case SOFTPLUS -> s > 0 ? s + Math.log1p(Math.exp(-s)) : Math.log1p(Math.exp(s));
            case UNKNOWN -> throw new IllegalArgumentException("UNKNOWN activation");
        };
    }

    /** f'(s) in double (ReLU: 0 at s = 0). */
    public static double derivative(Activation activation, double s) {
        return switch (activation) {
            case IDENTITY -> 1.0;
            case TANH -> {
                double t = Math.tanh(s);
                yield 1.0 - t * t;
            }
            case SIGMOID -> {
                double p = sigmoid(s);
                yield p * (1.0 - p);
            }
            case RELU -> s > 0 ? 1.0 : 0.0;
            case SOFTPLUS -> sigmoid(s);
            case UNKNOWN -> throw new IllegalArgumentException("UNKNOWN activation");
        };
    }

    /** o(s): softmax, sigmoid or identity. */
    public static double[] predictions(Loss loss, double[] logits) {
        double[] o = new double[logits.length];
        switch (loss) {
            case SOFTMAX_CROSS_ENTROPY -> {
                double max = Arrays.stream(logits).max().orElse(0.0);
                double sum = 0.0;
                for (int j = 0; j < o.length; j++) {
                    o[j] = Math.exp(logits[j] - max);
                    sum += o[j];
                }
                for (int j = 0; j < o.length; j++) {
                    o[j] /= sum;
                }
            }
            case SIGMOID_CROSS_ENTROPY -> {
                for (int j = 0; j < o.length; j++) {
                    o[j] = sigmoid(logits[j]);
                }
            }
            case SQUARED_ERROR -> System.arraycopy(logits, 0, o, 0, o.length);
            default -> throw new IllegalArgumentException("unknown loss " + loss);
        }
        return o;
    }

    /** ℓ(s, y): −Σ y log softmax(s), Σ softplus(s) − y s, or ½‖s − y‖². */
    public static double exampleLoss(Loss loss, double[] logits, double[] y) {
        double sum = 0.0;
        switch (loss) {
            case SOFTMAX_CROSS_ENTROPY -> {
                double max = Arrays.stream(logits).max().orElse(0.0);
                double z = 0.0;
                for (double s : logits) {
                    z += Math.exp(s - max);
                }
                double lse = max + Math.log(z);
                for (int j = 0; j < logits.length; j++) {
                    sum += y[j] * (lse - logits[j]);
                }
            }
            case SIGMOID_CROSS_ENTROPY -> {
                for (int j = 0; j < logits.length; j++) {
                    double s = logits[j];
                    sum += Math.max(s, 0.0) - y[j] * s + Math.log1p(Math.exp(-Math.abs(s)));
                }
            }
            case SQUARED_ERROR -> {
                for (int j = 0; j < logits.length; j++) {
                    double r = logits[j] - y[j];
                    sum += 0.5 * r * r;
                }
            }
            default -> throw new IllegalArgumentException("unknown loss " + loss);
        }
        return sum;
    }

    /** ∂²ℓ/∂s² for one example from its predictions o: diag(o) − o oᵀ, diag(o(1−o)) or I. */
    public static double[][] outputHessian(Loss loss, double[] predictions) {
        int k = predictions.length;
        double[][] h = new double[k][k];
        switch (loss) {
            case SOFTMAX_CROSS_ENTROPY -> {
                for (int i = 0; i < k; i++) {
                    for (int j = 0; j < k; j++) {
                        h[i][j] = (i == j ? predictions[i] : 0.0) - predictions[i] * predictions[j];
                    }
                }
            }
            case SIGMOID_CROSS_ENTROPY -> {
                for (int i = 0; i < k; i++) {
                    h[i][i] = predictions[i] * (1.0 - predictions[i]);
                }
            }
            case SQUARED_ERROR -> {
                for (int i = 0; i < k; i++) {
                    h[i][i] = 1.0;
                }
            }
            default -> throw new IllegalArgumentException("unknown loss " + loss);
        }
        return h;
    }

    private static double sigmoid(double s) {
        if (s >= 0) {
            return 1.0 / (1.0 + Math.exp(-s));
        }
        double e = Math.exp(s);
        return e / (1.0 + e);
    }
}
