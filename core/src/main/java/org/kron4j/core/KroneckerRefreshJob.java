package org.kron4j.core;

import java.util.Objects;
import org.kron4j.api.linalg.SymmetricLinearAlgebra;
import org.kron4j.api.refresh.RefreshJob;
import org.kron4j.api.refresh.RefreshResult;
import org.kron4j.api.store.FactorDecomposition;
import org.kron4j.api.store.FactorSnapshot;

/**
 * The refresh of a layer's Kronecker factors A and G computed from snapshots: their damped
 * inverses (A + d_A I)⁻¹ and (G + d_G I)⁻¹ (factored damping) or their eigendecompositions. Holds
 * copies only. Its result holds the two {@link FactorDecomposition}s under the prefixes "A." and
 * "G." and the requested damping λ as scalar {@value RefreshResult#DAMPING}.
 */
public final class KroneckerRefreshJob implements RefreshJob {
    private final String block;
    private final FactorSnapshot input;
    private final FactorSnapshot output;
    private final boolean eigen;
    private final double inputDamping;
    private final double outputDamping;
    private final double damping;
    private final SymmetricLinearAlgebra linearAlgebra;

    private KroneckerRefreshJob(String block, FactorSnapshot input, FactorSnapshot output, boolean eigen,
            double inputDamping, double outputDamping, double damping, SymmetricLinearAlgebra linearAlgebra) {
        this.block = Objects.requireNonNull(block, "block");
        this.input = Objects.requireNonNull(input, "input");
        this.output = Objects.requireNonNull(output, "output");
        this.eigen = eigen;
        this.inputDamping = inputDamping;
        this.outputDamping = outputDamping;
        this.damping = damping;
        this.linearAlgebra = Objects.requireNonNull(linearAlgebra, "linearAlgebra");
    }

    /** Inverses (A + inputDamping I)⁻¹ and (G + outputDamping I)⁻¹; λ recorded as the request. */
    public static KroneckerRefreshJob inverses(String block, FactorSnapshot input, double inputDamping,
            FactorSnapshot output, double outputDamping, double damping, SymmetricLinearAlgebra linearAlgebra) {
        return new KroneckerRefreshJob(block, input, output, false, inputDamping, outputDamping, damping,
                linearAlgebra);
    }

    /** Eigendecompositions of A and G (λ is applied exactly when preconditioning). */
    public static KroneckerRefreshJob eigen(String block, FactorSnapshot input, FactorSnapshot output, double damping,
            SymmetricLinearAlgebra linearAlgebra) {
        return new KroneckerRefreshJob(block, input, output, true, Double.NaN, Double.NaN, damping, linearAlgebra);
    }

    @Override
    public String block() {
        return block;
    }

    @Override
    public RefreshResult compute() {
        FactorDecomposition a = eigen ? FactorDecomposition.eigen(input, linearAlgebra)
                : FactorDecomposition.inverse(input, inputDamping, linearAlgebra);
        FactorDecomposition g = eigen ? FactorDecomposition.eigen(output, linearAlgebra)
                : FactorDecomposition.inverse(output, outputDamping, linearAlgebra);
        RefreshResult.Builder result = RefreshResult.builder(block).scalar(RefreshResult.DAMPING, damping);
        a.writeTo(result, KroneckerFactors.INPUT + ".");
        g.writeTo(result, KroneckerFactors.OUTPUT + ".");
        return result.build();
    }

    @Override
    public String toString() {
        return "KroneckerRefreshJob{" + block + ", " + (eigen ? "eigen" : "inverses") + ", A " + input.dim() + ", G "
                + output.dim() + "}";
    }
}
