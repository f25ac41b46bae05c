package org.kron4j.api.store;

import java.util.List;
import java.util.Optional;
import org.kron4j.api.checkpoint.StateReader;
import org.kron4j.api.checkpoint.StateWriter;
import org.kron4j.api.support.NdArrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One symmetric positive semi-definite curvature factor (K-FAC's A or G, a Shampoo statistic L_i):
 * its moving average and its cached decompositions, owned by a {@link FactorStore}.
 *
 * <p><b>Moving average</b> ({@link MovingAverage}). The k-th {@link #absorb} (k = 1, 2, …) folds a
 * batch mean M in as F ← (1 − w) F + w M with w = max(1 − β, 1/k), β the store's decay. The first batch therefore
 * sets F = M (no bias towards zero), the first 1/(1 − β) batches are averaged uniformly, and
 * β = 1 keeps the exact running mean of all batches.
 *
 * <p><b>Decompositions and their fallback chain</b> (the store's, shared by every variant):
 * <ol>
 *   <li>decompose in the store's decomposition precision;</li>
 *   <li>on failure, retry in float64 (or, when float64 was the one that failed, in float32: the
 *       float64 kernels are the ones a broken BLAS build gets wrong, see
 *       {@link org.kron4j.api.linalg.LinearAlgebras#platformCheck()});</li>
 *   <li>inverses only: raise the damping tenfold, up to three times;</li>
 *   <li>keep the last good decomposition (or none, before the first success).</li>
 * </ol>
 * Steps 1-3 run in {@link FactorDecomposition} (pure, from a {@link #snapshot()}, on any thread), step 4
 * in {@link #install} on the training thread. Every fallback is logged through SLF4J and counted in the
 * store's {@link DecompositionCounters} at install.
 * A failed refresh leaves every cached decomposition bit-identical.
 *
 * <p>Memory: dim² values for the average plus dim² for the inverse and dim² + dim for the
 * eigendecomposition once requested, in the storage precision.
 *
 * <p>Not thread-safe: one thread (the optimizer's) calls it.
 */
public final class SymmetricFactor implements StoreEntry {
    private static final Logger LOG = LoggerFactory.getLogger(SymmetricFactor.class);


    private final FactorStore store;
    private final String block;
    private final String role;
    private final int dim;
    private final INDArray average;
    private long absorbed;
    private INDArray inverse;
    private double inverseDamping = Double.NaN;
    private INDArray eigenvalues;
    private INDArray eigenvectors;

    SymmetricFactor(FactorStore store, String block, String role, int dim) {
        this.store = store;
        this.block = block;
        this.role = role;
        this.dim = dim;
        this.average = Nd4j.zeros(store.storagePrecision().dataType(), dim, dim);
    }

    public int dim() {
        return dim;
    }

    @Override
    public String block() {
        return block;
    }

    @Override
    public String role() {
        return role;
    }

    /** The moving average, live; callers must not modify it. */
    public INDArray average() {
        return average;
    }

    /** How many batches have been folded in. */
    public long absorbed() {
        return absorbed;
    }

    /** tr(F) / dim, the factor's mean eigenvalue (used by the π rule of factored damping). */
    public double meanEigenvalue() {
        return NdArrays.trace(average) / dim;
    }

    /**
     * Folds in one batch's contribution, given additively as a sum of outer products and the
     * number of terms behind it (so contributions from several workers can be added first).
     *
     * @param sum   dim×dim sum of outer products, any floating type; not modified
     * @param count the number of terms in the sum (≥ 1)
     */
    public void absorb(INDArray sum, double count) {
        if (!(count > 0)) {
            throw new IllegalArgumentException("count must be > 0, got " + count);
        }
        if (sum.rank() != 2 || sum.rows() != dim || sum.columns() != dim) {
            throw new IllegalArgumentException(block + "/" + role + ": expected a " + dim + "x" + dim
                    + " sum, got " + java.util.Arrays.toString(sum.shape()));
        }
        double weight = MovingAverage.weight(store.decay(), absorbed + 1);
        NdArrays.detached(() -> MovingAverage.fold(average, sum, count, weight));
        absorbed++;
    }

    /** The damped inverse (F + d I)⁻¹ of the last successful {@link #refreshInverse}, if any. */
    public Optional<INDArray> inverse() {
        return Optional.ofNullable(inverse);
    }

    /** The damping d the current inverse was computed with (it may exceed the requested one). */
    public double inverseDamping() {
        return inverseDamping;
    }

    /** Eigenvalues (ascending, clipped at 0) of the last successful {@link #refreshEigen}, if any. */
    public Optional<INDArray> eigenvalues() {
        return Optional.ofNullable(eigenvalues);
    }

    /** Eigenvectors (columns) of the last successful {@link #refreshEigen}, if any. */
    public Optional<INDArray> eigenvectors() {
        return Optional.ofNullable(eigenvectors);
    }

    /**
     * A copy of the average for a decomposition computed elsewhere ({@link FactorDecomposition});
     * O(dim²) on the calling thread.
     */
    public FactorSnapshot snapshot() {
        return NdArrays.detached(() -> new FactorSnapshot(block, role, average.dup('c'), store.decompositionPrecision(),
                store.storagePrecision()));
    }

    /** Recomputes (F + damping·I)⁻¹ through the fallback chain: {@code install(inverse(snapshot(), damping))}. */
    public RefreshOutcome refreshInverse(double damping) {
        return install(FactorDecomposition.inverse(snapshot(), damping, store.linearAlgebra()));
    }

    /**
     * Recomputes the eigendecomposition of F through the fallback chain (no damping: it is applied
     * exactly later): {@code install(eigen(snapshot()))}.
     */
    public RefreshOutcome refreshEigen() {
        return install(FactorDecomposition.eigen(snapshot(), store.linearAlgebra()));
    }

    /**
     * Finishes the fallback chain for a decomposition computed from a {@link #snapshot()} of this
     * factor: swaps it in when it succeeded, otherwise keeps the last good one of its kind (or none);
     * counts the outcome in the store's counters and logs any fallback. Training thread only.
     *
     * @return the outcome, as the synchronous refresh would have reported it
     */
    public RefreshOutcome install(FactorDecomposition decomposition) {
        RefreshOutcome outcome;
        boolean inverseKind = decomposition.kind() == FactorDecomposition.Kind.INVERSE;
        if (decomposition.succeeded()) {
            outcome = decomposition.outcome().orElseThrow();
            if (inverseKind) {
                INDArray value = decomposition.inverse().orElseThrow();
                requireShape(value, dim, dim, "inverse");
                inverse = value;
                inverseDamping = decomposition.inverseDamping();
            } else {
                INDArray vectors = decomposition.eigenvectors().orElseThrow();
                INDArray values = decomposition.eigenvalues().orElseThrow();
                requireShape(vectors, dim, dim, "eigenvectors");
                if (values.length() != dim) {
                    throw new IllegalArgumentException(block + "/" + role + ": " + values.length()
                            + " eigenvalues for a factor of dimension " + dim);
                }
                eigenvalues = values;
                eigenvectors = vectors;
            }
        } else {
            boolean hadOne = inverseKind ? inverse != null : eigenvectors != null;
            outcome = hadOne ? RefreshOutcome.KEPT_LAST_GOOD : RefreshOutcome.NONE_AVAILABLE;
        }
        report(inverseKind ? "inverse" : "eigendecomposition", outcome, decomposition.failures());
        return outcome;
    }

    private void requireShape(INDArray value, long rows, long columns, String what) {
        if (value.rank() != 2 || value.rows() != rows || value.columns() != columns) {
            throw new IllegalArgumentException(block + "/" + role + ": " + what + " of shape "
                    + java.util.Arrays.toString(value.shape()) + " for a factor of dimension " + dim);
        }
    }

    private void report(String what, RefreshOutcome outcome, List<String> failures) {
        store.counters().record(outcome);
        if (outcome == RefreshOutcome.FRESH) {
            return;
        }
        if (outcome.isFailure()) {
            LOG.warn("{}/{}: {} failed ({}); {}", block, role, what, String.join("; ", failures),
                    outcome == RefreshOutcome.KEPT_LAST_GOOD ? "keeping the last good one"
                            : "no decomposition yet: the block passes gradients through");
        } else {
            LOG.warn("{}/{}: {} needed a fallback: {} (after: {})", block, role, what, outcome,
                    String.join("; ", failures));
        }
    }

    @Override
    public long bytes() {
        long total = average.length();
        if (inverse != null) {
            total += inverse.length();
        }
        if (eigenvectors != null) {
            total += eigenvectors.length() + eigenvalues.length();
        }
        return total * average.dataType().width();
    }

    @Override
    public void write(StateWriter writer, String key) {
        writer.putArray(key + ".average", average);
        writer.putLong(key + ".absorbed", absorbed);
        writer.putArray(key + ".inverse", inverse);
        writer.putDouble(key + ".inverseDamping", inverseDamping);
        writer.putArray(key + ".eigenvalues", eigenvalues);
        writer.putArray(key + ".eigenvectors", eigenvectors);
    }

    @Override
    public void read(StateReader reader, String key) {
        DataType type = average.dataType();
        INDArray storedAverage = reader.array(key + ".average", type, dim, dim);
        INDArray storedInverse = reader.array(key + ".inverse", type, dim, dim);
        INDArray storedValues = reader.array(key + ".eigenvalues");
        INDArray storedVectors = reader.array(key + ".eigenvectors", type, dim, dim);
        long storedAbsorbed = reader.getLong(key + ".absorbed");
        double storedDamping = reader.getDouble(key + ".inverseDamping");
        NdArrays.detached(() -> {
            average.assign(storedAverage);
            inverse = storedInverse == null ? null : storedInverse.dup();
            eigenvalues = storedValues == null ? null : storedValues.castTo(type).dup();
            eigenvectors = storedVectors == null ? null : storedVectors.dup();
        });
        absorbed = storedAbsorbed;
        inverseDamping = storedDamping;
    }
}
