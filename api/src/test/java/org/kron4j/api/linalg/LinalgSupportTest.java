package org.kron4j.api.linalg;

import static org.assertj.core.api.Assertions.assertThat;
import static org.kron4j.api.linalg.LinalgOracles.nd;

import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The a-posteriori checks, in both forms (ND4J ops and plain-Java host buffers), on exact
 * decompositions built in plain Java and on deliberately corrupted ones: on a healthy machine
 * this is the only place where their failure branch runs.
 */
class LinalgSupportTest {

    static Stream<Arguments> typesAndSizes() {
        return Stream.of(DataType.FLOAT, DataType.DOUBLE)
                .flatMap(dt -> Stream.of(1, 5, 60).map(n -> Arguments.of(dt, n)));
    }

    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("typesAndSizes")
    void checks_exactDecomposition_pass(DataType dt, int n) {
        Exact exact = new Exact(n);

        assertThat(checkEigen(exact.a, exact.w, exact.q, dt)).isNull();
        assertThat(checkInverse(exact.a, exact.inverse, dt)).isNull();
    }

    @ParameterizedTest(name = "{0} n={1}")
    @MethodSource("typesAndSizes")
    void checks_corruptedDecomposition_reportTheProblem(DataType dt, int n) {
        Exact exact = new Exact(n);

        if (n > 1) {
            double[][] swapped = exact.q.clone();
            for (int i = 0; i < n; i++) {
                swapped[i] = exact.q[i].clone();
                double t = swapped[i][0];
                swapped[i][0] = swapped[i][n - 1];
                swapped[i][n - 1] = t;
            }
            assertThat(checkEigen(exact.a, exact.w, swapped, dt)).contains("‖A·Q·V − Q·diag(w)·V‖");
            double[] unsorted = exact.w.clone();
            unsorted[0] = exact.w[n - 1] + 1;
            assertThat(checkEigen(exact.a, unsorted, exact.q, dt)).contains("ascending");
        }
        double[][] doubled = scaled(exact.q, 2); // A·(2Q) = (2Q)·W still holds; orthonormality does not
        assertThat(checkEigen(exact.a, exact.w, doubled, dt)).contains("not orthonormal");
        double[][] withNaN = scaled(exact.q, 1);
        withNaN[n / 2][0] = Double.NaN;
        assertThat(checkEigen(exact.a, exact.w, withNaN, dt)).contains("NaN");

        // a gross error, as a broken kernel makes (the check is a detector of wrong answers, not of small inaccuracy)
        assertThat(checkInverse(exact.a, scaled(exact.inverse, 1.5), dt)).contains("‖A·X·V − V‖");
        double[][] inverseWithInf = scaled(exact.inverse, 1);
        inverseWithInf[0][0] = Double.POSITIVE_INFINITY;
        assertThat(checkInverse(exact.a, inverseWithInf, dt)).contains("infinite");
    }

    /** Both forms must agree; returns their common verdict (null = pass). */
    private static String checkEigen(double[][] a, double[] w, double[][] q, DataType dt) {
        INDArray an = nd(a, dt);
        INDArray wn = nd(new double[][] {w}, dt).reshape(w.length);
        INDArray qn = nd(q, dt);
        String device = LinalgSupport.checkEigen(an, wn, qn);
        String host = LinalgSupport.Host.checkEigen(LinalgSupport.Host.of(an), LinalgSupport.Host.of(wn),
                LinalgSupport.Host.of(qn), a.length, dt);
        assertThat(host == null).as("host %s vs device %s", host, device).isEqualTo(device == null);
        return host;
    }

    private static String checkInverse(double[][] a, double[][] x, DataType dt) {
        INDArray an = nd(a, dt);
        INDArray xn = nd(x, dt);
        String device = LinalgSupport.checkInverse(an, xn);
        String host = LinalgSupport.Host.checkInverse(LinalgSupport.Host.of(an), LinalgSupport.Host.of(xn), a.length, dt);
        assertThat(host == null).as("host %s vs device %s", host, device).isEqualTo(device == null);
        return host;
    }

    private static double[][] scaled(double[][] m, double factor) {
        double[][] s = new double[m.length][];
        for (int i = 0; i < m.length; i++) {
            s[i] = m[i].clone();
            for (int j = 0; j < s[i].length; j++) {
                s[i][j] *= factor;
            }
        }
        return s;
    }

    /** A = Q·diag(w)·Qᵀ and A⁻¹ = Q·diag(1/w)·Qᵀ for a random orthogonal Q and w in [1, 4]. */
    private static final class Exact {
        final double[][] q;
        final double[] w;
        final double[][] a;
        final double[][] inverse;

        Exact(int n) {
            q = LinalgOracles.randomOrthogonal(n, new Random(n));
            w = LinalgOracles.logSpaced(n, 1, 4);
            double[] reciprocal = new double[n];
            for (int k = 0; k < n; k++) {
                reciprocal[k] = 1 / w[k];
            }
            a = LinalgOracles.withSpectrum(q, w);
            inverse = LinalgOracles.withSpectrum(q, reciprocal);
        }
    }
}
