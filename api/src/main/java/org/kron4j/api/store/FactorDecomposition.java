package org.kron4j.api.store;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.kron4j.api.linalg.EigenDecomposition;
import org.kron4j.api.linalg.SpdInverse;
import org.kron4j.api.linalg.SymmetricLinearAlgebra;
import org.kron4j.api.refresh.RefreshResult;
import org.kron4j.api.support.NdArrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * One decomposition of a {@link FactorSnapshot} computed through the first steps of the store's
 * fallback chain (see {@link SymmetricFactor}): the configured precision, the other precision, and
 * for inverses up to three tenfold damping raises. Pure: it reads the snapshot only, so it may run
 * on any thread; {@link SymmetricFactor#install} finishes the chain on the training thread (keep
 * the last good decomposition, count, log).
 *
 * <p>Results are in the storage precision. As named arrays in a {@link RefreshResult}, under a
 * prefix p (the factor's role and a dot by convention): {@code p+"inverse"} and scalar
 * {@code p+"inverseDamping"}, or {@code p+"eigenvalues"} and {@code p+"eigenvectors"}; text
 * {@code p+"kind"} ("inverse" or "eigen"), {@code p+"outcome"} (a {@link RefreshOutcome} name, or
 * "FAILED") and {@code p+"failures"} (what went wrong on the way, when anything did).
 */
public final class FactorDecomposition {
    /** The two kinds a factor caches. */
    public enum Kind {
        INVERSE, EIGEN
    }

    private static final String FAILED = "FAILED";
    /**
     * An eigenvalue below −tol·max|λ| means the factor is not positive semi-definite beyond what
     * rounding explains, and the decomposition is rejected. Averages of outer products are PSD in
     * exact arithmetic; float32 accumulation over dim ≤ 10⁴ perturbs eigenvalues by about
     * dim·2⁻²⁴·‖F‖ ≤ 6e-4·‖F‖, so 1e-3 separates rounding from corruption. Smaller negative
     * eigenvalues are clipped to 0.
     */
    static final double NEGATIVE_EIGENVALUE_TOLERANCE = 1e-3;
    private static final int DAMPING_RAISES = 3;

    private final Kind kind;
    private final RefreshOutcome outcome;
    private final INDArray inverse;
    private final double inverseDamping;
    private final INDArray eigenvalues;
    private final INDArray eigenvectors;
    private final List<String> failures;

    private FactorDecomposition(Kind kind, RefreshOutcome outcome, INDArray inverse, double inverseDamping,
            INDArray eigenvalues, INDArray eigenvectors, List<String> failures) {
        this.kind = kind;
        this.outcome = outcome;
        this.inverse = inverse;
        this.inverseDamping = inverseDamping;
        this.eigenvalues = eigenvalues;
        this.eigenvectors = eigenvectors;
        this.failures = List.copyOf(failures);
    }

    /** (F + damping·I)⁻¹ of the snapshot, through the chain up to the damping raises. */
    public static FactorDecomposition inverse(FactorSnapshot snapshot, double damping,
            SymmetricLinearAlgebra linearAlgebra) {
        if (!(damping >= 0) || Double.isInfinite(damping)) {
            throw new IllegalArgumentException("damping must be in [0, ∞), got " + damping);
        }
        Objects.requireNonNull(linearAlgebra, "linearAlgebra");
        return NdArrays.detached(() -> {
            List<String> failures = new ArrayList<>();
            DataType configured = snapshot.decomposition().dataType();
            SpdInverse result = tryInverse(snapshot, linearAlgebra, configured, damping, failures);
            RefreshOutcome outcome = RefreshOutcome.FRESH;
            double used = damping;
            if (!result.succeeded()) {
                outcome = configured == DataType.DOUBLE ? RefreshOutcome.RETRIED_IN_FLOAT
                        : RefreshOutcome.RETRIED_IN_DOUBLE;
                result = tryInverse(snapshot, linearAlgebra, otherPrecision(configured), damping, failures);
            }
            if (!result.succeeded()) {
                double raised = Math.max(Math.max(damping, 1e-6 * Math.abs(snapshot.meanEigenvalue())), 1e-12);
                for (int i = 0; i < DAMPING_RAISES && !result.succeeded(); i++) {
                    raised *= 10;
                    used = raised;
                    result = tryInverse(snapshot, linearAlgebra, DataType.DOUBLE, raised, failures);
                    outcome = RefreshOutcome.RAISED_DAMPING;
                }
            }
            if (!result.succeeded()) {
                return new FactorDecomposition(Kind.INVERSE, null, null, Double.NaN, null, null, failures);
            }
            // the kernel's result is fresh and ours (its contract): no copy when the type already fits
            return new FactorDecomposition(Kind.INVERSE, outcome,
                    NdArrays.as(result.inverse(), snapshot.storage().dataType()), used, null, null, failures);
        });
    }

    /** The eigendecomposition of the snapshot (no damping), through the chain's precision retry. */
    public static FactorDecomposition eigen(FactorSnapshot snapshot, SymmetricLinearAlgebra linearAlgebra) {
        Objects.requireNonNull(linearAlgebra, "linearAlgebra");
        return NdArrays.detached(() -> {
            List<String> failures = new ArrayList<>();
            DataType configured = snapshot.decomposition().dataType();
            EigenDecomposition result = tryEigen(snapshot, linearAlgebra, configured, failures);
            RefreshOutcome outcome = RefreshOutcome.FRESH;
            if (result == null) {
                outcome = configured == DataType.DOUBLE ? RefreshOutcome.RETRIED_IN_FLOAT
                        : RefreshOutcome.RETRIED_IN_DOUBLE;
                result = tryEigen(snapshot, linearAlgebra, otherPrecision(configured), failures);
            }
            if (result == null) {
                return new FactorDecomposition(Kind.EIGEN, null, null, Double.NaN, null, null, failures);
            }
            DataType storage = snapshot.storage().dataType();
            return new FactorDecomposition(Kind.EIGEN, outcome, null, Double.NaN,
                    NdArrays.as(result.eigenvalues(), storage), NdArrays.as(result.eigenvectors(), storage), failures);
        });
    }

    private static DataType otherPrecision(DataType type) {
        return type == DataType.DOUBLE ? DataType.FLOAT : DataType.DOUBLE;
    }

    /**
     * The average in {@code type}, made exactly symmetric: the kernels read one triangle but their
     * result checks use the whole matrix, and float32 accumulation of outer products leaves the two
     * triangles a few ulps apart. O(dim²), once per attempt.
     */
    private static INDArray symmetricCopy(FactorSnapshot snapshot, DataType type) {
        INDArray copy = NdArrays.copyAs(snapshot.average(), type);
        return copy.add(copy.transpose()).muli(0.5); // not addi: the transpose is a view of copy
    }

    private static SpdInverse tryInverse(FactorSnapshot snapshot, SymmetricLinearAlgebra linearAlgebra, DataType type,
            double damping, List<String> failures) {
        INDArray matrix = NdArrays.addToDiagonal(symmetricCopy(snapshot, type), damping);
        SpdInverse result;
        try {
            result = linearAlgebra.spdInverse(matrix);
        } catch (RuntimeException e) {
            result = SpdInverse.failed(e.toString());
        }
        if (!result.succeeded()) {
            failures.add(type + " at damping " + damping + ": " + result.failure().orElse("?"));
        }
        return result;
    }

    /** A checked, clipped decomposition, or null after recording why it was rejected. */
    private static EigenDecomposition tryEigen(FactorSnapshot snapshot, SymmetricLinearAlgebra linearAlgebra,
            DataType type, List<String> failures) {
        EigenDecomposition result;
        try {
            result = linearAlgebra.eigh(symmetricCopy(snapshot, type));
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

    public Kind kind() {
        return kind;
    }

    /** True when a decomposition was obtained (possibly after a fallback). */
    public boolean succeeded() {
        return outcome != null;
    }

    /** The outcome of the chain's steps run so far; empty when every attempt failed. */
    public Optional<RefreshOutcome> outcome() {
        return Optional.ofNullable(outcome);
    }

    public Optional<INDArray> inverse() {
        return Optional.ofNullable(inverse);
    }

    /** The damping the inverse was computed with (NaN without one). */
    public double inverseDamping() {
        return inverseDamping;
    }

    public Optional<INDArray> eigenvalues() {
        return Optional.ofNullable(eigenvalues);
    }

    public Optional<INDArray> eigenvectors() {
        return Optional.ofNullable(eigenvectors);
    }

    /** What failed on the way (empty for a fresh result). */
    public List<String> failures() {
        return failures;
    }

    /** Adds this decomposition to a result under {@code prefix} (see the class comment for the names). */
    public RefreshResult.Builder writeTo(RefreshResult.Builder result, String prefix) {
        result.text(prefix + "kind", kind.name().toLowerCase(java.util.Locale.ROOT))
                .text(prefix + "outcome", outcome == null ? FAILED : outcome.name())
                .text(prefix + "failures", failures.isEmpty() ? null : String.join("\n", failures));
        if (kind == Kind.INVERSE) {
            result.array(prefix + "inverse", inverse).scalar(prefix + "inverseDamping", inverseDamping);
        } else {
            result.array(prefix + "eigenvalues", eigenvalues).array(prefix + "eigenvectors", eigenvectors);
        }
        return result;
    }

    /**
     * Reads back what {@link #writeTo} wrote under {@code prefix}.
     *
     * @throws IllegalArgumentException when the result holds no decomposition under that prefix
     */
    public static FactorDecomposition readFrom(RefreshResult result, String prefix) {
        String kindName = result.text(prefix + "kind").orElseThrow(() -> new IllegalArgumentException(
                "refresh result of '" + result.block() + "' has no decomposition '" + prefix + "'"));
        Kind kind = Kind.valueOf(kindName.toUpperCase(java.util.Locale.ROOT));
        String outcomeName = result.text(prefix + "outcome").orElse(FAILED);
        RefreshOutcome outcome = outcomeName.equals(FAILED) ? null : RefreshOutcome.valueOf(outcomeName);
        List<String> failures = result.text(prefix + "failures").map(t -> List.of(t.split("\n"))).orElse(List.of());
        if (outcome == null) {
            return new FactorDecomposition(kind, null, null, Double.NaN, null, null, failures);
        }
        if (kind == Kind.INVERSE) {
            return new FactorDecomposition(kind, outcome, require(result, prefix + "inverse"),
                    result.scalar(prefix + "inverseDamping"), null, null, failures);
        }
        return new FactorDecomposition(kind, outcome, null, Double.NaN, require(result, prefix + "eigenvalues"),
                require(result, prefix + "eigenvectors"), failures);
    }

    private static INDArray require(RefreshResult result, String name) {
        return result.array(name).orElseThrow(() -> new IllegalArgumentException(
                "refresh result of '" + result.block() + "' lacks array '" + name + "'"));
    }

    @Override
    public String toString() {
        return "FactorDecomposition{" + kind + ", " + (outcome == null ? FAILED : outcome) + "}";
    }
}
