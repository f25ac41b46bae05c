package org.kron4j.api.linalg;

import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Plain-Java matrices with known spectra and plain-Java (float64) arithmetic to check results:
 * nothing here calls the code under test, ND4J's linear algebra or BLAS.
 *
 * <p><b>Tolerances</b> (used by every test of this package). The symmetric eigensolvers and
 * the Cholesky inverse are backward stable (LAPACK Users' Guide, "Accuracy and Stability";
 * Higham, <i>Accuracy and Stability of Numerical Algorithms</i>): the computed eigenpairs
 * satisfy {@code ‖A·Q̂ − Q̂·Ŵ‖₂ ≤ p(n)·ε·‖A‖₂} and {@code ‖Q̂ᵀQ̂ − I‖₂ ≤ p(n)·ε}, the computed
 * inverse {@code ‖A·X̂ − I‖₂ ≤ p(n)·ε·κ(A)}, with ε the machine epsilon of the working type and
 * p(n) a modest polynomial. We take p(n) = {@value #C}·n (LAPACK's own test drivers compare
 * ratios such as ‖A·Q − Q·Λ‖/(n·ε·‖A‖) against thresholds of 20–30; the measured ratios here
 * are below 0.1), measure in the Frobenius norm (at most √n times the 2-norm, so tolerances on
 * Frobenius norms of n-column quantities carry a √n) and use ‖A‖_F ≥ ‖A‖₂. Rounding the
 * float64 oracle matrix to float32 perturbs it by at most ε/2·‖A‖_F, which these bounds
 * absorb. Eigenvalues then obey Weyl's bound {@code |ŵ_k − λ_k| ≤ C·n·ε·‖A‖_F} (absolute, not
 * relative: eigenvalues below ε·‖A‖ are not resolved, which is why the ill-conditioned
 * spectrum is checked absolutely), and an eigenvector whose eigenvalue is separated from the
 * others by a gap g is determined to within (backward error)/g (the Davis–Kahan sin θ
 * theorem).
 */
final class LinalgOracles {

    /** The constant of p(n) = C·n (see the class comment). */
    static final double C = 8;

    private LinalgOracles() {}

    static double eps(DataType dt) {
        return dt == DataType.DOUBLE ? Math.ulp(1.0) : Math.ulp(1.0f);
    }

    static INDArray nd(double[][] a, DataType dt) {
        return Nd4j.createFromArray(a).castTo(dt);
    }

    /** The entries of a matrix as float64 (exact for float32 input). */
    static double[][] java(INDArray a) {
        return a.castTo(DataType.DOUBLE).toDoubleMatrix();
    }

    static double[] javaVector(INDArray a) {
        return a.castTo(DataType.DOUBLE).toDoubleVector();
    }

    static double[][] diagonal(double... d) {
        double[][] a = new double[d.length][d.length];
        for (int i = 0; i < d.length; i++) {
            a[i][i] = d[i];
        }
        return a;
    }

    /** The n×n tridiagonal matrix with 2 on the diagonal and −1 beside it. */
    static double[][] tridiagonal(int n) {
        double[][] a = new double[n][n];
        for (int i = 0; i < n; i++) {
            a[i][i] = 2;
            if (i + 1 < n) {
                a[i][i + 1] = -1;
                a[i + 1][i] = -1;
            }
        }
        return a;
    }

    /** Its eigenvalues 2 − 2cos(kπ/(n+1)), k = 1…n, ascending. */
    static double[] tridiagonalEigenvalues(int n) {
        double[] w = new double[n];
        for (int k = 1; k <= n; k++) {
            w[k - 1] = 2 - 2 * Math.cos(k * Math.PI / (n + 1));
        }
        return w;
    }

    /** Its unit eigenvector for eigenvalue k (1-based): √(2/(n+1))·sin(jkπ/(n+1)), j = 1…n. */
    static double[] tridiagonalEigenvector(int n, int k) {
        double[] v = new double[n];
        for (int j = 1; j <= n; j++) {
            v[j - 1] = Math.sqrt(2.0 / (n + 1)) * Math.sin(j * k * Math.PI / (n + 1));
        }
        return v;
    }

    /** A random orthogonal matrix: modified Gram–Schmidt, applied twice, on a Gaussian matrix. */
    static double[][] randomOrthogonal(int n, Random random) {
        double[][] cols = new double[n][n];
        for (double[] col : cols) {
            for (int i = 0; i < n; i++) {
                col[i] = random.nextGaussian();
            }
        }
        for (int pass = 0; pass < 2; pass++) {
            for (int k = 0; k < n; k++) {
                for (int j = 0; j < k; j++) {
                    double dot = dot(cols[j], cols[k]);
                    for (int i = 0; i < n; i++) {
                        cols[k][i] -= dot * cols[j][i];
                    }
                }
                double norm = Math.sqrt(dot(cols[k], cols[k]));
                for (int i = 0; i < n; i++) {
                    cols[k][i] /= norm;
                }
            }
        }
        return transpose(cols); // column k of the result is cols[k]
    }

    /** Q·diag(λ)·Qᵀ, exactly symmetric. */
    static double[][] withSpectrum(double[][] q, double[] lambda) {
        int n = lambda.length;
        double[][] a = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                double s = 0;
                for (int k = 0; k < n; k++) {
                    s += q[i][k] * lambda[k] * q[j][k];
                }
                a[i][j] = s;
                a[j][i] = s;
            }
        }
        return a;
    }

    /** n values from {@code from} to {@code to}, evenly spaced in log scale, ascending. */
    static double[] logSpaced(int n, double from, double to) {
        double[] w = new double[n];
        for (int k = 0; k < n; k++) {
            double t = n == 1 ? 0 : (double) k / (n - 1);
            w[k] = from * Math.pow(to / from, t);
        }
        return w;
    }

    /** X·Xᵀ/n + I for a Gaussian n×n X: symmetric positive definite, smallest eigenvalue ≥ 1. */
    static double[][] randomSpd(int n, long seed) {
        Random random = new Random(seed);
        double[][] x = new double[n][n];
        for (double[] row : x) {
            for (int j = 0; j < n; j++) {
                row[j] = random.nextGaussian();
            }
        }
        double[][] a = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = i; j < n; j++) {
                double s = dot(x[i], x[j]) / n + (i == j ? 1 : 0);
                a[i][j] = s;
                a[j][i] = s;
            }
        }
        return a;
    }

    static double[][] multiply(double[][] a, double[][] b) {
        int n = a.length;
        int m = b[0].length;
        int inner = b.length;
        double[][] c = new double[n][m];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < inner; k++) {
                double aik = a[i][k];
                if (aik == 0) {
                    continue;
                }
                for (int j = 0; j < m; j++) {
                    c[i][j] += aik * b[k][j];
                }
            }
        }
        return c;
    }

    static double[][] transpose(double[][] a) {
        double[][] t = new double[a[0].length][a.length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[0].length; j++) {
                t[j][i] = a[i][j];
            }
        }
        return t;
    }

    static double dot(double[] x, double[] y) {
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s += x[i] * y[i];
        }
        return s;
    }

    static double frobenius(double[][] a) {
        double s = 0;
        for (double[] row : a) {
            for (double v : row) {
                s += v * v;
            }
        }
        return Math.sqrt(s);
    }

    /** ‖A·Q − Q·diag(w)‖_F. */
    static double eigenResidual(double[][] a, double[][] q, double[] w) {
        double[][] aq = multiply(a, q);
        for (int i = 0; i < aq.length; i++) {
            for (int k = 0; k < w.length; k++) {
                aq[i][k] -= q[i][k] * w[k];
            }
        }
        return frobenius(aq);
    }

    /** ‖A·q_k − w_k·q_k‖₂ for every column k. */
    static double[] columnResiduals(double[][] a, double[][] q, double[] w) {
        double[][] aq = multiply(a, q);
        double[] r = new double[w.length];
        for (int k = 0; k < w.length; k++) {
            double s = 0;
            for (int i = 0; i < aq.length; i++) {
                double d = aq[i][k] - q[i][k] * w[k];
                s += d * d;
            }
            r[k] = Math.sqrt(s);
        }
        return r;
    }

    /** ‖Qᵀ·Q − I‖_F. */
    static double orthogonalityError(double[][] q) {
        double[][] g = multiply(transpose(q), q);
        for (int i = 0; i < g.length; i++) {
            g[i][i] -= 1;
        }
        return frobenius(g);
    }

    /** ‖A·X − I‖_F. */
    static double inverseResidual(double[][] a, double[][] x) {
        double[][] p = multiply(a, x);
        for (int i = 0; i < p.length; i++) {
            p[i][i] -= 1;
        }
        return frobenius(p);
    }

    static double[] column(double[][] q, int k) {
        double[] c = new double[q.length];
        for (int i = 0; i < q.length; i++) {
            c[i] = q[i][k];
        }
        return c;
    }

    /** ‖x − s·y‖₂ with the sign s = ±1 that makes it smallest. */
    static double distanceUpToSign(double[] x, double[] y) {
        double s = dot(x, y) >= 0 ? 1 : -1;
        double d = 0;
        for (int i = 0; i < x.length; i++) {
            double e = x[i] - s * y[i];
            d += e * e;
        }
        return Math.sqrt(d);
    }
}
