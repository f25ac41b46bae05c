package org.kron4j.api.linalg;

import java.util.Arrays;
import java.util.Objects;
import java.util.SplittableRandom;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.indexing.conditions.Conditions;

/**
 * What both {@link SymmetricLinearAlgebra} implementations share: argument validation, the
 * finiteness test and the a-posteriori check of every result.
 *
 * <p>The checks cost O(n²) per call, next to the O(n³) decomposition. They come in two
 * equivalent forms: on {@link INDArray}s with backend-dispatched ND4J operations (reductions,
 * products with an n×2 probe block), for the portable path, which must run on any backend; and
 * on host buffers in plain Java ({@link Host}), for the CPU-only LAPACK path, where a dozen
 * ND4J op launches (0.1–0.4 ms each) would cost more than the check's arithmetic and, for
 * small matrices, more than the decomposition itself.
 *
 * <p><b>Why results are checked after the fact.</b> LAPACK's {@code info} code cannot detect a
 * wrong answer produced by a faulty BLAS kernel, and such kernels exist in the dependency set:
 * OpenBLAS 0.3.19 (the version ND4J 1.0.0-M2.1 ships) selects AVX-512 "SkylakeX" kernels on
 * AVX-512 machines whose double-precision {@code DTRSM}/{@code DTRMM} return wrong numbers, so
 * {@code dpotrf} reports spurious "not positive definite" and {@code dsyevd} (n ≥ ~100) returns
 * {@code info = 0} with wrong, sometimes NaN, eigenvectors (OpenBLAS issues #3505, #3534; fixed by
 * starting the JVM with {@code OPENBLAS_CORETYPE=Haswell}). Single precision is not affected. A
 * silently wrong eigenbasis would corrupt every preconditioned step, so each result is checked
 * against its defining identity on two fixed probe vectors, and a gross violation is reported
 * as a failure. The tolerances are {@value #SAFETY}·n·ε times the natural scale of the
 * identity, far above the O(√n·ε) residual of a correct backward-stable result and far below
 * the O(1) relative error of a broken one; this is a detector of wrong answers, not an
 * accuracy guarantee.
 */
final class LinalgSupport {

    /** Safety factor on n·ε in the a-posteriori checks (see the class comment). */
    static final double SAFETY = 64;

    /** Number of probe vectors used by the a-posteriori checks. */
    private static final int PROBES = 2;

    private LinalgSupport() {}

    /**
     * Checks the documented preconditions and returns n.
     *
     * @throws NullPointerException     when {@code a} is null
     * @throws IllegalArgumentException when {@code a} is not a non-empty square 2-D FLOAT or
     *                                  DOUBLE array, naming the problem
     */
    static int validate(INDArray a, String operation) {
        Objects.requireNonNull(a, () -> operation + ": the matrix must not be null");
        if (a.rank() != 2) {
            throw new IllegalArgumentException(operation + ": expected a 2-D square matrix but got an array of rank "
                    + a.rank() + " with shape " + Arrays.toString(a.shape()));
        }
        long rows = a.size(0);
        long cols = a.size(1);
        if (rows != cols) {
            throw new IllegalArgumentException(operation + ": expected a square matrix but got a non-square one of shape "
                    + Arrays.toString(a.shape()));
        }
        DataType dt = a.dataType();
        if (dt != DataType.FLOAT && dt != DataType.DOUBLE) {
            throw new IllegalArgumentException(operation + ": unsupported data type " + dt
                    + "; expected FLOAT or DOUBLE (convert the matrix first)");
        }
        if (rows == 0) {
            throw new IllegalArgumentException(operation + ": expected a non-empty matrix but got shape "
                    + Arrays.toString(a.shape()));
        }
        if (rows > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(operation + ": a " + rows + "×" + rows
                    + " matrix is too large for 32-bit LAPACK indexing");
        }
        return (int) rows;
    }

    /** "op(DOUBLE 300×300)", the prefix of every failure message. */
    static String describe(String operation, INDArray a) {
        return operation + "(" + a.dataType() + " " + a.size(0) + "×" + a.size(1) + ")";
    }

    /** True when some entry is NaN or ±∞. */
    static boolean hasNonFinite(INDArray x) {
        return BooleanIndexing.or(x, Conditions.notFinite());
    }

    /** Machine epsilon (ulp of 1) of the data type. */
    static double eps(DataType dt) {
        return dt == DataType.DOUBLE ? Math.ulp(1.0) : Math.ulp(1.0f);
    }

    /**
     * Checks {@code a = Q diag(w) Qᵀ}: finite, ascending, {@code ‖A·Q·V − Q·diag(w)·V‖_F ≤
     * c·n·ε·‖A‖_F·‖V‖_F} and {@code ‖Qᵀ·Q·V − V‖_F ≤ c·n·ε·‖V‖_F} for the probe block V.
     *
     * @return null when the result passes, otherwise why not
     */
    static String checkEigen(INDArray a, INDArray w, INDArray q) {
        if (hasNonFinite(w) || hasNonFinite(q)) {
            return "the result has NaN or infinite entries";
        }
        int n = (int) a.size(0);
        if (n > 1) {
            INDArray steps = w.get(NDArrayIndex.interval(1, n)).sub(w.get(NDArrayIndex.interval(0, n - 1)));
            if (steps.minNumber().doubleValue() < 0) {
                return "the eigenvalues are not in ascending order";
            }
        }
        INDArray v = probes(n, a.dataType());
        double normV = v.norm2Number().doubleValue();
        double unit = SAFETY * n * eps(a.dataType()) * normV;
        double normA = a.norm2Number().doubleValue();

        INDArray qv = q.mmul(v);
        INDArray scaled = v.mulColumnVector(w.reshape(n, 1));
        double residual = a.mmul(qv).subi(q.mmul(scaled)).norm2Number().doubleValue();
        if (!(residual <= unit * normA)) {
            return String.format("the result fails the a-posteriori check: ‖A·Q·V − Q·diag(w)·V‖ = %.3g exceeds %.3g"
                    + " (the BLAS/LAPACK kernels returned a wrong answer; see LinearAlgebras.platformCheck())",
                    residual, unit * normA);
        }
        double orthogonality = q.transpose().mmul(qv).subi(v).norm2Number().doubleValue();
        if (!(orthogonality <= unit)) {
            return String.format("the result fails the a-posteriori check: the eigenvectors are not orthonormal,"
                    + " ‖Qᵀ·Q·V − V‖ = %.3g exceeds %.3g (see LinearAlgebras.platformCheck())",
                    orthogonality, unit);
        }
        return null;
    }

    /**
     * Checks {@code a·x = I}: finite and {@code ‖A·X·V − V‖_F ≤ c·n·ε·‖A‖_F·‖X‖_F·‖V‖_F} (the
     * residual of a backward-stable inverse is bounded by n·ε·κ(A), and κ(A) ≤ ‖A‖_F·‖X‖_F).
     *
     * @return null when the result passes, otherwise why not
     */
    static String checkInverse(INDArray a, INDArray x) {
        if (hasNonFinite(x)) {
            return "the result has NaN or infinite entries";
        }
        int n = (int) a.size(0);
        INDArray v = probes(n, a.dataType());
        double normV = v.norm2Number().doubleValue();
        double tolerance = SAFETY * n * eps(a.dataType()) * normV
                * a.norm2Number().doubleValue() * x.norm2Number().doubleValue();
        double residual = a.mmul(x.mmul(v)).subi(v).norm2Number().doubleValue();
        if (!(residual <= tolerance)) {
            return String.format("the result fails the a-posteriori check: ‖A·X·V − V‖ = %.3g exceeds %.3g"
                    + " (the BLAS/LAPACK kernels returned a wrong answer; see LinearAlgebras.platformCheck())",
                    residual, tolerance);
        }
        return null;
    }

    /** A fixed n×{@value #PROBES} block of pseudo-random entries in [-1, 1), deterministic in n. */
    static INDArray probes(int n, DataType dt) {
        return Nd4j.createFromArray(probeBlock(n)).castTo(dt);
    }

    private static double[][] probeBlock(int n) {
        SplittableRandom random = new SplittableRandom(0x6B726F6E346AL + n);
        double[][] v = new double[n][PROBES];
        for (double[] row : v) {
            for (int j = 0; j < PROBES; j++) {
                row[j] = random.nextDouble(-1.0, 1.0);
            }
        }
        return v;
    }

    /**
     * The same checks in plain Java on dense row-major host buffers (CPU backend only), with
     * float64 accumulation.
     */
    static final class Host {

        /** Read access to the entries of a dense, 'c'-ordered, offset-0 host array. */
        @FunctionalInterface
        interface Entries {
            double get(int index);
        }

        private Host() {}

        /** The entries of a dense 'c'-ordered offset-0 FLOAT or DOUBLE array on the host. */
        static Entries of(INDArray dense) {
            if (dense.dataType() == DataType.DOUBLE) {
                java.nio.DoubleBuffer b = dense.data().asNioDouble();
                return b::get;
            }
            java.nio.FloatBuffer b = dense.data().asNioFloat();
            return b::get;
        }

        /** True when one of the first {@code length} entries is NaN or ±∞. */
        static boolean hasNonFinite(Entries x, int length) {
            for (int i = 0; i < length; i++) {
                if (!Double.isFinite(x.get(i))) {
                    return true;
                }
            }
            return false;
        }

        /** {@link LinalgSupport#checkEigen} on host buffers: a, q n×n row-major, w of length n. */
        static String checkEigen(Entries a, Entries w, Entries q, int n, DataType dt) {
            if (hasNonFinite(w, n) || hasNonFinite(q, n * n)) {
                return "the result has NaN or infinite entries";
            }
            for (int k = 1; k < n; k++) {
                if (w.get(k) < w.get(k - 1)) {
                    return "the eigenvalues are not in ascending order";
                }
            }
            double[][] v = probeBlock(n);
            double unit = SAFETY * n * eps(dt) * frobenius(v);
            double normA = Math.sqrt(sumOfSquares(a, n * n));
            double residual = 0;
            double orthogonality = 0;
            for (int p = 0; p < PROBES; p++) {
                double[] qv = new double[n];
                double[] qwv = new double[n];
                for (int i = 0; i < n; i++) {
                    double s = 0;
                    double t = 0;
                    int row = i * n;
                    for (int k = 0; k < n; k++) {
                        double qik = q.get(row + k);
                        s += qik * v[k][p];
                        t += qik * w.get(k) * v[k][p];
                    }
                    qv[i] = s;
                    qwv[i] = t;
                }
                double[] qtqv = new double[n];
                for (int i = 0; i < n; i++) {
                    double s = 0;
                    int row = i * n;
                    for (int j = 0; j < n; j++) {
                        s += a.get(row + j) * qv[j];
                        qtqv[j] += q.get(row + j) * qv[i];
                    }
                    double d = s - qwv[i];
                    residual += d * d;
                }
                for (int k = 0; k < n; k++) {
                    double d = qtqv[k] - v[k][p];
                    orthogonality += d * d;
                }
            }
            residual = Math.sqrt(residual);
            orthogonality = Math.sqrt(orthogonality);
            if (!(residual <= unit * normA)) {
                return String.format("the result fails the a-posteriori check: ‖A·Q·V − Q·diag(w)·V‖ = %.3g exceeds %.3g"
                        + " (the BLAS/LAPACK kernels returned a wrong answer; see LinearAlgebras.platformCheck())",
                        residual, unit * normA);
            }
            if (!(orthogonality <= unit)) {
                return String.format("the result fails the a-posteriori check: the eigenvectors are not orthonormal,"
                        + " ‖Qᵀ·Q·V − V‖ = %.3g exceeds %.3g (see LinearAlgebras.platformCheck())",
                        orthogonality, unit);
            }
            return null;
        }

        /** {@link LinalgSupport#checkInverse} on host buffers: a, x n×n row-major. */
        static String checkInverse(Entries a, Entries x, int n, DataType dt) {
            if (hasNonFinite(x, n * n)) {
                return "the result has NaN or infinite entries";
            }
            double[][] v = probeBlock(n);
            double tolerance = SAFETY * n * eps(dt) * frobenius(v)
                    * Math.sqrt(sumOfSquares(a, n * n)) * Math.sqrt(sumOfSquares(x, n * n));
            double residual = 0;
            for (int p = 0; p < PROBES; p++) {
                double[] xv = new double[n];
                for (int i = 0; i < n; i++) {
                    double s = 0;
                    int row = i * n;
                    for (int k = 0; k < n; k++) {
                        s += x.get(row + k) * v[k][p];
                    }
                    xv[i] = s;
                }
                for (int i = 0; i < n; i++) {
                    double s = 0;
                    int row = i * n;
                    for (int k = 0; k < n; k++) {
                        s += a.get(row + k) * xv[k];
                    }
                    double d = s - v[i][p];
                    residual += d * d;
                }
            }
            residual = Math.sqrt(residual);
            if (!(residual <= tolerance)) {
                return String.format("the result fails the a-posteriori check: ‖A·X·V − V‖ = %.3g exceeds %.3g"
                        + " (the BLAS/LAPACK kernels returned a wrong answer; see LinearAlgebras.platformCheck())",
                        residual, tolerance);
            }
            return null;
        }

        private static double sumOfSquares(Entries x, int length) {
            double s = 0;
            for (int i = 0; i < length; i++) {
                double e = x.get(i);
                s += e * e;
            }
            return s;
        }

        private static double frobenius(double[][] v) {
            double s = 0;
            for (double[] row : v) {
                for (double e : row) {
                    s += e * e;
                }
            }
            return Math.sqrt(s);
        }
    }
}
