package org.kron4j.api.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.kron4j.api.checkpoint.StateReader;
import org.kron4j.api.checkpoint.StateWriter;
import org.kron4j.api.linalg.EigenDecomposition;
import org.kron4j.api.linalg.SpdInverse;
import org.kron4j.api.support.NdArrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
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
 * Every fallback is logged through SLF4J and counted in the store's {@link DecompositionCounters}.
 * A failed refresh leaves every cached decomposition bit-identical.
 *
 * <p>Memory: dim² values for the average plus dim² for the inverse and dim² + dim for the
 * eigendecomposition once requested, in the storage precision.
 *
 * <p>Not thread-safe: one thread (the optimizer's) calls it.
 */
public final class SymmetricFactor implements StoreEntry {
    private static final Logger LOG = LoggerFactory.getLogger(SymmetricFactor.class);

    /**
     * An eigenvalue below −tol·max|λ| means the factor is not positive semi-definite beyond what
     * rounding explains, and the decomposition is rejected. Averages of outer products are PSD in
     * exact arithmetic; float32 accumulation over dim ≤ 10⁴ perturbs eigenvalues by about
     * dim·2⁻²⁴·‖F‖ ≤ 6e-4·‖F‖, so 1e-3 separates rounding from corruption. Smaller negative
     * eigenvalues are clipped to 0.
     */
    static final double NEGATIVE_EIGENVALUE_TOLERANCE = 1e-3;
    private static final int DAMPING_RAISES = 3;

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

    /** Recomputes (F + damping·I)⁻¹ through the fallback chain. */
    public RefreshOutcome refreshInverse(double damping) {
        if (!(damping >= 0) || Double.isInfinite(damping)) {
            throw new IllegalArgumentException("damping must be in [0, ∞), got " + damping);
        }
        return NdArrays.detached(() -> {
            List<String> failures = new ArrayList<>();
            DataType configured = store.decompositionPrecision().dataType();
            SpdInverse result = tryInverse(configured, damping, failures);
            RefreshOutcome outcome = RefreshOutcome.FRESH;
            double used = damping;
            if (!result.succeeded()) {
                outcome = configured == DataType.DOUBLE ? RefreshOutcome.RETRIED_IN_FLOAT
                        : RefreshOutcome.RETRIED_IN_DOUBLE;
                result = tryInverse(otherPrecision(configured), damping, failures);
            }
            if (!result.succeeded()) {
                double raised = Math.max(Math.max(damping, 1e-6 * Math.abs(meanEigenvalue())), 1e-12);
                for (int i = 0; i < DAMPING_RAISES && !result.succeeded(); i++) {
                    raised *= 10;
                    used = raised;
                    result = tryInverse(DataType.DOUBLE, raised, failures);
                    outcome = RefreshOutcome.RAISED_DAMPING;
                }
            }
            if (result.succeeded()) {
                // the kernel's result is fresh and ours (its contract): no copy when the type already fits
                inverse = NdArrays.as(result.inverse(), store.storagePrecision().dataType());
                inverseDamping = used;
            } else {
                outcome = inverse == null ? RefreshOutcome.NONE_AVAILABLE : RefreshOutcome.KEPT_LAST_GOOD;
            }
            report("inverse", outcome, failures);
            return outcome;
        });
    }

    /** Recomputes the eigendecomposition of F through the fallback chain (no damping: it is applied exactly later). */
    public RefreshOutcome refreshEigen() {
        return NdArrays.detached(() -> {
            List<String> failures = new ArrayList<>();
            DataType configured = store.decompositionPrecision().dataType();
            EigenDecomposition result = tryEigen(configured, failures);
            RefreshOutcome outcome = RefreshOutcome.FRESH;
            if (result == null) {
                outcome = configured == DataType.DOUBLE ? RefreshOutcome.RETRIED_IN_FLOAT
                        : RefreshOutcome.RETRIED_IN_DOUBLE;
                result = tryEigen(otherPrecision(configured), failures);
            }
            if (result != null) {
                DataType storage = store.storagePrecision().dataType();
                eigenvalues = NdArrays.as(result.eigenvalues(), storage);
                eigenvectors = NdArrays.as(result.eigenvectors(), storage);
            } else {
                outcome = eigenvectors == null ? RefreshOutcome.NONE_AVAILABLE : RefreshOutcome.KEPT_LAST_GOOD;
            }
            report("eigendecomposition", outcome, failures);
            return outcome;
        });
    }

    private static DataType otherPrecision(DataType type) {
        return type == DataType.DOUBLE ? DataType.FLOAT : DataType.DOUBLE;
    }

    /**
     * The average in {@code type}, made exactly symmetric: the kernels read one triangle but their
     * result checks use the whole matrix, and float32 accumulation of outer products leaves the two
     * triangles a few ulps apart. O(dim²), once per refresh attempt.
     */
    private INDArray symmetricCopy(DataType type) {
        INDArray copy = NdArrays.copyAs(average, type);
        return copy.add(copy.transpose()).muli(0.5); // not addi: the transpose is a view of copy
    }

    private SpdInverse tryInverse(DataType type, double damping, List<String> failures) {
        INDArray matrix = NdArrays.addToDiagonal(symmetricCopy(type), damping);
        SpdInverse result;
        try {
            result = store.linearAlgebra().spdInverse(matrix);
        } catch (RuntimeException e) {
            result = SpdInverse.failed(e.toString());
        }
        if (!result.succeeded()) {
            failures.add(type + " at damping " + damping + ": " + result.failure().orElse("?"));
        }
        return result;
    }

    /** A checked, clipped decomposition, or null after recording why it was rejected. */
    private EigenDecomposition tryEigen(DataType type, List<String> failures) {
        EigenDecomposition result;
        try {
            result = store.linearAlgebra().eigh(symmetricCopy(type));
        } catch (RuntimeException e) {
            result = EigenDecomposition.failed(e.toString());
        }
        if (result.succeeded()) {
            // a successful result is finite (the kernel's contract); what remains to check is definiteness.
            // Eigenvalues are ascending, so the extremes are the first and last entries.
            INDArray values = result.eigenvalues();
            double smallest = values.getDouble(0);
            double scale = Math.max(Math.abs(smallest), Math.abs(values.getDouble(values.length() - 1)));
            if (smallest < -NEGATIVE_EIGENVALUE_TOLERANCE * Math.max(scale, Double.MIN_NORMAL)) {
                result = EigenDecomposition.failed("not positive semi-definite: smallest eigenvalue " + smallest
                        + " against largest magnitude " + scale);
            } else if (smallest < 0) {
                result = EigenDecomposition.of(Transforms.max(values, 0.0, false), result.eigenvectors());
            }
        }
        if (!result.succeeded()) {
            failures.add(type + ": " + result.failure().orElse("?"));
            return null;
        }
        return result;
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
