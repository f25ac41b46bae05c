package org.kron4j.core;

import java.util.Arrays;
import org.kron4j.api.BlockStatistics;
import org.kron4j.api.linalg.SymmetricLinearAlgebra;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.store.FactorStore;
import org.kron4j.api.store.SymmetricFactor;

/**
 * The two Kronecker factors of a layer whose gradient is a matrix, kept in the factor store: the
 * input-side factor A over the gradient's columns (a dense layer's E[ā āᵀ], (n+1)×(n+1) with a
 * bias, ā = [a; 1]) and the output-side factor G over its rows (E[g gᵀ], m×m), so that the
 * layer's curvature block is approximated by A ⊗ G (Martens and Grosse 2015). The factor lifecycle
 * shared by K-FAC, EKFAC and KFRA: moving averages and decompositions through the store; what
 * fills them is a {@link FactorStatistics} of the layer's kind (KFRA fills G from its recursion).
 *
 * <p>Memory: cols² + rows² values for the averages, the same again per cached decomposition kind.
 */
public final class KroneckerFactors {
    /** Statistic roles in {@link BlockStatistics}, and the factors' roles in the store. */
    public static final String INPUT = "A";
    public static final String OUTPUT = "G";

    private final LayerSpec layer;
    private final SymmetricFactor input;
    private final SymmetricFactor output;
    private final SymmetricLinearAlgebra linearAlgebra;

    /**
     * Registers A (gradient columns) and G (gradient rows) for the layer in the store.
     *
     * @throws IllegalArgumentException when the layer's gradient is not a matrix
     */
    public KroneckerFactors(LayerSpec layer, FactorStore store) {
        long[] shape = layer.gradientShape();
        if (shape.length != 2) {
            throw new IllegalArgumentException("layer " + layer + ": Kronecker factors need a matrix gradient, got shape "
                    + Arrays.toString(shape));
        }
        this.layer = layer;
        this.input = store.symmetricFactor(layer.name(), INPUT, Math.toIntExact(shape[1]));
        this.output = store.symmetricFactor(layer.name(), OUTPUT, Math.toIntExact(shape[0]));
        this.linearAlgebra = store.linearAlgebra();
    }

    public LayerSpec layer() {
        return layer;
    }

    /** The input factor A. */
    public SymmetricFactor input() {
        return input;
    }

    /** The output-gradient factor G. */
    public SymmetricFactor output() {
        return output;
    }

    /** The store's decomposition kernels, for refresh jobs. */
    public SymmetricLinearAlgebra linearAlgebra() {
        return linearAlgebra;
    }

    /** Folds statistics holding "A" and "G" into the averages (other roles are ignored). */
    public void absorb(BlockStatistics statistics) {
        input.absorb(statistics.sum(INPUT), statistics.count());
        output.absorb(statistics.sum(OUTPUT), statistics.count());
    }

    /**
     * π = √((tr A / dim A) / (tr G / dim G)), the factor that balances factored Tikhonov damping
     * between A and G (Martens and Grosse 2015, §6.3); 1 when either trace vanishes.
     */
    public double pi() {
        double a = input.meanEigenvalue();
        double g = output.meanEigenvalue();
        if (!(a > 0) || !(g > 0) || !Double.isFinite(a / g)) {
            return 1.0;
        }
        return Math.sqrt(a / g);
    }
}
