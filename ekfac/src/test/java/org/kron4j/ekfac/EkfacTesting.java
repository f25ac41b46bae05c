package org.kron4j.ekfac;

import static org.kron4j.testkit.oracle.DenseMatrices.toDoubleArray;

import java.util.Arrays;
import java.util.Random;
import org.kron4j.api.CurvatureApproximation;
import org.kron4j.api.model.Loss;
import org.kron4j.api.model.ModelSpec;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.optim.OptimizerSettings;
import org.kron4j.api.store.Precision;
import org.kron4j.reference.exact.RandomTargets;
import org.kron4j.testkit.oracle.DenseMatrices;

/**
 * Plain-Java helpers shared by the EKFAC tests: random data, the dense oracles (eigenbases, the
 * scalings formula written entry by entry, dense directions) and float64 optimizers that apply
 * the raw direction (learning rate 1, no momentum, no KL clip).
 */
final class EkfacTesting {
    private EkfacTesting() {
    }

    static double[][] gaussian(Random random, int rows, int cols) {
        double[][] x = new double[rows][cols];
        for (double[] row : x) {
            for (int j = 0; j < cols; j++) {
                row[j] = random.nextGaussian();
            }
        }
        return x;
    }

    /** Rows [a, 1] (or a itself without a bias). */
    static double[][] withOnes(double[][] a, boolean bias) {
        if (!bias) {
            return a;
        }
        double[][] out = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            out[i] = Arrays.copyOf(a[i], a[i].length + 1);
            out[i][a[i].length] = 1;
        }
        return out;
    }

    /** Targets for a loss (see {@link RandomTargets}). */
    static double[][] targets(Random random, Loss loss, int rows, int k) {
        return RandomTargets.of(random, loss, rows, k);
    }

    /** A float64 optimizer whose updates are the negated raw directions. */
    static KroneckerOptimizer.Builder float64(CurvatureApproximation variant, ModelSpec model) {
        return KroneckerOptimizer.builder(variant).adaptive(false).model(model)
                .set(OptimizerSettings.STORAGE_PRECISION, Precision.DOUBLE)
                .set(OptimizerSettings.KL_CLIP, 0.0)
                .learningRate(1.0).momentum(0.0);
    }

    static EkfacBlock block(KroneckerOptimizer optimizer, int layer) {
        return (EkfacBlock) optimizer.estimator().blocks().get(layer);
    }

    static double[][] inputVectors(EkfacBlock block) {
        return toDoubleArray(block.factors().input().eigenvectors().orElseThrow());
    }

    static double[][] outputVectors(EkfacBlock block) {
        return toDoubleArray(block.factors().output().eigenvectors().orElseThrow());
    }

    /**
     * The batch's scalings written out entry by entry: S[p][q] = (1/B) Σ_r (u_pᵀ g_r)² (v_qᵀ ā_{r mod B})²
     * for the columns u_p of Q_G and v_q of Q_A.
     */
    static double[][] batchScalings(double[][] inputs, double[][] outputGradients, double[][] inputVectors,
            double[][] outputVectors) {
        int batch = inputs.length;
        int m = outputVectors.length;
        int n = inputVectors.length;
        double[][] s = new double[m][n];
        for (int r = 0; r < outputGradients.length; r++) {
            double[] a = inputs[r % batch];
            for (int p = 0; p < m; p++) {
                double u = 0;
                for (int i = 0; i < m; i++) {
                    u += outputVectors[i][p] * outputGradients[r][i];
                }
                for (int q = 0; q < n; q++) {
                    double v = 0;
                    for (int i = 0; i < n; i++) {
                        v += inputVectors[i][q] * a[i];
                    }
                    s[p][q] += u * u * v * v / batch;
                }
            }
        }
        return s;
    }

    /** (1/B) Σ_r x_r x_rᵀ over rows, B the number of examples (R may be a multiple of it). */
    static double[][] factor(double[][] rows, int batch) {
        return DenseMatrices.scale(DenseMatrices.transposeMultiply(rows, rows), 1.0 / batch);
    }

    /** Q = Q_A ⊗ Q_G, the Kronecker eigenbasis over column-major vec. */
    static double[][] basis(double[][] inputVectors, double[][] outputVectors) {
        return DenseMatrices.kron(inputVectors, outputVectors);
    }

    /** Q diag(d) Qᵀ. */
    static double[][] conjugate(double[][] basis, double[] diagonal) {
        return DenseMatrices.multiply(DenseMatrices.multiply(basis, DenseMatrices.diagonal(diagonal)),
                DenseMatrices.transpose(basis));
    }

    /** diag(Qᵀ F Q) as an m×(n+1) matrix (column-major unvec). */
    static double[][] diagonalInBasis(double[][] matrix, double[][] basis, int m, int columns) {
        double[][] rotated = DenseMatrices.multiply(DenseMatrices.transpose(basis), DenseMatrices.multiply(matrix, basis));
        return DenseMatrices.unvec(DenseMatrices.diagonalOf(rotated), m, columns);
    }

    /** Q diag(vec S + λ)⁻¹ Qᵀ vec(V). */
    static double[] denseDirection(double[][] basis, double[][] scalings, double damping, double[][] gradient) {
        double[] s = DenseMatrices.vec(scalings);
        double[] inverse = new double[s.length];
        for (int i = 0; i < s.length; i++) {
            inverse[i] = 1.0 / (s[i] + damping);
        }
        return DenseMatrices.multiply(conjugate(basis, inverse), DenseMatrices.vec(gradient));
    }

    /** max |x − y| / max |y|. */
    static double relativeMaxError(double[][] actual, double[][] expected) {
        return DenseMatrices.maxAbsDifference(actual, expected) / DenseMatrices.maxAbs(expected);
    }
}
