package org.kron4j.core;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.kron4j.api.BlockStatistics;
import org.kron4j.api.CurvatureBlock;
import org.kron4j.api.DampingInUse;
import org.kron4j.api.capture.CaptureField;
import org.kron4j.api.capture.LayerCapture;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.optim.DampingMode;
import org.kron4j.api.refresh.RefreshJob;
import org.kron4j.api.refresh.RefreshResult;
import org.kron4j.api.store.FactorDecomposition;
import org.kron4j.api.support.NdArrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * K-FAC for any layer whose gradient is an m×c matrix (Martens and Grosse 2015; for a dense layer
 * c = n+1): the curvature block approximated by A ⊗ G, with A (c×c) and G (m×m) filled by the
 * layer kind's {@link FactorStatistics}.
 *
 * <ul>
 *   <li>{@link DampingMode#FACTORED}: refresh computes (A + π√λ I)⁻¹ and (G + √λ/π I)⁻¹ by
 *       Cholesky; a direction is G_d⁻¹ V A_d⁻¹, two products, O(m²c + mc²).</li>
 *   <li>{@link DampingMode#EIGEN}: refresh eigendecomposes A and G; a direction is
 *       Q_G [(Q_Gᵀ V Q_A) ⊘ (λ_G λ_Aᵀ + λ)] Q_Aᵀ, the exact (A ⊗ G + λI)⁻¹ vec(V), four products.</li>
 * </ul>
 * A refresh costs O(c³ + m³) instead of the O(c³m³) of inverting the block itself.
 * Before the first successful refresh the block passes gradients through unchanged.
 *
 * <p><b>Curvature × vector</b> ({@link #multiply}) uses the current moving averages A and G, damped
 * as a refresh with the same λ would damp them: factored, (G + √λ/π I) V (A + π√λ I) with π from
 * the current averages; eigen, G V A + λV. So {@code precondition(multiply(v, λ), λ)} = v right
 * after {@code refresh(λ)} when no statistics were absorbed since and the store raised no damping
 * ({@link #dampingInUse()} shows a raise).
 *
 * <p><b>Low-rank application</b> ({@code lowRank} = k &gt; 0, eigen mode only): each factor wider than k
 * is applied as its top-k eigenpairs plus the mean of its other eigenvalues ({@link LowRankFactor}),
 * so a direction costs O(m·c·k) ({@link KroneckerAlgebra#applyLowRank}) instead of O(mc(m + c)); the
 * eigendecompositions are still full (truncated after the fact, in the background under
 * asynchronous refresh). {@link #multiply} then uses the same truncated factors of the last refresh,
 * so {@code precondition(multiply(v, λ), λ)} = v still holds.
 *
 * <p>Memory: 2(c² + m²) values in storage precision (averages plus one decomposition each); with
 * low-rank application, k(c + m) more for the truncations.
 */
public final class KfacBlock implements CurvatureBlock {
    private static final Logger LOG = LoggerFactory.getLogger(KfacBlock.class);

    private final KroneckerFactors factors;
    private final FactorStatistics statistics;
    private final DampingMode mode;
    private final ProductScratch scratch = new ProductScratch(2);
    private final int lowRank;
    private TruncatedFactor lowRankInput;
    private TruncatedFactor lowRankOutput;
    private boolean warnedPassThrough;
    private double refreshDamping = Double.NaN;
    private double preconditionDamping = Double.NaN;

    /**
     * @param factors    A and G in the store
     * @param statistics what fills them, for the layer's kind
     * @param mode       how damping is applied
     */
    public KfacBlock(KroneckerFactors factors, FactorStatistics statistics, DampingMode mode) {
        this(factors, statistics, mode, 0);
    }

    /**
     * @param lowRank k &gt; 0: apply the inverse with each factor's top-k eigenpairs and the mean of
     *                the rest of its spectrum ({@link LowRankFactor},
     *                {@link KroneckerAlgebra#applyLowRank}); needs {@link DampingMode#EIGEN}. 0: off
     * @throws IllegalArgumentException when lowRank &lt; 0, or &gt; 0 with factored damping
     */
    public KfacBlock(KroneckerFactors factors, FactorStatistics statistics, DampingMode mode, int lowRank) {
        if (lowRank < 0) {
            throw new IllegalArgumentException("lowRank must be >= 0 (0 = off), got " + lowRank);
        }
        if (lowRank > 0 && mode != DampingMode.EIGEN) {
            throw new IllegalArgumentException("setting 'lowRank' (" + lowRank + ") needs dampingMode=eigen: the "
                    + "low-rank inverse works in the factors' eigenbases; got dampingMode=" + mode.name()
                    .toLowerCase(java.util.Locale.ROOT));
        }
        this.factors = factors;
        this.statistics = statistics;
        this.mode = mode;
        this.lowRank = lowRank;
    }

    /**
     * The block of a layer: its factors registered in the store, filled by the kind's statistics.
     */
    public static KfacBlock create(LayerSpec layer, org.kron4j.api.store.FactorStore store,
            FactorStatistics.Factory statistics, DampingMode mode) {
        return create(layer, store, statistics, mode, 0);
    }

    /** {@link #create(LayerSpec, org.kron4j.api.store.FactorStore, FactorStatistics.Factory, DampingMode)} with low-rank application of rank {@code lowRank} (0: off). */
    public static KfacBlock create(LayerSpec layer, org.kron4j.api.store.FactorStore store,
            FactorStatistics.Factory statistics, DampingMode mode, int lowRank) {
        KroneckerFactors factors = new KroneckerFactors(layer, store);
        return new KfacBlock(factors, statistics.create(layer, store.storagePrecision().dataType()), mode, lowRank);
    }

    public KroneckerFactors factors() {
        return factors;
    }

    /** The layer kind's statistics this block collects with. */
    public FactorStatistics statistics() {
        return statistics;
    }

    public DampingMode dampingMode() {
        return mode;
    }

    /** The rank of low-rank application; 0 when off. */
    public int lowRank() {
        return lowRank;
    }

    /**
     * The factors' top-k truncations for low-rank application, made from the eigendecompositions in
     * use the first time they are needed after an install (or a restore) and kept until they change.
     */
    private boolean refreshLowRank(INDArray inputVectors, INDArray outputVectors) {
        if (lowRankInput == null || lowRankInput.source() != inputVectors) {
            lowRankInput = new TruncatedFactor(inputVectors, LowRankFactor.truncate(
                    factors.input().eigenvalues().orElseThrow(), inputVectors, lowRank));
        }
        if (lowRankOutput == null || lowRankOutput.source() != outputVectors) {
            lowRankOutput = new TruncatedFactor(outputVectors, LowRankFactor.truncate(
                    factors.output().eigenvalues().orElseThrow(), outputVectors, lowRank));
        }
        return lowRankInput.factor().truncated() || lowRankOutput.factor().truncated();
    }

    /** A truncation and the eigenvector array it was made from (compared by identity: installs swap arrays). */
    private record TruncatedFactor(INDArray source, LowRankFactor factor) {
    }

    @Override
    public LayerSpec layer() {
        return factors.layer();
    }

    @Override
    public Set<CaptureField> statisticsFields() {
        return statistics.fields();
    }

    @Override
    public BlockStatistics collect(LayerCapture capture, int batchSize) {
        return statistics.collect(capture, batchSize);
    }

    @Override
    public void absorb(BlockStatistics statistics) {
        factors.absorb(statistics);
    }

    /** {@code install(prepareRefresh(damping).compute())}. */
    @Override
    public void refresh(double damping) {
        install(prepareRefresh(damping).compute());
    }

    /**
     * Snapshots A and G: factored, for (A + π√λ I)⁻¹ and (G + √λ/π I)⁻¹ with π from the current
     * averages; eigen, for their eigendecompositions. See {@link KroneckerRefreshJob}.
     */
    @Override
    public RefreshJob prepareRefresh(double damping) {
        String name = layer().name();
        if (mode == DampingMode.FACTORED) {
            double pi = factors.pi();
            double root = Math.sqrt(damping);
            return KroneckerRefreshJob.inverses(name, factors.input().snapshot(), pi * root,
                    factors.output().snapshot(), root / pi, damping, factors.linearAlgebra());
        }
        return KroneckerRefreshJob.eigen(name, factors.input().snapshot(), factors.output().snapshot(), damping,
                factors.linearAlgebra());
    }

    /** Swaps in A's and G's decompositions (each keeps its last good one when its own failed). */
    @Override
    public void install(RefreshResult result) {
        factors.input().install(FactorDecomposition.readFrom(result, KroneckerFactors.INPUT + "."));
        factors.output().install(FactorDecomposition.readFrom(result, KroneckerFactors.OUTPUT + "."));
        if (mode == DampingMode.FACTORED) {
            refreshDamping = result.scalar(RefreshResult.DAMPING);
        }
    }

    @Override
    public INDArray precondition(INDArray gradient, double damping) {
        if (mode == DampingMode.FACTORED) {
            Optional<INDArray> inputInverse = factors.input().inverse();
            Optional<INDArray> outputInverse = factors.output().inverse();
            if (inputInverse.isPresent() && outputInverse.isPresent()) {
                return KroneckerAlgebra.applyInverses(outputInverse.get(), gradient, inputInverse.get(), scratch);
            }
        } else {
            Optional<INDArray> inputVectors = factors.input().eigenvectors();
            Optional<INDArray> outputVectors = factors.output().eigenvectors();
            if (inputVectors.isPresent() && outputVectors.isPresent()) {
                if (lowRank > 0 && refreshLowRank(inputVectors.get(), outputVectors.get())) {
                    preconditionDamping = damping;
                    return NdArrays.detached(() -> KroneckerAlgebra.applyLowRank(lowRankOutput.factor(), gradient,
                            lowRankInput.factor(), damping, true));
                }
                INDArray denominators = KroneckerAlgebra.kroneckerEigenvalues(
                        factors.output().eigenvalues().orElseThrow(), factors.input().eigenvalues().orElseThrow(),
                        damping);
                preconditionDamping = damping;
                return KroneckerAlgebra.applyEigenInverse(outputVectors.get(), gradient, inputVectors.get(),
                        denominators, scratch);
            }
        }
        if (!warnedPassThrough) {
            warnedPassThrough = true;
            LOG.warn("{}: no decomposition available yet; passing the gradient through", layer().name());
        }
        return gradient.dup();
    }

    /**
     * (A ⊗ G + λ) vec(V) from the current averages, λ applied as {@link #refresh} applies it (see
     * the class comment); λ = 0 gives (A ⊗ G) vec(V) = vec(G V A).
     */
    @Override
    public INDArray multiply(INDArray vector, double damping) {
        if (!(damping >= 0) || Double.isInfinite(damping)) {
            throw new IllegalArgumentException("damping must be in [0, ∞), got " + damping);
        }
        if (lowRank > 0) {
            Optional<INDArray> inputVectors = factors.input().eigenvectors();
            Optional<INDArray> outputVectors = factors.output().eigenvectors();
            if (inputVectors.isPresent() && outputVectors.isPresent()
                    && refreshLowRank(inputVectors.get(), outputVectors.get())) {
                return KroneckerAlgebra.applyLowRank(lowRankOutput.factor(), vector, lowRankInput.factor(), damping,
                        false);
            }
        }
        INDArray a = factors.input().average();
        INDArray g = factors.output().average();
        if (mode == DampingMode.FACTORED) {
            double pi = factors.pi();
            double root = Math.sqrt(damping);
            return KroneckerAlgebra.applyDampedFactors(g, root / pi, vector, a, pi * root);
        }
        INDArray product = KroneckerAlgebra.applyDampedFactors(g, 0, vector, a, 0);
        return damping == 0 ? product : product.addi(vector.mul(damping));
    }

    /**
     * Factored: the request of the last refresh, the dampings of the inverses in use per factor
     * ("A", "G") and their product as the applied λ (λ itself unless the store raised one). Eigen:
     * the λ of the last preconditioning, applied exactly.
     */
    @Override
    public Optional<DampingInUse> dampingInUse() {
        if (mode == DampingMode.FACTORED) {
            if (factors.input().inverse().isEmpty() || factors.output().inverse().isEmpty()) {
                return Optional.empty();
            }
            double inputDamping = factors.input().inverseDamping();
            double outputDamping = factors.output().inverseDamping();
            return Optional.of(new DampingInUse(refreshDamping, inputDamping * outputDamping,
                    Map.of(KroneckerFactors.INPUT, inputDamping, KroneckerFactors.OUTPUT, outputDamping)));
        }
        return Double.isNaN(preconditionDamping) ? Optional.empty()
                : Optional.of(DampingInUse.exact(preconditionDamping));
    }

    /** A ⊗ G over the column-major vec of the m×c weights. */
    @Override
    public Optional<INDArray> curvatureMatrix() {
        return Optional.of(NdArrays.detached(
                () -> KroneckerAlgebra.kron(factors.input().average(), factors.output().average())));
    }

    @Override
    public String toString() {
        return "KfacBlock{" + layer() + ", " + mode + "}";
    }
}
