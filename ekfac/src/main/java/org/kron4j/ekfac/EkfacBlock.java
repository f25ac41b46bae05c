package org.kron4j.ekfac;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.kron4j.api.BlockStatistics;
import org.kron4j.api.CurvatureBlock;
import org.kron4j.api.DampingInUse;
import org.kron4j.api.capture.CaptureField;
import org.kron4j.api.capture.LayerCapture;
import org.kron4j.api.linalg.SymmetricLinearAlgebra;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.refresh.RefreshJob;
import org.kron4j.api.refresh.RefreshResult;
import org.kron4j.api.store.FactorDecomposition;
import org.kron4j.api.store.FactorSnapshot;
import org.kron4j.api.store.FactorStore;
import org.kron4j.api.store.MovingAverage;
import org.kron4j.api.store.RefreshOutcome;
import org.kron4j.api.store.StateArray;
import org.kron4j.api.store.SymmetricFactor;
import org.kron4j.api.support.NdArrays;
import org.kron4j.core.KroneckerAlgebra;
import org.kron4j.core.FactorStatistics;
import org.kron4j.core.KroneckerFactors;
import org.kron4j.core.ProductScratch;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * EKFAC for one layer whose gradient is a matrix (see {@link EkfacApproximation} for the method,
 * schedule and memory): dense layers and {@link org.kron4j.core.Conv2d} layers alike; the layer
 * kind's {@link FactorStatistics} supplies the factor statistics and the scalings sum.
 *
 * <p>State, all in the factor store under the layer's name: K-FAC's {@code A} and {@code G}
 * (averages and eigendecompositions, registered by {@link KroneckerFactors}), {@code scalings}
 * (S, m×(n+1), in the basis of the current eigenvectors) and {@code scalingsBatches} (how many
 * batches S has absorbed, for the moving-average weights). Invariant: S is meaningful exactly when
 * both eigenbases exist, and it is always expressed in the eigenvectors the store holds.
 */
final class EkfacBlock implements CurvatureBlock {
    private static final Logger LOG = LoggerFactory.getLogger(EkfacBlock.class);

    /** The statistic role of the batch's scalings sum in {@link BlockStatistics}. */
    static final String SCALINGS = "S";
    /** Store roles. */
    static final String SCALINGS_ROLE = "scalings";
    static final String BATCHES_ROLE = "scalingsBatches";
    /** Refresh result names: the factors' decompositions and the squared overlaps of old and new bases. */
    private static final String INPUT_PREFIX = KroneckerFactors.INPUT + ".";
    private static final String OUTPUT_PREFIX = KroneckerFactors.OUTPUT + ".";
    private static final String OVERLAP = "overlap";
    /**
     * The batch count only matters while 1/k exceeds 1 − β; capping it keeps it exactly
     * representable in float32 storage (2²⁴) however long training runs.
     */
    private static final double BATCH_COUNT_CAP = 1 << 20;

    private final KroneckerFactors factors;
    private final FactorStatistics statistics;
    private final StateArray scalings;
    private final StateArray batches;
    private final ScalingsAfterRefresh afterRefresh;
    private final double decay;
    private final DataType storage;
    private final ProductScratch scratch = new ProductScratch(2);
    private boolean warnedPassThrough;
    private double preconditionDamping = Double.NaN;

    EkfacBlock(LayerSpec layer, FactorStore store, FactorStatistics.Factory statistics,
            ScalingsAfterRefresh afterRefresh) {
        this.factors = new KroneckerFactors(layer, store);
        this.statistics = statistics.create(layer, store.storagePrecision().dataType());
        this.scalings = store.array(layer.name(), SCALINGS_ROLE, layer.gradientShape());
        this.batches = store.array(layer.name(), BATCHES_ROLE, 1);
        this.afterRefresh = afterRefresh;
        this.decay = store.decay();
        this.storage = store.storagePrecision().dataType();
    }

    /** K-FAC's factors A and G with their eigenbases. */
    KroneckerFactors factors() {
        return factors;
    }

    /** The scalings S (live, m×(n+1)); meaningful only while {@link #hasBasis()}. */
    INDArray scalings() {
        return scalings.value();
    }

    /** The number of batches folded into S so far (capped at 2²⁰). */
    long scalingBatches() {
        return (long) batches.value().getDouble(0);
    }

    /** True once both eigenbases exist: from then on directions use Q and S. */
    boolean hasBasis() {
        return factors.input().eigenvectors().isPresent() && factors.output().eigenvectors().isPresent();
    }

    @Override
    public LayerSpec layer() {
        return factors.layer();
    }

    @Override
    public Set<CaptureField> statisticsFields() {
        return statistics.fields();
    }

    /**
     * The kind's A and G sums, and once a basis exists the scalings sum in it, {@code "S"} (gradient-shaped); count
     * B. Pure: reads the current eigenvectors, changes nothing.
     */
    @Override
    public BlockStatistics collect(LayerCapture capture, int batchSize) {
        BlockStatistics kronecker = statistics.collect(capture, batchSize);
        Optional<INDArray> inputVectors = factors.input().eigenvectors();
        Optional<INDArray> outputVectors = factors.output().eigenvectors();
        if (inputVectors.isEmpty() || outputVectors.isEmpty()) {
            return kronecker;
        }
        Map<String, INDArray> sums = new LinkedHashMap<>(kronecker.sums());
        sums.put(SCALINGS, statistics.projectedGradientSquares(capture, batchSize, inputVectors.get(),
                outputVectors.get()));
        return BlockStatistics.of(kronecker.count(), sums);
    }

    /** Folds A and G into their averages and, when present, the batch's scalings into S. */
    @Override
    public void absorb(BlockStatistics statistics) {
        factors.absorb(statistics);
        if (!statistics.sums().containsKey(SCALINGS)) {
            return;
        }
        INDArray sum = statistics.sum(SCALINGS);
        if (!Arrays.equals(sum.shape(), scalings.value().shape())) {
            throw new IllegalArgumentException(layer().name() + ": expected a scalings sum of shape "
                    + Arrays.toString(scalings.value().shape()) + ", got " + Arrays.toString(sum.shape()));
        }
        double absorbed = batches.value().getDouble(0);
        MovingAverage.fold(scalings.value(), sum, statistics.count(), MovingAverage.weight(decay, absorbed + 1));
        batches.value().putScalar(0, Math.min(absorbed + 1, BATCH_COUNT_CAP));
    }

    /**
     * Eigendecomposes A and G through the store and restates S in the basis that results: the
     * K-FAC eigenvalues for the first basis; afterwards as {@link ScalingsAfterRefresh} says, for
     * the sides whose decomposition succeeded. When both fail nothing changes, so S stays
     * consistent with the last good basis the store kept. {@code install(prepareRefresh(λ).compute())}.
     */
    @Override
    public void refresh(double damping) {
        install(prepareRefresh(damping).compute());
    }

    /**
     * Snapshots A and G and, when S will be rotated, copies of the eigenbases in use (the rotation
     * needs them after the new ones are in). The job computes both eigendecompositions and, for
     * the sides that succeeded, the squared overlaps (Q_newᵀ Q_old)^{∘2}, under the names "A." and
     * "G." ({@link FactorDecomposition}) and "A.overlap", "G.overlap": all the O(dim³) work.
     */
    @Override
    public RefreshJob prepareRefresh(double damping) {
        SymmetricFactor input = factors.input();
        SymmetricFactor output = factors.output();
        boolean rotate = hasBasis() && afterRefresh == ScalingsAfterRefresh.ROTATE;
        INDArray oldInput = rotate ? NdArrays.detached(() -> input.eigenvectors().orElseThrow().dup()) : null;
        INDArray oldOutput = rotate ? NdArrays.detached(() -> output.eigenvectors().orElseThrow().dup()) : null;
        FactorSnapshot inputSnapshot = input.snapshot();
        FactorSnapshot outputSnapshot = output.snapshot();
        SymmetricLinearAlgebra kernels = factors.linearAlgebra();
        String name = layer().name();
        return new RefreshJob() {
            @Override
            public String block() {
                return name;
            }

            @Override
            public RefreshResult compute() {
                FactorDecomposition a = FactorDecomposition.eigen(inputSnapshot, kernels);
                FactorDecomposition g = FactorDecomposition.eigen(outputSnapshot, kernels);
                RefreshResult.Builder result = RefreshResult.builder(name).scalar(RefreshResult.DAMPING, damping);
                a.writeTo(result, INPUT_PREFIX);
                g.writeTo(result, OUTPUT_PREFIX);
                if (oldInput != null && a.succeeded()) {
                    result.array(INPUT_PREFIX + OVERLAP, NdArrays.detached(
                            () -> squaredOverlap(a.eigenvectors().orElseThrow(), oldInput)));
                }
                if (oldOutput != null && g.succeeded()) {
                    result.array(OUTPUT_PREFIX + OVERLAP, NdArrays.detached(
                            () -> squaredOverlap(g.eigenvectors().orElseThrow(), oldOutput)));
                }
                return result.build();
            }

            @Override
            public String toString() {
                return "EkfacRefreshJob{" + name + "}";
            }
        };
    }

    /**
     * Swaps in the eigenbases and restates S (see {@link #refresh}); with the overlaps precomputed,
     * the rotation costs two products of S's size, O(m²(n+1) + m(n+1)²).
     */
    @Override
    public void install(RefreshResult result) {
        SymmetricFactor input = factors.input();
        SymmetricFactor output = factors.output();
        boolean hadBasis = hasBasis();
        RefreshOutcome inputOutcome = input.install(FactorDecomposition.readFrom(result, INPUT_PREFIX));
        RefreshOutcome outputOutcome = output.install(FactorDecomposition.readFrom(result, OUTPUT_PREFIX));
        if (!hasBasis()) {
            return;
        }
        if (!hadBasis) {
            scalings.assign(kroneckerEigenvalues());
            LOG.debug("{}: first eigenbasis, scalings start at the K-FAC eigenvalues", layer().name());
            return;
        }
        boolean inputMoved = !inputOutcome.isFailure();
        boolean outputMoved = !outputOutcome.isFailure();
        if (!inputMoved && !outputMoved) {
            return;
        }
        if (afterRefresh == ScalingsAfterRefresh.KFAC) {
            scalings.assign(kroneckerEigenvalues());
        } else {
            scalings.assign(rotate(scalings.value(),
                    outputMoved ? overlap(result, OUTPUT_PREFIX) : null,
                    inputMoved ? overlap(result, INPUT_PREFIX) : null));
        }
    }

    private static INDArray overlap(RefreshResult result, String prefix) {
        return result.array(prefix + OVERLAP).orElseThrow(() -> new IllegalArgumentException(
                "refresh result of '" + result.block() + "' lacks '" + prefix + OVERLAP
                        + "': it was not prepared by this block with its current basis"));
    }

    /** λ_G λ_Aᵀ, the diagonal of A ⊗ G in its eigenbasis, m×(n+1). */
    private INDArray kroneckerEigenvalues() {
        return KroneckerAlgebra.kroneckerEigenvalues(factors.output().eigenvalues().orElseThrow(),
                factors.input().eigenvalues().orElseThrow(), 0.0);
    }

    /** (Q_newᵀ Q_old)^{∘2}: entry (i, j) is the share of old basis vector j in new basis vector i. */
    static INDArray squaredOverlap(INDArray newVectors, INDArray oldVectors) {
        INDArray overlap = Nd4j.gemm(newVectors, oldVectors, true, false);
        return overlap.muli(overlap);
    }

    /**
     * diag(Q_newᵀ Q_old diag(vec S) Q_oldᵀ Q_new) = R_G S R_Aᵀ for squared overlaps R_G (m×m) and
     * R_A ((n+1)×(n+1)); a null side did not move (identity).
     */
    static INDArray rotate(INDArray scalings, INDArray outputOverlap, INDArray inputOverlap) {
        INDArray result = outputOverlap == null ? scalings : outputOverlap.mmul(scalings);
        return inputOverlap == null ? result : Nd4j.gemm(result, inputOverlap, false, true);
    }

    /**
     * Q_G [(Q_Gᵀ V Q_A) ⊘ (S + λ)] Q_Aᵀ, the exact (Q diag(vec S) Qᵀ + λI)⁻¹ vec(V); the gradient
     * unchanged before the first basis exists.
     */
    @Override
    public INDArray precondition(INDArray gradient, double damping) {
        Optional<INDArray> inputVectors = factors.input().eigenvectors();
        Optional<INDArray> outputVectors = factors.output().eigenvectors();
        if (inputVectors.isPresent() && outputVectors.isPresent()) {
            preconditionDamping = damping;
            return KroneckerAlgebra.applyEigenInverse(outputVectors.get(), gradient, inputVectors.get(),
                    scalings.value().add(damping), scratch);
        }
        if (!warnedPassThrough) {
            warnedPassThrough = true;
            LOG.warn("{}: no eigenbasis available yet; passing the gradient through", layer().name());
        }
        return gradient.dup();
    }

    /**
     * Q_G [(Q_Gᵀ V Q_A) ∘ (S + λ)] Q_Aᵀ = (Q diag(vec S) Qᵀ + λI) vec(V), with the eigenbasis of the
     * last refresh and the current scalings (always expressed in that basis): exactly the matrix
     * {@link #precondition} inverts, so {@code precondition(multiply(v, λ), λ)} = v at any time.
     * Before the first basis exists the block passes gradients through and this is the identity.
     */
    @Override
    public INDArray multiply(INDArray vector, double damping) {
        if (!(damping >= 0) || Double.isInfinite(damping)) {
            throw new IllegalArgumentException("damping must be in [0, ∞), got " + damping);
        }
        Optional<INDArray> inputVectors = factors.input().eigenvectors();
        Optional<INDArray> outputVectors = factors.output().eigenvectors();
        if (inputVectors.isEmpty() || outputVectors.isEmpty()) {
            return vector.dup();
        }
        return KroneckerAlgebra.applyEigen(outputVectors.get(), vector, inputVectors.get(),
                scalings.value().add(damping));
    }

    /** The λ of the last preconditioning, applied exactly (S + λ): the store never raises it. */
    @Override
    public Optional<DampingInUse> dampingInUse() {
        return Double.isNaN(preconditionDamping) ? Optional.empty()
                : Optional.of(DampingInUse.exact(preconditionDamping));
    }

    /**
     * Q diag(vec S) Qᵀ with Q = Q_A ⊗ Q_G, over the column-major vec of the m×(n+1) weights; empty
     * before the first basis exists.
     */
    @Override
    public Optional<INDArray> curvatureMatrix() {
        Optional<INDArray> inputVectors = factors.input().eigenvectors();
        Optional<INDArray> outputVectors = factors.output().eigenvectors();
        if (inputVectors.isEmpty() || outputVectors.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(NdArrays.detached(() -> {
            INDArray basis = KroneckerAlgebra.kron(inputVectors.get(), outputVectors.get());
            INDArray diagonal = Nd4j.toFlattened('f', scalings.value()).reshape(1, basis.columns());
            return Nd4j.gemm(basis.mulRowVector(diagonal), basis, false, true);
        }));
    }

    @Override
    public String toString() {
        return "EkfacBlock{" + layer() + ", scalingsAfterRefresh=" + afterRefresh + "}";
    }
}
