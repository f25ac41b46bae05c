package org.kron4j.benchmarks;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.openblas.global.openblas;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The floor a refresh is compared with: LAPACKE called directly in float64 on a contiguous copy
 * (copy excluded from the timing's meaning but included in the call: it is O(n²) against the
 * O(n³) kernel): {@code dpotrf + dpotri} for an SPD inverse, {@code dsyevd} for an
 * eigendecomposition.
 */
final class RawLapack {
    private RawLapack() {
    }

    static void decompose(INDArray factor, boolean eigen, double damping) {
        int n = factor.rows();
        INDArray a = factor.castTo(DataType.DOUBLE).dup('c');
        DoublePointer pointer = (DoublePointer) a.data().addressPointer();
        if (eigen) {
            INDArray w = Nd4j.createUninitialized(DataType.DOUBLE, n);
            int info = openblas.LAPACKE_dsyevd(openblas.LAPACK_ROW_MAJOR, (byte) 'V', (byte) 'U', n, pointer, n,
                    (DoublePointer) w.data().addressPointer());
            check(info, "dsyevd");
        } else {
            a.addi(Nd4j.eye(n).castTo(DataType.DOUBLE).muli(damping + 1e-6));
            check(openblas.LAPACKE_dpotrf(openblas.LAPACK_ROW_MAJOR, (byte) 'U', n, pointer, n), "dpotrf");
            check(openblas.LAPACKE_dpotri(openblas.LAPACK_ROW_MAJOR, (byte) 'U', n, pointer, n), "dpotri");
        }
    }

    private static void check(int info, String routine) {
        if (info != 0) {
            throw new IllegalStateException(routine + " returned info " + info);
        }
    }
}
