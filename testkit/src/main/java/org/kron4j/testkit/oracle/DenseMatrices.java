package org.kron4j.testkit.oracle;

import java.util.Arrays;
import org.kron4j.reference.exact.DoubleMatrices;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Plain-Java {@code double} matrix helpers for oracles: small, obviously correct, and sharing no
 * code with ND4J, so that they can judge ND4J results. Matrices are {@code double[rows][cols]}
 * (row arrays); vectors are {@code double[]}. Every method returns a new array and leaves its
 * arguments untouched.
 *
 * <p>Conventions follow kron4j's: {@link #vec} stacks columns (column-major), so entry
 * {@code W[r][c]} of an m×n matrix lands at index {@code r + m·c}, and
 * {@code vec(G V A) = (Aᵀ ⊗ G) vec(V)} with {@link #kron} the standard Kronecker product.
 *
 * <p>The elementary operations, the relative errors and the ND4J conversions are those of the
 * reference module's {@link DoubleMatrices} (what {@code ExactCurvature} is built from), offered
 * here under the same names; this class adds the solvers, decompositions and comparisons only
 * tests need.
 *
 * <p>Everything is O(n³) or worse and meant for matrices up to a few hundred rows.
 */
public final class DenseMatrices {
    private DenseMatrices() {
    }

    /** A symmetric eigendecomposition: ascending eigenvalues and the matching unit eigenvectors as columns. */
    public record SymmetricEigen(double[] values, double[][] vectors) {
        /** The eigenvector belonging to {@code values()[index]}. */
        public double[] vector(int index) {
            double[] v = new double[vectors.length];
            for (int r = 0; r < v.length; r++) {
                v[r] = vectors[r][index];
            }
            return v;
        }
    }

    // ---------------------------------------------------------------- construction

    /** The n×n identity. */
    public static double[][] identity(int n) {
        return DoubleMatrices.identity(n);
    }

    /** A rows×cols matrix of zeros. */
    public static double[][] zeros(int rows, int cols) {
        return new double[rows][cols];
    }

    /** A deep copy. */
    public static double[][] copy(double[][] a) {
        return DoubleMatrices.copy(a);
    }

    /** The diagonal matrix with the given diagonal. */
    public static double[][] diagonal(double[] d) {
        double[][] out = new double[d.length][d.length];
        for (int i = 0; i < d.length; i++) {
            out[i][i] = d[i];
        }
        return out;
    }

    /** The diagonal of a square matrix. */
    public static double[] diagonalOf(double[][] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i][i];
        }
        return d;
    }

    /** u vᵀ. */
    public static double[][] outer(double[] u, double[] v) {
        return DoubleMatrices.outer(u, v);
    }

    // ---------------------------------------------------------------- arithmetic

    /** Aᵀ. */
    public static double[][] transpose(double[][] a) {
        return DoubleMatrices.transpose(a);
    }

    /** A B. */
    public static double[][] multiply(double[][] a, double[][] b) {
        return DoubleMatrices.multiply(a, b);
    }

    /** A x. */
    public static double[] multiply(double[][] a, double[] x) {
        return DoubleMatrices.multiply(a, x);
    }

    /** Aᵀ B without forming Aᵀ. */
    public static double[][] transposeMultiply(double[][] a, double[][] b) {
        return multiply(transpose(a), b);
    }

    /** A + B. */
    public static double[][] add(double[][] a, double[][] b) {
        return DoubleMatrices.add(a, b);
    }

    /** A − B. */
    public static double[][] subtract(double[][] a, double[][] b) {
        return add(a, scale(b, -1.0));
    }

    /** c A. */
    public static double[][] scale(double[][] a, double c) {
        return DoubleMatrices.scale(a, c);
    }

    /** A ∘ B (element-wise). */
    public static double[][] hadamard(double[][] a, double[][] b) {
        return DoubleMatrices.hadamard(a, b);
    }

    /** A + c I for a square A. */
    public static double[][] addToDiagonal(double[][] a, double c) {
        double[][] out = copy(a);
        for (int i = 0; i < out.length; i++) {
            out[i][i] += c;
        }
        return out;
    }

    /** (A + Aᵀ)/2. */
    public static double[][] symmetrize(double[][] a) {
        return scale(add(a, transpose(a)), 0.5);
    }

    /** The trace of a square matrix. */
    public static double trace(double[][] a) {
        double sum = 0.0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i][i];
        }
        return sum;
    }

    /** x · y. */
    public static double dot(double[] x, double[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("lengths differ: " + x.length + " vs " + y.length);
        }
        double sum = 0.0;
        for (int i = 0; i < x.length; i++) {
            sum += x[i] * y[i];
        }
        return sum;
    }

    /**
     * A ⊗ B: for A p×q and B r×s the pr×qs matrix whose block (i, j) is A[i][j]·B, i.e.
     * {@code (A⊗B)[i·r + k][j·s + l] = A[i][j]·B[k][l]}.
     */
    public static double[][] kron(double[][] a, double[][] b) {
        return DoubleMatrices.kron(a, b);
    }

    /** vec(A), column-major: entry A[r][c] of an m×n matrix goes to index r + m·c. */
    public static double[] vec(double[][] a) {
        return DoubleMatrices.vec(a);
    }

    /** The inverse of {@link #vec}: an m×n matrix from a column-major vector of length m·n. */
    public static double[][] unvec(double[] v, int rows, int cols) {
        return DoubleMatrices.unvec(v, rows, cols);
    }

    /** The sub-matrix of {@code rows}×{@code cols} entries starting at (row0, col0). */
    public static double[][] block(double[][] a, int row0, int col0, int rows, int cols) {
        return DoubleMatrices.block(a, row0, col0, rows, cols);
    }

    // ---------------------------------------------------------------- solvers

    /**
     * The inverse of a square matrix by Gauss-Jordan elimination with partial pivoting.
     *
     * @throws ArithmeticException when a pivot is exactly zero (the matrix is singular)
     */
    public static double[][] inverse(double[][] a) {
        int n = a.length;
        double[][] work = copy(a);
        double[][] inv = identity(n);
        for (int col = 0; col < n; col++) {
            int pivot = col;
            for (int r = col + 1; r < n; r++) {
                if (Math.abs(work[r][col]) > Math.abs(work[pivot][col])) {
                    pivot = r;
                }
            }
            if (work[pivot][col] == 0.0) {
                throw new ArithmeticException("singular matrix: no pivot in column " + col);
            }
            swap(work, col, pivot);
            swap(inv, col, pivot);
            double scale = 1.0 / work[col][col];
            for (int j = 0; j < n; j++) {
                work[col][j] *= scale;
                inv[col][j] *= scale;
            }
            for (int r = 0; r < n; r++) {
                if (r == col) {
                    continue;
                }
                double factor = work[r][col];
                if (factor == 0.0) {
                    continue;
                }
                for (int j = 0; j < n; j++) {
                    work[r][j] -= factor * work[col][j];
                    inv[r][j] -= factor * inv[col][j];
                }
            }
        }
        return inv;
    }

    /**
     * The lower Cholesky factor L with A = L Lᵀ of a symmetric positive definite matrix (only the
     * lower triangle of A is read).
     *
     * @throws ArithmeticException when A is not numerically positive definite
     */
    public static double[][] cholesky(double[][] a) {
        int n = a.length;
        double[][] l = new double[n][n];
        for (int j = 0; j < n; j++) {
            double d = a[j][j];
            for (int k = 0; k < j; k++) {
                d -= l[j][k] * l[j][k];
            }
            if (!(d > 0.0)) {
                throw new ArithmeticException("not positive definite: pivot " + j + " is " + d);
            }
            l[j][j] = Math.sqrt(d);
            for (int i = j + 1; i < n; i++) {
                double s = a[i][j];
                for (int k = 0; k < j; k++) {
                    s -= l[i][k] * l[j][k];
                }
                l[i][j] = s / l[j][j];
            }
        }
        return l;
    }

    /** The inverse of a symmetric positive definite matrix through its Cholesky factor; exactly symmetric. */
    public static double[][] inverseSpd(double[][] a) {
        int n = a.length;
        double[][] l = cholesky(a);
        // L^{-1} by forward substitution, then A^{-1} = L^{-T} L^{-1}
        double[][] lInv = new double[n][n];
        for (int col = 0; col < n; col++) {
            for (int i = col; i < n; i++) {
                double s = i == col ? 1.0 : 0.0;
                for (int k = col; k < i; k++) {
                    s -= l[i][k] * lInv[k][col];
                }
                lInv[i][col] = s / l[i][i];
            }
        }
        double[][] inv = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double s = 0.0;
                for (int k = i; k < n; k++) {
                    s += lInv[k][i] * lInv[k][j];
                }
                inv[i][j] = s;
                inv[j][i] = s;
            }
        }
        return inv;
    }

    /** x = A⁻¹ b for a square A, by Gauss-Jordan ({@link #inverse}); fine for oracle sizes. */
    public static double[] solve(double[][] a, double[] b) {
        return multiply(inverse(a), b);
    }

    /**
     * The eigendecomposition of a symmetric matrix by the cyclic Jacobi method (slow, very
     * accurate): eigenvalues ascending, eigenvectors as the columns of {@code vectors}. The
     * input is symmetrized first.
     */
    public static SymmetricEigen symmetricEigen(double[][] a) {
        int n = a.length;
        double[][] s = symmetrize(a);
        double[][] v = identity(n);
        double scale = Math.max(frobeniusNorm(s), Double.MIN_NORMAL);
        for (int sweep = 0; sweep < 100; sweep++) {
            double off = 0.0;
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    off += s[p][q] * s[p][q];
                }
            }
            if (Math.sqrt(off) <= 1e-15 * scale) {
                break;
            }
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    if (s[p][q] == 0.0) {
                        continue;
                    }
                    double theta = (s[q][q] - s[p][p]) / (2.0 * s[p][q]);
                    double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1.0));
                    if (theta == 0.0) {
                        t = 1.0;
                    }
                    double c = 1.0 / Math.sqrt(t * t + 1.0);
                    double sn = t * c;
                    for (int k = 0; k < n; k++) {
                        double skp = s[k][p];
                        double skq = s[k][q];
                        s[k][p] = c * skp - sn * skq;
                        s[k][q] = sn * skp + c * skq;
                    }
                    for (int k = 0; k < n; k++) {
                        double spk = s[p][k];
                        double sqk = s[q][k];
                        s[p][k] = c * spk - sn * sqk;
                        s[q][k] = sn * spk + c * sqk;
                    }
                    for (int k = 0; k < n; k++) {
                        double vkp = v[k][p];
                        double vkq = v[k][q];
                        v[k][p] = c * vkp - sn * vkq;
                        v[k][q] = sn * vkp + c * vkq;
                    }
                }
            }
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        final double[][] diag = s;
        Arrays.sort(order, (x, y) -> Double.compare(diag[x][x], diag[y][y]));
        double[] values = new double[n];
        double[][] vectors = new double[n][n];
        for (int j = 0; j < n; j++) {
            values[j] = s[order[j]][order[j]];
            for (int r = 0; r < n; r++) {
                vectors[r][j] = v[r][order[j]];
            }
        }
        return new SymmetricEigen(values, vectors);
    }

    // ---------------------------------------------------------------- norms and comparisons

    /** ‖A‖_F. */
    public static double frobeniusNorm(double[][] a) {
        double sum = 0.0;
        for (double[] row : a) {
            for (double x : row) {
                sum += x * x;
            }
        }
        return Math.sqrt(sum);
    }

    /** ‖x‖₂. */
    public static double norm(double[] x) {
        return Math.sqrt(dot(x, x));
    }

    /** max |A − B| over all entries. */
    public static double maxAbsDifference(double[][] a, double[][] b) {
        requireSameShape(a, b);
        double max = 0.0;
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) {
                max = Math.max(max, Math.abs(a[i][j] - b[i][j]));
            }
        }
        return max;
    }

    /** max |x − y| over all entries. */
    public static double maxAbsDifference(double[] x, double[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("lengths differ: " + x.length + " vs " + y.length);
        }
        double max = 0.0;
        for (int i = 0; i < x.length; i++) {
            max = Math.max(max, Math.abs(x[i] - y[i]));
        }
        return max;
    }

    /** ‖actual − expected‖₂ / ‖expected‖₂, the relative error of a vector against its reference. */
    public static double relativeError(double[] actual, double[] expected) {
        return DoubleMatrices.relativeError(actual, expected);
    }

    /** ‖actual − expected‖_F / ‖expected‖_F, the relative error of a matrix against its reference. */
    public static double relativeError(double[][] actual, double[][] expected) {
        return DoubleMatrices.relativeError(actual, expected);
    }

    /** max |A| over all entries. */
    public static double maxAbs(double[][] a) {
        double max = 0.0;
        for (double[] row : a) {
            for (double x : row) {
                max = Math.max(max, Math.abs(x));
            }
        }
        return max;
    }

    /** True when |A[i][j] − A[j][i]| ≤ tolerance for all i, j. */
    public static boolean isSymmetric(double[][] a, double tolerance) {
        for (int i = 0; i < a.length; i++) {
            if (a[i].length != a.length) {
                return false;
            }
            for (int j = 0; j < i; j++) {
                if (Math.abs(a[i][j] - a[j][i]) > tolerance) {
                    return false;
                }
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- ND4J conversions

    /** The values of a matrix (or a vector, as one row) as {@code double[rows][cols]}, in any data type. */
    public static double[][] toDoubleArray(INDArray array) {
        return DoubleMatrices.toDoubleArray(array);
    }

    /** A c-ordered ND4J matrix of the given type holding these values. */
    public static INDArray toINDArray(double[][] a, DataType type) {
        return DoubleMatrices.toINDArray(a, type);
    }

    /** An m×n ND4J matrix whose column-major vec is {@code v}. */
    public static INDArray unvecToINDArray(double[] v, int rows, int cols, DataType type) {
        return toINDArray(unvec(v, rows, cols), type);
    }

    private static void swap(double[][] a, int i, int j) {
        if (i != j) {
            double[] t = a[i];
            a[i] = a[j];
            a[j] = t;
        }
    }

    private static void requireSameShape(double[][] a, double[][] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException("row counts differ: " + a.length + " vs " + b.length);
        }
        for (int i = 0; i < a.length; i++) {
            if (a[i].length != b[i].length) {
                throw new IllegalArgumentException("row " + i + " lengths differ: " + a[i].length + " vs " + b[i].length);
            }
        }
    }
}
