package org.kron4j.api.linalg;

import static org.bytedeco.openblas.global.openblas.LAPACKE_dpotrf;
import static org.bytedeco.openblas.global.openblas.LAPACKE_dpotri;
import static org.bytedeco.openblas.global.openblas.LAPACKE_dsyevd;
import static org.bytedeco.openblas.global.openblas.LAPACKE_spotrf;
import static org.bytedeco.openblas.global.openblas.LAPACKE_spotri;
import static org.bytedeco.openblas.global.openblas.LAPACKE_ssyevd;
import static org.bytedeco.openblas.global.openblas.LAPACK_ROW_MAJOR;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The CPU fast path ({@value #NAME}): LAPACKE called directly through the bytedeco OpenBLAS
 * binding, bypassing ND4J's LAPACK wrappers.
 *
 * <ul>
 *   <li>{@link #eigh}: {@code LAPACKE_?syevd} (divide and conquer, row-major, upper triangle),
 *       2–10× faster than ND4J's {@code syev} wrapper, which calls the QR-iteration
 *       {@code ?syev} (see {@code LinalgKernelsBenchmark}).</li>
 *   <li>{@link #spdInverse}: {@code LAPACKE_?potrf} (Cholesky, upper) then
 *       {@code LAPACKE_?potri} (inverse from the factor, upper triangle), then the lower triangle
 *       is copied from the upper one in the host buffer, so the result is exactly symmetric. A {@code potrf}
 *       {@code info > 0} (a leading minor is not positive) is reported as "not positive
 *       definite".</li>
 * </ul>
 *
 * <p>The binding takes raw pointers, so the input is first copied into a fresh, contiguous,
 * offset-0, 'c'-ordered array that LAPACK then overwrites; the caller's array is never
 * touched. Only the upper triangle of the input is read by LAPACK (the input is assumed
 * symmetric); the a-posteriori check of {@link LinalgSupport} (here in its plain-Java host
 * form) uses the whole matrix. Inputs with NaN or infinite entries are reported as failures
 * before LAPACK sees them.
 *
 * <p>CPU only: the pointers are host pointers, so this class must only be used with ND4J's CPU
 * backend, and it needs {@code org.bytedeco:openblas} (an optional dependency of kron4j-api)
 * on the class path. Its constructor checks both and throws {@link IllegalStateException}
 * otherwise; {@link LinearAlgebras#forCurrentBackend()} only creates it when both hold. Results
 * are allocated outside any ND4J workspace. Stateless and thread-safe.
 */
public final class LapackSymmetricLinearAlgebra implements SymmetricLinearAlgebra {

    /** The name reported by {@link #name()}. */
    public static final String NAME = "lapack";

    private static final byte JOBZ_VECTORS = (byte) 'V';
    private static final byte UPPER = (byte) 'U';

    /**
     * Creates the LAPACK path.
     *
     * @throws IllegalStateException when the ND4J backend is not the CPU one or the bytedeco
     *                               OpenBLAS binding cannot be loaded
     */
    public LapackSymmetricLinearAlgebra() {
        LinearAlgebras.requireLapackAvailable();
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    @SuppressWarnings("try") // the workspace scope is only opened and closed
    public EigenDecomposition eigh(INDArray a) {
        int n = LinalgSupport.validate(a, "eigh");
        String what = LinalgSupport.describe("eigh", a);
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            INDArray input = hostReadable(a);
            LinalgSupport.Host.Entries entries = LinalgSupport.Host.of(input);
            if (LinalgSupport.Host.hasNonFinite(entries, n * n)) {
                return EigenDecomposition.failed(what + ": the input has NaN or infinite entries");
            }
            INDArray q = denseCopy(input);
            INDArray w = Nd4j.create(a.dataType(), n);
            int info = a.dataType() == DataType.DOUBLE
                    ? LAPACKE_dsyevd(LAPACK_ROW_MAJOR, JOBZ_VECTORS, UPPER, n, doubles(q), n, doubles(w))
                    : LAPACKE_ssyevd(LAPACK_ROW_MAJOR, JOBZ_VECTORS, UPPER, n, floats(q), n, floats(w));
            if (info < 0) {
                return EigenDecomposition.failed(what + ": LAPACKE_" + prefix(a) + "syevd rejected argument "
                        + (-info) + " (info=" + info + ")");
            }
            if (info > 0) {
                return EigenDecomposition.failed(what + ": LAPACKE_" + prefix(a) + "syevd did not converge (info="
                        + info + ")");
            }
            String problem = LinalgSupport.Host.checkEigen(entries, LinalgSupport.Host.of(w),
                    LinalgSupport.Host.of(q), n, a.dataType());
            return problem == null ? EigenDecomposition.of(w, q) : EigenDecomposition.failed(what + ": " + problem);
        }
    }

    @Override
    @SuppressWarnings("try") // the workspace scope is only opened and closed
    public SpdInverse spdInverse(INDArray a) {
        int n = LinalgSupport.validate(a, "spdInverse");
        String what = LinalgSupport.describe("spdInverse", a);
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            INDArray input = hostReadable(a);
            LinalgSupport.Host.Entries entries = LinalgSupport.Host.of(input);
            if (LinalgSupport.Host.hasNonFinite(entries, n * n)) {
                return SpdInverse.failed(what + ": the input has NaN or infinite entries");
            }
            INDArray x = denseCopy(input);
            boolean dbl = a.dataType() == DataType.DOUBLE;
            int info = dbl
                    ? LAPACKE_dpotrf(LAPACK_ROW_MAJOR, UPPER, n, doubles(x), n)
                    : LAPACKE_spotrf(LAPACK_ROW_MAJOR, UPPER, n, floats(x), n);
            if (info > 0) {
                return SpdInverse.failed(what + ": the matrix is not positive definite (the leading minor of order "
                        + info + " is not positive; LAPACKE_" + prefix(a) + "potrf info=" + info + ")");
            }
            if (info < 0) {
                return SpdInverse.failed(what + ": LAPACKE_" + prefix(a) + "potrf rejected argument " + (-info)
                        + " (info=" + info + ")");
            }
            info = dbl
                    ? LAPACKE_dpotri(LAPACK_ROW_MAJOR, UPPER, n, doubles(x), n)
                    : LAPACKE_spotri(LAPACK_ROW_MAJOR, UPPER, n, floats(x), n);
            if (info > 0) {
                return SpdInverse.failed(what + ": the Cholesky factor is singular (diagonal entry " + info
                        + " is zero; LAPACKE_" + prefix(a) + "potri info=" + info + ")");
            }
            if (info < 0) {
                return SpdInverse.failed(what + ": LAPACKE_" + prefix(a) + "potri rejected argument " + (-info)
                        + " (info=" + info + ")");
            }
            fillLowerFromUpper(x, n);
            String problem = LinalgSupport.Host.checkInverse(entries, LinalgSupport.Host.of(x), n, a.dataType());
            return problem == null ? SpdInverse.of(x) : SpdInverse.failed(what + ": " + problem);
        }
    }

    /**
     * Copies the upper triangle of the dense row-major n×n array {@code x} onto its lower
     * triangle, in place, through the host buffer (tiled, so that the column-wise reads stay in
     * cache). ND4J's {@code triu} op is not used: it returns a 1×1 matrix unchanged for
     * {@code triu(x, 1)}.
     */
    private static void fillLowerFromUpper(INDArray x, int n) {
        final int tile = 64;
        if (x.dataType() == DataType.DOUBLE) {
            DoubleBuffer b = x.data().asNioDouble();
            for (int i0 = 0; i0 < n; i0 += tile) {
                for (int j0 = 0; j0 <= i0; j0 += tile) {
                    for (int i = i0; i < Math.min(i0 + tile, n); i++) {
                        for (int j = j0; j < Math.min(Math.min(j0 + tile, n), i); j++) {
                            b.put(i * n + j, b.get(j * n + i));
                        }
                    }
                }
            }
        } else {
            FloatBuffer b = x.data().asNioFloat();
            for (int i0 = 0; i0 < n; i0 += tile) {
                for (int j0 = 0; j0 <= i0; j0 += tile) {
                    for (int i = i0; i < Math.min(i0 + tile, n); i++) {
                        for (int j = j0; j < Math.min(Math.min(j0 + tile, n), i); j++) {
                            b.put(i * n + j, b.get(j * n + i));
                        }
                    }
                }
            }
        }
    }

    /** A fresh, contiguous, offset-0, 'c'-ordered copy: the layout the raw LAPACKE call needs. */
    private static INDArray denseCopy(INDArray a) {
        INDArray copy = a.dup('c');
        if (!isDenseRowMajor(copy)) {
            throw new IllegalStateException("dup('c') did not produce a dense, offset-0 array: " + copy.shapeInfoToString());
        }
        return copy;
    }

    /** The input itself when its buffer is already dense row-major (read only), else a dense copy. */
    private static INDArray hostReadable(INDArray a) {
        return isDenseRowMajor(a) ? a : denseCopy(a);
    }

    /** Offset 0, row-major strides (n, 1) and a buffer of exactly n² entries. */
    private static boolean isDenseRowMajor(INDArray a) {
        // not Shape.hasDefaultStridesForShape: it rejects a plain 1×1 array
        return a.data().offset() == 0 && a.stride(1) == 1 && a.stride(0) == a.size(1)
                && a.data().length() == a.length();
    }

    private static DoublePointer doubles(INDArray x) {
        return new DoublePointer(x.data().addressPointer());
    }

    private static FloatPointer floats(INDArray x) {
        return new FloatPointer(x.data().addressPointer());
    }

    private static String prefix(INDArray a) {
        return a.dataType() == DataType.DOUBLE ? "d" : "s";
    }
}
