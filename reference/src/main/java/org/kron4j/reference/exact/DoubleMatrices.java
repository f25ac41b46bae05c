package org.kron4j.reference.exact;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Plain-Java {@code double} matrix helpers that {@link TinyMlp} and {@link ExactCurvature} are
 * built from, and the conversions and relative error {@code kron4j verify} needs: small, obviously
 * correct, and sharing no code with ND4J, so that they can judge ND4J results. Matrices are
 * {@code double[rows][cols]} (row arrays); vectors are {@code double[]}. Every method returns a
 * new array and leaves its arguments untouched.
 *
 * <p>Conventions follow kron4j's: {@link #vec} stacks columns (column-major), so entry
 * {@code W[r][c]} of an m×n matrix lands at index {@code r + m·c}, and
 * {@code vec(G V A) = (Aᵀ ⊗ G) vec(V)} with {@link #kron} the standard Kronecker product.
 *
 * <p>The test kit's {@code DenseMatrices} offers these under the same names next to the solvers,
 * decompositions and comparisons that only tests need.
 */
public final class DoubleMatrices {
    private DoubleMatrices() {
    }

    /** The n×n identity. */
    public static double[][] identity(int n) {
        double[][] eye = new double[n][n];
        for (int i = 0; i < n; i++) {
            eye[i][i] = 1.0;
        }
        return eye;
    }

    /** A deep copy. */
    public static double[][] copy(double[][] a) {
        double[][] out = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i].clone();
        }
        return out;
    }

    /** u vᵀ. */
    public static double[][] outer(double[] u, double[] v) {
        double[][] out = new double[u.length][v.length];
        for (int i = 0; i < u.length; i++) {
            for (int j = 0; j < v.length; j++) {
                out[i][j] = u[i] * v[j];
            }
        }
        return out;
    }

    /** Aᵀ. */
    public static double[][] transpose(double[][] a) {
        int rows = a.length;
        int cols = rows == 0 ? 0 : a[0].length;
        double[][] out = new double[cols][rows];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                out[j][i] = a[i][j];
            }
        }
        return out;
    }

    /** A B. */
    public static double[][] multiply(double[][] a, double[][] b) {
        int n = a.length;
        int inner = b.length;
        int p = inner == 0 ? 0 : b[0].length;
        if (n > 0 && a[0].length != inner) {
            throw new IllegalArgumentException("cannot multiply " + n + "×" + a[0].length + " by " + inner + "×" + p);
        }
        double[][] out = new double[n][p];
        for (int i = 0; i < n; i++) {
            double[] row = out[i];
            for (int k = 0; k < inner; k++) {
                double aik = a[i][k];
                if (aik == 0.0) {
                    continue;
                }
                double[] bk = b[k];
                for (int j = 0; j < p; j++) {
                    row[j] += aik * bk[j];
                }
            }
        }
        return out;
    }

    /** A x. */
    public static double[] multiply(double[][] a, double[] x) {
        double[] out = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            if (a[i].length != x.length) {
                throw new IllegalArgumentException("cannot multiply a row of " + a[i].length + " by " + x.length);
            }
            double sum = 0.0;
            for (int j = 0; j < x.length; j++) {
                sum += a[i][j] * x[j];
            }
            out[i] = sum;
        }
        return out;
    }

    /** A + B. */
    public static double[][] add(double[][] a, double[][] b) {
        requireSameShape(a, b);
        double[][] out = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            out[i] = new double[a[i].length];
            for (int j = 0; j < a[i].length; j++) {
                out[i][j] = a[i][j] + b[i][j];
            }
        }
        return out;
    }

    /** c A. */
    public static double[][] scale(double[][] a, double c) {
        double[][] out = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            out[i] = new double[a[i].length];
            for (int j = 0; j < a[i].length; j++) {
                out[i][j] = c * a[i][j];
            }
        }
        return out;
    }

    /** A ∘ B (element-wise). */
    public static double[][] hadamard(double[][] a, double[][] b) {
        requireSameShape(a, b);
        double[][] out = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            out[i] = new double[a[i].length];
            for (int j = 0; j < a[i].length; j++) {
                out[i][j] = a[i][j] * b[i][j];
            }
        }
        return out;
    }

    /**
     * A ⊗ B: for A p×q and B r×s the pr×qs matrix whose block (i, j) is A[i][j]·B, i.e.
     * {@code (A⊗B)[i·r + k][j·s + l] = A[i][j]·B[k][l]}.
     */
    public static double[][] kron(double[][] a, double[][] b) {
        int p = a.length;
        int q = p == 0 ? 0 : a[0].length;
        int r = b.length;
        int s = r == 0 ? 0 : b[0].length;
        double[][] out = new double[p * r][q * s];
        for (int i = 0; i < p; i++) {
            for (int j = 0; j < q; j++) {
                double aij = a[i][j];
                for (int k = 0; k < r; k++) {
                    for (int l = 0; l < s; l++) {
                        out[i * r + k][j * s + l] = aij * b[k][l];
                    }
                }
            }
        }
        return out;
    }

    /** vec(A), column-major: entry A[r][c] of an m×n matrix goes to index r + m·c. */
    public static double[] vec(double[][] a) {
        int m = a.length;
        int n = m == 0 ? 0 : a[0].length;
        double[] out = new double[m * n];
        for (int c = 0; c < n; c++) {
            for (int r = 0; r < m; r++) {
                out[r + m * c] = a[r][c];
            }
        }
        return out;
    }

    /** The inverse of {@link #vec}: an m×n matrix from a column-major vector of length m·n. */
    public static double[][] unvec(double[] v, int rows, int cols) {
        if (v.length != rows * cols) {
            throw new IllegalArgumentException("length " + v.length + " is not " + rows + "×" + cols);
        }
        double[][] out = new double[rows][cols];
        for (int c = 0; c < cols; c++) {
            for (int r = 0; r < rows; r++) {
                out[r][c] = v[r + rows * c];
            }
        }
        return out;
    }

    /** The sub-matrix of {@code rows}×{@code cols} entries starting at (row0, col0). */
    public static double[][] block(double[][] a, int row0, int col0, int rows, int cols) {
        double[][] out = new double[rows][cols];
        for (int i = 0; i < rows; i++) {
            System.arraycopy(a[row0 + i], col0, out[i], 0, cols);
        }
        return out;
    }

    /** ‖actual − expected‖₂ / ‖expected‖₂, the relative error of a vector against its reference. */
    public static double relativeError(double[] actual, double[] expected) {
        if (actual.length != expected.length) {
            throw new IllegalArgumentException("lengths differ: " + actual.length + " vs " + expected.length);
        }
        double diff = 0.0;
        double norm = 0.0;
        for (int i = 0; i < expected.length; i++) {
            double d = actual[i] - expected[i];
            diff += d * d;
            norm += expected[i] * expected[i];
        }
        return Math.sqrt(diff / norm);
    }

    /** ‖actual − expected‖_F / ‖expected‖_F, the relative error of a matrix against its reference. */
    public static double relativeError(double[][] actual, double[][] expected) {
        requireSameShape(actual, expected);
        double diff = 0.0;
        double norm = 0.0;
        for (int i = 0; i < expected.length; i++) {
            for (int j = 0; j < expected[i].length; j++) {
                double d = actual[i][j] - expected[i][j];
                diff += d * d;
                norm += expected[i][j] * expected[i][j];
            }
        }
        return Math.sqrt(diff / norm);
    }

    /** The values of a matrix (or a vector, as one row) as {@code double[rows][cols]}, in any data type. */
    public static double[][] toDoubleArray(INDArray array) {
        INDArray asDouble = array.dataType() == DataType.DOUBLE ? array : array.castTo(DataType.DOUBLE);
        if (asDouble.rank() == 1) {
            return new double[][] {asDouble.toDoubleVector()};
        }
        if (asDouble.rank() != 2) {
            throw new IllegalArgumentException("expected a matrix, got rank " + asDouble.rank());
        }
        // one bulk copy to the host (toDoubleMatrix() fetches row by row, slow for tall matrices)
        int rows = asDouble.rows();
        int cols = asDouble.columns();
        double[] flat = asDouble.dup('c').data().asDouble();
        double[][] out = new double[rows][cols];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(flat, r * cols, out[r], 0, cols);
        }
        return out;
    }

    /** A c-ordered ND4J matrix of the given type holding these values. */
    public static INDArray toINDArray(double[][] a, DataType type) {
        return Nd4j.create(a).castTo(type);
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
