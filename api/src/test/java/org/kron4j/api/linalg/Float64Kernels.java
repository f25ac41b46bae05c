package org.kron4j.api.linalg;

import static org.bytedeco.openblas.global.openblas.CblasLeft;
import static org.bytedeco.openblas.global.openblas.CblasLower;
import static org.bytedeco.openblas.global.openblas.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas.CblasNonUnit;
import static org.bytedeco.openblas.global.openblas.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas.cblas_dtrmm;
import static org.bytedeco.openblas.global.openblas.cblas_dtrsm;

import java.util.Random;
import org.bytedeco.javacpp.DoublePointer;
import org.junit.jupiter.api.Assumptions;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Independent probe of this machine's OpenBLAS float64 level-3 triangular kernels, which
 * LAPACK's blocked Cholesky and eigensolvers are built on: {@code cblas_dtrmm} and
 * {@code cblas_dtrsm} on a 64×64 system, checked against plain Java.
 *
 * <p>OpenBLAS 0.3.19 (shipped with ND4J 1.0.0-M2.1) picks AVX-512 "SkylakeX" kernels on AVX-512
 * CPUs whose DTRMM/DTRSM are wrong (OpenBLAS issues #3505, #3534); with
 * {@code OPENBLAS_CORETYPE=Haswell} in the environment they are correct. On such a machine no
 * float64 decomposition above a few rows can be right, whatever the code under test does, so
 * the float64 accuracy tests are skipped there (with this explanation) and dedicated tests
 * check that the kernels report failure instead of returning wrong numbers.
 */
final class Float64Kernels {

    /** Up to this size LAPACK stays in its unblocked code, which does not use the broken kernels. */
    static final int UNBLOCKED_MAX = 8;

    static final boolean HEALTHY = probe();

    static final String SKIP_REASON = "this machine's OpenBLAS float64 DTRMM/DTRSM kernels are wrong (OpenBLAS 0.3.19"
            + " AVX-512 bug, issues #3505/#3534), so no float64 decomposition can be accurate here;"
            + " run the tests with the environment variable OPENBLAS_CORETYPE=Haswell";

    private Float64Kernels() {}

    /** Skips the calling test when it needs correct float64 blocked kernels and they are broken. */
    static void assumeCorrectFor(DataType dt, int n) {
        Assumptions.assumeTrue(HEALTHY || dt != DataType.DOUBLE || n <= UNBLOCKED_MAX, SKIP_REASON);
    }

    private static boolean probe() {
        int n = 64;
        Random random = new Random(3);
        double[][] t = new double[n][n];
        double[][] b = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < i; j++) {
                t[i][j] = random.nextGaussian() / n;
            }
            t[i][i] = 1 + random.nextDouble();
            for (int j = 0; j < n; j++) {
                b[i][j] = random.nextGaussian();
            }
        }
        double[][] tb = LinalgOracles.multiply(t, b);
        INDArray tArray = LinalgOracles.nd(t, DataType.DOUBLE);

        INDArray product = LinalgOracles.nd(b, DataType.DOUBLE);
        cblas_dtrmm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, n, n, 1.0,
                pointer(tArray), n, pointer(product), n);
        INDArray solution = LinalgOracles.nd(tb, DataType.DOUBLE);
        cblas_dtrsm(CblasRowMajor, CblasLeft, CblasLower, CblasNoTrans, CblasNonUnit, n, n, 1.0,
                pointer(tArray), n, pointer(solution), n);

        return maxDifference(LinalgOracles.java(product), tb) < 1e-12
                && maxDifference(LinalgOracles.java(solution), b) < 1e-12;
    }

    private static DoublePointer pointer(INDArray a) {
        return new DoublePointer(a.data().addressPointer());
    }

    private static double maxDifference(double[][] x, double[][] y) {
        double m = 0;
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < x[i].length; j++) {
                m = Math.max(m, Math.abs(x[i][j] - y[i][j]));
            }
        }
        return Double.isNaN(m) ? Double.POSITIVE_INFINITY : m;
    }
}
