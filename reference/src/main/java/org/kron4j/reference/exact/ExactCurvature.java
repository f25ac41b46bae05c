package org.kron4j.reference.exact;

import java.util.Objects;
import org.kron4j.reference.mlp.ReferenceMlp;

/**
 * Exact curvature of a {@link TinyMlp} on a fixed batch, in plain Java {@code double}: the
 * oracle the kron4j variants are judged against. Everything is computed eagerly from per-example
 * Jacobians obtained by explicit back-propagation of each output unit.
 *
 * <p>Notation (layer l = 0 … L−1, output s_{L−1} with k units, B examples, P parameters):
 * <ul>
 *   <li>D_l^i = ∂s_{L−1}/∂s_l for example i, k×m_l (D_{L−1} = I); D_{l−1} = D_l W̃_l diag(f'_{l−1}),
 *       W̃_l being W_l without its bias column;</li>
 *   <li>J_i = ∂s_{L−1}/∂θ, k×P, whose row j in layer l's columns is vec(D_l^i[j,:]ᵀ ā_lᵢᵀ);</li>
 *   <li>H_i = ∂²ℓ_i/∂s² (diag(p)−ppᵀ, diag(p(1−p)) or I), r_i = o_i − y_i, ∇ℓ_i = J_iᵀ r_i;</li>
 *   <li>Fisher / Gauss-Newton F = (1/B) Σ J_iᵀ H_i J_i, empirical Fisher (1/B) Σ ∇ℓ_i ∇ℓ_iᵀ;</li>
 *   <li>K-FAC factors A_l = (1/B) Σ ā ā ᵀ and G_l = (1/B) Σ D_lᵢᵀ H_i D_lᵢ: the exact expectation of
 *       g gᵀ (g = ∂ℓ/∂s_l) under the model's predictive distribution, since E_y[(o−y)(o−y)ᵀ] = H
 *       for all three losses — the value the MC estimate converges to;</li>
 *   <li>KFRA's recursion H̄_{L−1} = mean H_i, H̄_l = (W̃_{l+1}ᵀ H̄_{l+1} W̃_{l+1}) ∘ E[f'_l f'_lᵀ].</li>
 * </ul>
 *
 * <p>Parameters are ordered as in {@link TinyMlp#parameterVector()}: layer by layer, W column-major,
 * so layer l's diagonal block of F is the Fisher of vec(W_l) and, for one example, equals
 * A_l ⊗ G_l exactly. Meant for a few hundred parameters and tens of examples: the Fisher costs
 * O(B·k·P²). Immutable; every accessor returns a fresh copy.
 */
public final class ExactCurvature {
    private final TinyMlp net;
    private final int batch;
    private final int k;
    private final int parameters;
    private final TinyMlp.Trace[] traces;
    private final double[][][][] outputJacobians; // [i][l] -> D_l^i (k×m_l)
    private final double[][][] jacobians;          // [i] -> J_i (k×P)
    private final double[][] predictions;          // [i] -> o_i
    private final double[][] residuals;            // [i] -> o_i - y_i
    private final double[][][] hessians;           // [i] -> H_i
    private final double[][] exampleGradients;     // [i] -> ∇ℓ_i (P)
    private final double meanLoss;

    private ExactCurvature(TinyMlp net, double[][] x, double[][] y) {
        this.net = Objects.requireNonNull(net, "net");
        if (x.length == 0 || x.length != y.length) {
            throw new IllegalArgumentException("need a non-empty batch with one target row per input row, got "
                    + x.length + " inputs and " + y.length + " targets");
        }
        this.batch = x.length;
        this.k = net.outputSize();
        this.parameters = net.parameterCount();
        int layers = net.layerCount();
        traces = new TinyMlp.Trace[batch];
        outputJacobians = new double[batch][layers][][];
        jacobians = new double[batch][][];
        predictions = new double[batch][];
        residuals = new double[batch][];
        hessians = new double[batch][][];
        exampleGradients = new double[batch][];
        double lossSum = 0.0;
        double[][][] withoutBias = new double[layers][][];
        for (int l = 0; l < layers; l++) {
            withoutBias[l] = net.weightsWithoutBias(l);
        }
        for (int i = 0; i < batch; i++) {
            if (y[i].length != k) {
                throw new IllegalArgumentException("target row " + i + " has " + y[i].length + " entries, expected " + k);
            }
            TinyMlp.Trace trace = net.trace(x[i]);
            traces[i] = trace;
            double[][] d = DoubleMatrices.identity(k);
            for (int l = layers - 1; l >= 0; l--) {
                outputJacobians[i][l] = d;
                if (l > 0) {
                    double[][] next = DoubleMatrices.multiply(d, withoutBias[l]);
                    double[] fp = trace.derivatives()[l - 1];
                    for (double[] row : next) {
                        for (int c = 0; c < row.length; c++) {
                            row[c] *= fp[c];
                        }
                    }
                    d = next;
                }
            }
            double[][] jac = new double[k][parameters];
            for (int l = 0; l < layers; l++) {
                int offset = net.layerOffset(l);
                int m = net.outputs(l);
                double[] abar = trace.augmentedInputs()[l];
                double[][] dl = outputJacobians[i][l];
                for (int j = 0; j < k; j++) {
                    for (int c = 0; c < abar.length; c++) {
                        for (int r = 0; r < m; r++) {
                            jac[j][offset + r + m * c] = dl[j][r] * abar[c];
                        }
                    }
                }
            }
            jacobians[i] = jac;
            double[] out = trace.output();
            predictions[i] = TinyMlp.predictions(net.loss(), out);
            residuals[i] = new double[k];
            for (int j = 0; j < k; j++) {
                residuals[i][j] = predictions[i][j] - y[i][j];
            }
            hessians[i] = TinyMlp.outputHessian(net.loss(), predictions[i]);
            exampleGradients[i] = DoubleMatrices.multiply(DoubleMatrices.transpose(jac), residuals[i]);
            lossSum += TinyMlp.exampleLoss(net.loss(), out, y[i]);
        }
        this.meanLoss = lossSum / batch;
    }

    /**
     * The exact curvature of {@code net} on inputs X (B×n_0) with targets Y (B×k; one-hot rows
     * for the classification losses).
     */
    public static ExactCurvature of(TinyMlp net, double[][] x, double[][] y) {
        return new ExactCurvature(net, x, y);
    }

    /** {@link #of(TinyMlp, double[][], double[][])} for the current weights of an ND4J reference MLP. */
    public static ExactCurvature of(ReferenceMlp mlp, double[][] x, double[][] y) {
        return new ExactCurvature(TinyMlp.of(mlp), x, y);
    }

    public TinyMlp net() {
        return net;
    }

    public int batchSize() {
        return batch;
    }

    public int parameterCount() {
        return parameters;
    }

    public int outputSize() {
        return k;
    }

    /** The batch-mean loss. */
    public double meanLoss() {
        return meanLoss;
    }

    // ---------------------------------------------------------------- per example

    /** J_i = ∂s_{L−1}/∂θ for example i, k×P. */
    public double[][] jacobian(int example) {
        return DoubleMatrices.copy(jacobians[example]);
    }

    /** D_l^i = ∂s_{L−1}/∂s_l for example i, k×m_l. */
    public double[][] outputJacobian(int example, int layer) {
        return DoubleMatrices.copy(outputJacobians[example][layer]);
    }

    /** o_i, the predictions (softmax / sigmoid / identity of the output). */
    public double[] predictions(int example) {
        return predictions[example].clone();
    }

    /** H_i = ∂²ℓ_i/∂s², k×k. */
    public double[][] outputHessian(int example) {
        return DoubleMatrices.copy(hessians[example]);
    }

    /** (1/B) Σ H_i: what {@code Loss.meanOutputHessian} must return. */
    public double[][] meanOutputHessian() {
        double[][] sum = new double[k][k];
        for (double[][] h : hessians) {
            sum = DoubleMatrices.add(sum, h);
        }
        return DoubleMatrices.scale(sum, 1.0 / batch);
    }

    /** ∇ℓ_i = J_iᵀ (o_i − y_i), length P. */
    public double[] exampleGradient(int example) {
        return exampleGradients[example].clone();
    }

    /** g_i for layer l with the true targets: ∂ℓ_i/∂s_l = D_lᵢᵀ (o_i − y_i), length m_l (not divided by B). */
    public double[] outputGradient(int example, int layer) {
        return DoubleMatrices.multiply(DoubleMatrices.transpose(outputJacobians[example][layer]), residuals[example]);
    }

    /** ā_l for example i (with the trailing 1 when the net has biases). */
    public double[] augmentedInput(int example, int layer) {
        return traces[example].augmentedInputs()[layer].clone();
    }

    /** s_l for example i. */
    public double[] preActivation(int example, int layer) {
        return traces[example].preActivations()[layer].clone();
    }

    /** f_l'(s_l) for example i (ones for the last layer). */
    public double[] activationDerivative(int example, int layer) {
        return traces[example].derivatives()[layer].clone();
    }

    /**
     * The exact pre-activation Gauss-Newton of layer l for example i: D_lᵢᵀ H_i D_lᵢ (m_l×m_l), the
     * curvature of ℓ_i with respect to s_l that KFRA approximates; its batch mean is
     * {@link #outputFactor(int)}.
     */
    public double[][] preActivationGaussNewton(int example, int layer) {
        double[][] d = outputJacobians[example][layer];
        return DoubleMatrices.multiply(DoubleMatrices.transpose(d), DoubleMatrices.multiply(hessians[example], d));
    }

    // ---------------------------------------------------------------- batch matrices

    /** The batch-mean gradient, length P. */
    public double[] meanGradient() {
        double[] g = new double[parameters];
        for (double[] gi : exampleGradients) {
            for (int p = 0; p < parameters; p++) {
                g[p] += gi[p];
            }
        }
        for (int p = 0; p < parameters; p++) {
            g[p] /= batch;
        }
        return g;
    }

    /** Layer l's part of {@link #meanGradient()} as an m_l×(n_l+1) matrix. */
    public double[][] layerGradient(int layer) {
        double[] g = meanGradient();
        int offset = net.layerOffset(layer);
        int count = net.layerParameterCount(layer);
        double[] part = new double[count];
        System.arraycopy(g, offset, part, 0, count);
        return DoubleMatrices.unvec(part, net.outputs(layer), count / net.outputs(layer));
    }

    /** The exact Fisher = generalised Gauss-Newton, (1/B) Σ J_iᵀ H_i J_i, P×P. */
    public double[][] fisher() {
        double[][] f = new double[parameters][parameters];
        for (int i = 0; i < batch; i++) {
            double[][] hj = DoubleMatrices.multiply(hessians[i], jacobians[i]);
            accumulateTransposeProduct(f, jacobians[i], hj);
        }
        return finishMean(f);
    }

    /** The empirical Fisher, (1/B) Σ ∇ℓ_i ∇ℓ_iᵀ, P×P. */
    public double[][] empiricalFisher() {
        double[][] f = new double[parameters][parameters];
        for (double[] g : exampleGradients) {
            for (int p = 0; p < parameters; p++) {
                if (g[p] == 0.0) {
                    continue;
                }
                for (int q = 0; q < parameters; q++) {
                    f[p][q] += g[p] * g[q];
                }
            }
        }
        return finishMean(f);
    }

    /** Layer l's diagonal block of {@link #fisher()}, the exact Fisher of vec(W_l). */
    public double[][] fisherBlock(int layer) {
        return layerBlock(fisher(), layer);
    }

    /** Layer l's diagonal block of {@link #empiricalFisher()}. */
    public double[][] empiricalFisherBlock(int layer) {
        return layerBlock(empiricalFisher(), layer);
    }

    /** The diagonal block of a P×P matrix that belongs to layer l. */
    public double[][] layerBlock(double[][] full, int layer) {
        int offset = net.layerOffset(layer);
        int count = net.layerParameterCount(layer);
        return DoubleMatrices.block(full, offset, offset, count, count);
    }

    /** The exact block-diagonal of F: every off-diagonal layer block set to zero. */
    public double[][] blockDiagonalFisher() {
        double[][] f = fisher();
        double[][] out = new double[parameters][parameters];
        for (int l = 0; l < net.layerCount(); l++) {
            int offset = net.layerOffset(l);
            int count = net.layerParameterCount(l);
            for (int r = 0; r < count; r++) {
                System.arraycopy(f[offset + r], offset, out[offset + r], offset, count);
            }
        }
        return out;
    }

    /** A_l = (1/B) Σ ā_l ā_lᵀ, (n_l+1)×(n_l+1). */
    public double[][] inputFactor(int layer) {
        int size = traces[0].augmentedInputs()[layer].length;
        double[][] a = new double[size][size];
        for (TinyMlp.Trace t : traces) {
            a = DoubleMatrices.add(a, DoubleMatrices.outer(t.augmentedInputs()[layer], t.augmentedInputs()[layer]));
        }
        return DoubleMatrices.scale(a, 1.0 / batch);
    }

    /**
     * The exact output factor G_l = (1/B) Σ D_lᵢᵀ H_i D_lᵢ (m_l×m_l): E[g gᵀ] with the targets drawn
     * from the model's predictive distribution, the limit of the MC Fisher estimate.
     */
    public double[][] outputFactor(int layer) {
        int m = net.outputs(layer);
        double[][] g = new double[m][m];
        for (int i = 0; i < batch; i++) {
            g = DoubleMatrices.add(g, preActivationGaussNewton(i, layer));
        }
        return DoubleMatrices.scale(g, 1.0 / batch);
    }

    /** The empirical output factor (1/B) Σ g_i g_iᵀ with g_i from the true targets. */
    public double[][] empiricalOutputFactor(int layer) {
        int m = net.outputs(layer);
        double[][] g = new double[m][m];
        for (int i = 0; i < batch; i++) {
            double[] gi = outputGradient(i, layer);
            g = DoubleMatrices.add(g, DoubleMatrices.outer(gi, gi));
        }
        return DoubleMatrices.scale(g, 1.0 / batch);
    }

    /** The K-FAC approximation of layer l's block, A_l ⊗ G_l with the exact factor expectations. */
    public double[][] kfacBlock(int layer) {
        return DoubleMatrices.kron(inputFactor(layer), outputFactor(layer));
    }

    /** E[f_l' f_l'ᵀ] over the batch, m_l×m_l (all ones for the last layer). */
    public double[][] meanDerivativeOuter(int layer) {
        int m = net.outputs(layer);
        double[][] out = new double[m][m];
        for (TinyMlp.Trace t : traces) {
            out = DoubleMatrices.add(out, DoubleMatrices.outer(t.derivatives()[layer], t.derivatives()[layer]));
        }
        return DoubleMatrices.scale(out, 1.0 / batch);
    }

    /**
     * KFRA's recursively propagated pre-activation Gauss-Newton H̄_l (Botev, Ritter, Barber 2017)
     * with batch means taken at every level: H̄_{L−1} = (1/B) Σ H_i and
     * H̄_l = (W̃_{l+1}ᵀ H̄_{l+1} W̃_{l+1}) ∘ E[f_l' f_l'ᵀ]. For one example it equals
     * {@link #outputFactor(int)}; for a deep linear net with squared error it equals it for any batch.
     */
    public double[][] kfraFactor(int layer) {
        int last = net.layerCount() - 1;
        double[][] h = meanOutputHessian();
        for (int l = last - 1; l >= layer; l--) {
            double[][] w = net.weightsWithoutBias(l + 1);
            h = DoubleMatrices.hadamard(DoubleMatrices.multiply(DoubleMatrices.transpose(w), DoubleMatrices.multiply(h, w)),
                    meanDerivativeOuter(l));
        }
        return h;
    }

    /** Layer l's inputs a_l without the homogeneous 1, B×n_l (what LAYER_INPUTS should hold). */
    public double[][] layerInputs(int layer) {
        int n = net.inputs(layer);
        double[][] out = new double[batch][n];
        for (int i = 0; i < batch; i++) {
            System.arraycopy(traces[i].augmentedInputs()[layer], 0, out[i], 0, n);
        }
        return out;
    }

    /** f_l'(s_l) for every example, B×m_l (what ACTIVATION_DERIVATIVES should hold). */
    public double[][] activationDerivatives(int layer) {
        double[][] out = new double[batch][];
        for (int i = 0; i < batch; i++) {
            out[i] = traces[i].derivatives()[layer].clone();
        }
        return out;
    }

    /** Per-example output gradients with the true targets, B×m_l (OUTPUT_GRADIENTS under EMPIRICAL). */
    public double[][] outputGradients(int layer) {
        double[][] out = new double[batch][];
        for (int i = 0; i < batch; i++) {
            out[i] = outputGradient(i, layer);
        }
        return out;
    }

    private static void accumulateTransposeProduct(double[][] target, double[][] left, double[][] right) {
        // target += leftᵀ right, left and right k×P
        int rows = left.length;
        int p = target.length;
        for (int j = 0; j < rows; j++) {
            double[] lj = left[j];
            double[] rj = right[j];
            for (int a = 0; a < p; a++) {
                double la = lj[a];
                if (la == 0.0) {
                    continue;
                }
                double[] row = target[a];
                for (int b = 0; b < p; b++) {
                    row[b] += la * rj[b];
                }
            }
        }
    }

    private double[][] finishMean(double[][] f) {
        double inv = 1.0 / batch;
        for (double[] row : f) {
            for (int q = 0; q < row.length; q++) {
                row[q] *= inv;
            }
        }
        return f;
    }
}
