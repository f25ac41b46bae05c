package org.kron4j.shampoo;

import java.util.Random;
import org.kron4j.testkit.oracle.DenseMatrices;

/**
 * Plain-Java float64 linear algebra for oracles: nothing here calls ND4J or the code under test.
 * The symmetric eigensolver is cyclic Jacobi (Golub and Van Loan §8.5), which is backward stable
 * and accurate to a few ulps of ‖A‖ on the small matrices the tests use. Products, copies and
 * relative errors come from the test kit's {@link DenseMatrices}, plain Java as well.
 */
final class Plain {
    private Plain() {
    }

    /** Eigenvalues (unsorted) and eigenvectors (columns) of a symmetric matrix by cyclic Jacobi. */
    record Eigen(double[] values, double[][] vectors) {
    }

    static Eigen jacobi(double[][] input) {
        int n = input.length;
        double[][] a = DenseMatrices.copy(input);
        double[][] v = DenseMatrices.identity(n);
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0;
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    off += a[p][q] * a[p][q];
                }
            }
            if (off == 0 || Math.sqrt(off) < 1e-300) {
                break;
            }
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    if (a[p][q] == 0) {
                        continue;
                    }
                    double theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
                    double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) {
                        t = 1;
                    }
                    double c = 1 / Math.sqrt(t * t + 1);
                    double s = t * c;
                    for (int k = 0; k < n; k++) {
                        double akp = a[k][p];
                        double akq = a[k][q];
                        a[k][p] = c * akp - s * akq;
                        a[k][q] = s * akp + c * akq;
                    }
                    for (int k = 0; k < n; k++) {
                        double apk = a[p][k];
                        double aqk = a[q][k];
                        a[p][k] = c * apk - s * aqk;
                        a[q][k] = s * apk + c * aqk;
                    }
                    for (int k = 0; k < n; k++) {
                        double vkp = v[k][p];
                        double vkq = v[k][q];
                        v[k][p] = c * vkp - s * vkq;
                        v[k][q] = s * vkp + c * vkq;
                    }
                }
            }
        }
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            values[i] = a[i][i];
        }
        return new Eigen(values, v);
    }

    /** V diag(f(λ)) Vᵀ. */
    static double[][] spectral(double[][] vectors, double[] values, java.util.function.DoubleUnaryOperator f) {
        int n = values.length;
        double[][] result = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double sum = 0;
                for (int k = 0; k < n; k++) {
                    sum += vectors[i][k] * f.applyAsDouble(values[k]) * vectors[j][k];
                }
                result[i][j] = sum;
            }
        }
        return result;
    }

    /** (A + εI)^{-e} through Jacobi. */
    static double[][] inverseRoot(double[][] a, double epsilon, double exponent) {
        Eigen eigen = jacobi(a);
        return spectral(eigen.vectors(), eigen.values(), l -> Math.pow(Math.max(l, 0) + epsilon, -exponent));
    }

    static double largestEigenvalue(double[][] a) {
        double max = Double.NEGATIVE_INFINITY;
        for (double l : jacobi(a).values()) {
            max = Math.max(max, l);
        }
        return max;
    }

    /** A ← a·A + b·B, in place. */
    static void combine(double[][] target, double a, double[][] other, double b) {
        for (int i = 0; i < target.length; i++) {
            for (int j = 0; j < target[i].length; j++) {
                target[i][j] = a * target[i][j] + b * other[i][j];
            }
        }
    }

    /** A random orthogonal matrix: modified Gram-Schmidt (twice, for orthogonality to rounding) on Gaussian columns. */
    static double[][] randomOrthogonal(int n, long seed) {
        Random random = new Random(seed);
        double[][] q = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                q[i][j] = random.nextGaussian();
            }
        }
        for (int pass = 0; pass < 2; pass++) {
            for (int j = 0; j < n; j++) {
                for (int k = 0; k < j; k++) {
                    double dot = 0;
                    for (int i = 0; i < n; i++) {
                        dot += q[i][k] * q[i][j];
                    }
                    for (int i = 0; i < n; i++) {
                        q[i][j] -= dot * q[i][k];
                    }
                }
                double norm = 0;
                for (int i = 0; i < n; i++) {
                    norm += q[i][j] * q[i][j];
                }
                norm = Math.sqrt(norm);
                for (int i = 0; i < n; i++) {
                    q[i][j] /= norm;
                }
            }
        }
        return q;
    }

    /** A Gaussian "gradient" of the given length. */
    static double[] gradient(int length, Random random) {
        return gaussian(length, random);
    }

    /** Gaussian array of the given length. */
    static double[] gaussian(int length, Random random) {
        double[] x = new double[length];
        for (int i = 0; i < length; i++) {
            x[i] = random.nextGaussian();
        }
        return x;
    }
}
