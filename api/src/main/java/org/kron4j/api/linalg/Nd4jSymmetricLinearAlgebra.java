package org.kron4j.api.linalg;

import org.nd4j.linalg.api.blas.BlasException;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The portable path ({@value #NAME}): backend-dispatched ND4J operations only, so it runs on
 * every ND4J backend (CUDA included) — the fallback when {@link LapackSymmetricLinearAlgebra}
 * is unavailable.
 *
 * <p><b>eigh</b>: {@code Nd4j.getBlasWrapper().lapack().syev('V', 'U', copy, w)} on an
 * 'f'-ordered copy (CPU: {@code LAPACKE_?syev}; CUDA: cuSOLVER {@code ?syevd}, which works on
 * column-major data, so the 'f' copy spares the CUDA wrapper its own transposing copy). ND4J's
 * convention, verified: eigenvalues ascending, eigenvector i in <em>column</em> i of the
 * overwritten matrix, for either ordering of the copy. The eigenvectors are returned as a
 * fresh 'c'-ordered array.
 *
 * <p><b>spdInverse</b>: through the eigendecomposition, {@code A⁻¹ = B·Bᵀ} with
 * {@code B = Q·diag(w^{-1/2})}, symmetrised as {@code (X + Xᵀ)/2} so that it is exactly
 * symmetric; a smallest eigenvalue ≤ 0 is reported as "not positive definite". Its residual
 * obeys the same {@code ‖A·X − I‖ = O(n·ε·κ(A))} bound as a Cholesky inverse (measured 5–10×
 * larger than LAPACK's {@code ?potri}, still far inside the bound), and it inverts
 * {@code 0.01·I₄}. The alternatives in ND4J 1.0.0-M2.1 were tried and rejected:
 * <ul>
 *   <li>{@code InvertMatrix.invert}, {@code linalg().matrixInverse} and the
 *       {@code MatrixInverse} op throw when |det| is small ({@code 0.01·I₄} fails), and print
 *       the matrix from native code;</li>
 *   <li>{@code linalg().cholesky} (the {@code cholesky} op) also rejects {@code 0.01·I₄} as
 *       "not positive-defined";</li>
 *   <li>{@code level3().trsm} mishandles its {@code Diag} argument (OpenBLAS: "DTRSM parameter
 *       number 4 had an illegal value");</li>
 *   <li>the {@code TriangularSolve} op is accurate but a scalar loop: 4 s for a 512×512
 *       identity right-hand side, about 20× the whole eigen-based inverse;</li>
 *   <li>{@code lapack().potrf} is fine on the CPU but not portable: in the ND4J sources the
 *       CUDA wrapper ({@code JcublasLapack.?potrf}) passes the characters 'U'/'L' where
 *       cuSOLVER expects a {@code cublasFillMode_t}, transposes its result in place, and logs
 *       the whole matrix at INFO level. A CPU-only potrf would add nothing to
 *       {@link LapackSymmetricLinearAlgebra}.</li>
 * </ul>
 * The eigen route costs one {@code syev} and one matrix product: slower than Cholesky on the
 * CPU (where the LAPACK path is used anyway), but built only on the one dense factorisation
 * whose ND4J wrapper is correct on both backends.
 *
 * <p>Failures of ND4J's wrapper (exceptions, {@code info ≠ 0}) are reported, as are non-finite
 * inputs and results that fail the a-posteriori check of {@link LinalgSupport}. Results are
 * allocated outside any ND4J workspace. Stateless and thread-safe.
 */
public final class Nd4jSymmetricLinearAlgebra implements SymmetricLinearAlgebra {

    /** The name reported by {@link #name()}. */
    public static final String NAME = "nd4j";

    /** Creates the portable path; always available. */
    public Nd4jSymmetricLinearAlgebra() {}

    @Override
    public String name() {
        return NAME;
    }

    @Override
    @SuppressWarnings("try") // the workspace scope is only opened and closed
    public EigenDecomposition eigh(INDArray a) {
        LinalgSupport.validate(a, "eigh");
        String what = LinalgSupport.describe("eigh", a);
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            if (LinalgSupport.hasNonFinite(a)) {
                return EigenDecomposition.failed(what + ": the input has NaN or infinite entries");
            }
            Syev syev = syev(a, what);
            if (syev.failure != null) {
                return EigenDecomposition.failed(syev.failure);
            }
            INDArray q = syev.vectors.dup('c');
            String problem = LinalgSupport.checkEigen(a, syev.values, q);
            return problem == null ? EigenDecomposition.of(syev.values, q)
                    : EigenDecomposition.failed(what + ": " + problem);
        }
    }

    @Override
    @SuppressWarnings("try") // the workspace scope is only opened and closed
    public SpdInverse spdInverse(INDArray a) {
        LinalgSupport.validate(a, "spdInverse");
        String what = LinalgSupport.describe("spdInverse", a);
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().scopeOutOfWorkspaces()) {
            if (LinalgSupport.hasNonFinite(a)) {
                return SpdInverse.failed(what + ": the input has NaN or infinite entries");
            }
            Syev syev = syev(a, what);
            if (syev.failure != null) {
                return SpdInverse.failed(syev.failure);
            }
            double smallest = syev.values.minNumber().doubleValue();
            if (!(smallest > 0)) {
                return SpdInverse.failed(what + ": the matrix is not positive definite (smallest eigenvalue "
                        + smallest + ")");
            }
            INDArray b = syev.vectors.mulRowVector(Transforms.sqrt(syev.values, true).rdivi(1.0));
            INDArray x = Nd4j.gemm(b, b, false, true);
            INDArray inverse = x.add(x.transpose()).muli(0.5);
            if (inverse.ordering() != 'c') {
                inverse = inverse.dup('c');
            }
            String problem = LinalgSupport.checkInverse(a, inverse);
            return problem == null ? SpdInverse.of(inverse) : SpdInverse.failed(what + ": " + problem);
        }
    }

    /** Eigenvalues (ascending) and eigenvectors (columns of an 'f'-ordered matrix), or why not. */
    private static Syev syev(INDArray a, String what) {
        int n = (int) a.size(0);
        INDArray vectors = a.dup('f');
        INDArray values = Nd4j.create(a.dataType(), n);
        int info;
        try {
            info = Nd4j.getBlasWrapper().lapack().syev('V', 'U', vectors, values);
        } catch (RuntimeException | BlasException e) {
            return new Syev(null, null, what + ": ND4J syev failed: " + e);
        }
        if (info < 0) {
            return new Syev(null, null, what + ": ND4J syev rejected argument " + (-info) + " (info=" + info + ")");
        }
        if (info > 0) {
            return new Syev(null, null, what + ": ND4J syev did not converge (info=" + info + ")");
        }
        if (LinalgSupport.hasNonFinite(values) || LinalgSupport.hasNonFinite(vectors)) {
            return new Syev(null, null, what + ": ND4J syev returned NaN or infinite entries");
        }
        return new Syev(values, vectors, null);
    }

    private record Syev(INDArray values, INDArray vectors, String failure) {}
}
