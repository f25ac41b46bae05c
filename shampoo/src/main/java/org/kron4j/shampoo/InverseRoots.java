package org.kron4j.shampoo;

import java.util.Objects;
import org.kron4j.api.support.NdArrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Inverse p-th roots (A + εI)^{-1/p} of symmetric positive semi-definite matrices, the kernel of
 * Shampoo's refresh, by two routes:
 *
 * <ul>
 *   <li>{@link #fromEigen}: Q (Λ + ε)^{-e} Qᵀ from an eigendecomposition A = QΛQᵀ, any exponent e;
 *       the accuracy is that of the eigendecomposition (relative error about κ(A + εI)·u·n in the
 *       directions of the smallest eigenvalues).</li>
 *   <li>{@link #coupledNewton}: the coupled Newton iteration for the inverse p-th root (Guo and
 *       Higham, "A Schur–Newton method for the matrix p-th root and its inverse", SIAM J. Matrix
 *       Anal. Appl. 28(3), 2006; in the form of Anil et al., "Scalable Second Order Optimization
 *       for Deep Learning", 2020): with z = (1+p) / (2‖A + εI‖_F),
 *       <pre>
 *   M₀ = z (A + εI),   H₀ = z^{1/p} I,
 *   T_k = ((p+1) I − M_k) / p,   M_{k+1} = T_k^p M_k,   H_{k+1} = H_k T_k.
 *       </pre>
 *       Invariant: M_k = H_k^p (A + εI), so M_k → I forces H_k → (A + εI)^{-1/p}. Since
 *       ‖·‖₂ ≤ ‖·‖_F, M₀'s eigenvalues lie in (0, (p+1)/2], inside the region of convergence
 *       (0, p+1). Small eigenvalues μ grow by about (1 + 1/p)^p ≥ 2.25 per step (linear phase),
 *       then convergence is quadratic; a condition number of 10⁸ takes about 30 steps. Each step
 *       costs ⌈log₂ p⌉ + popcount(p) + 1 products of n×n matrices, all in float64. The iteration
 *       stops when the residual ‖M_k − I‖_max ≤ tolerance (accepted), when it grows by more than
 *       20% in one step (diverging: the previous iterate is returned), or after
 *       {@code maxIterations} steps; only a residual within the tolerance is accepted.</li>
 * </ul>
 *
 * <p>Everything runs in ND4J float64 operations (no host loops), so it works on any backend.
 * Stateless.
 */
public final class InverseRoots {

    /** Allowed growth of the residual in one Newton step before the iteration is declared diverging (Anil et al.). */
    static final double DIVERGENCE_FACTOR = 1.2;

    /** Power-iteration steps of {@link #largestEigenvalue}. */
    static final int POWER_ITERATIONS = 40;

    private InverseRoots() {
    }

    /**
     * The outcome of an iterative root.
     *
     * @param root       the last accepted iterate H (float64, n×n); never null, possibly inaccurate
     * @param residual   ‖M − I‖_max of that iterate
     * @param iterations Newton steps taken
     * @param accurate   true when the residual is within the tolerance and H is finite
     * @param failure    why the root is not accurate; null when it is
     */
    public record Root(INDArray root, double residual, int iterations, boolean accurate, String failure) {
    }

    /**
     * Q diag((λ + ε)^{-exponent}) Qᵀ in float64.
     *
     * @param eigenvectors n×n, eigenvectors in columns (any floating type)
     * @param eigenvalues  length n, all ≥ 0 (any floating type)
     * @param epsilon      ε ≥ 0 added to every eigenvalue
     * @param exponent     e > 0
     * @return a new float64 n×n matrix; non-finite when some λ + ε is 0
     */
    public static INDArray fromEigen(INDArray eigenvectors, INDArray eigenvalues, double epsilon, double exponent) {
        Objects.requireNonNull(eigenvectors, "eigenvectors");
        Objects.requireNonNull(eigenvalues, "eigenvalues");
        requireExponent(exponent);
        return power(eigenvectors, eigenvalues, epsilon, -exponent);
    }

    /**
     * Q diag((λ + ε)^{power}) Qᵀ in float64, any real power (Shampoo's curvature × vector uses the
     * positive power, its preconditioner the negative one).
     *
     * @return a new float64 n×n matrix; non-finite when some λ + ε is 0 and the power is negative
     */
    static INDArray power(INDArray eigenvectors, INDArray eigenvalues, double epsilon, double power) {
        return NdArrays.detached(() -> {
            INDArray q = NdArrays.copyAs(eigenvectors, DataType.DOUBLE);
            INDArray scales = Transforms.pow(NdArrays.copyAs(eigenvalues, DataType.DOUBLE).reshape(1, q.columns())
                    .addi(epsilon), power, false);
            return q.mulRowVector(scales).mmul(q.transpose());
        });
    }

    /**
     * (A + εI)^{-1/p} by the coupled Newton iteration (see the class comment).
     *
     * @param a             symmetric positive semi-definite n×n matrix (any floating type), not modified
     * @param p             the root, ≥ 1
     * @param epsilon       ε ≥ 0
     * @param tolerance     accept when ‖M − I‖_max ≤ tolerance
     * @param maxIterations at most this many Newton steps
     */
    public static Root coupledNewton(INDArray a, int p, double epsilon, double tolerance, int maxIterations) {
        Objects.requireNonNull(a, "a");
        if (p < 1) {
            throw new IllegalArgumentException("p must be >= 1, got " + p);
        }
        if (a.rank() != 2 || a.rows() != a.columns()) {
            throw new IllegalArgumentException("expected a square matrix, got shape " + java.util.Arrays.toString(a.shape()));
        }
        return NdArrays.detached(() -> newton(a, p, epsilon, tolerance, maxIterations));
    }

    private static Root newton(INDArray a, int p, double epsilon, double tolerance, int maxIterations) {
        int n = a.rows();
        INDArray damped = NdArrays.addToDiagonal(NdArrays.copyAs(a, DataType.DOUBLE), epsilon);
        INDArray identity = Nd4j.eye(n).castTo(DataType.DOUBLE);
        double norm = damped.norm2Number().doubleValue();
        if (!(norm > 0) || !Double.isFinite(norm)) {
            return new Root(identity, Double.NaN, 0, false,
                    "‖A + εI‖_F is " + norm + ": the matrix is zero or not finite");
        }
        double z = (1.0 + p) / (2.0 * norm);
        INDArray m = damped.muli(z);
        INDArray h = identity.mul(Math.pow(z, 1.0 / p));
        double residual = maxAbsDifference(m, identity);
        int iterations = 0;
        while (iterations < maxIterations && residual > tolerance) {
            INDArray t = identity.mul((p + 1.0) / p).subi(m.div(p));
            INDArray nextM = power(t, p).mmul(m);
            INDArray nextH = h.mmul(t);
            double nextResidual = maxAbsDifference(nextM, identity);
            iterations++;
            if (!Double.isFinite(nextResidual) || nextResidual > DIVERGENCE_FACTOR * residual) {
                // The loop only runs while the residual exceeds the tolerance, so this is a failure.
                return new Root(h, residual, iterations, false, "coupled Newton diverged at step " + iterations
                        + ": residual " + nextResidual + " after " + residual + " (tolerance " + tolerance + ")");
            }
            m = nextM;
            h = nextH;
            residual = nextResidual;
        }
        if (!NdArrays.isFinite(h)) {
            return new Root(h, residual, iterations, false, "coupled Newton produced non-finite entries");
        }
        if (residual > tolerance) {
            return new Root(h, residual, iterations, false, "coupled Newton did not converge in " + iterations
                    + " steps: residual ‖M − I‖_max = " + residual + " > tolerance " + tolerance);
        }
        return new Root(h, residual, iterations, true, null);
    }

    /** M^p by binary exponentiation (p ≥ 1): ⌈log₂ p⌉ squarings and popcount(p) − 1 further products. */
    static INDArray power(INDArray m, int p) {
        INDArray result = null;
        INDArray base = m;
        int remaining = p;
        while (true) {
            if ((remaining & 1) == 1) {
                result = result == null ? base : result.mmul(base);
            }
            remaining >>= 1;
            if (remaining == 0) {
                return result;
            }
            base = base.mmul(base);
        }
    }

    /**
     * An estimate of λ_max of a symmetric positive semi-definite matrix: the Rayleigh quotient after
     * {@value #POWER_ITERATIONS} power-iteration steps from the fixed start vector (1, 2, …, n)/‖·‖.
     * It never exceeds λ_max and is within a few per cent of it unless the top two eigenvalues are
     * nearly equal (when either is as good a scale) or the start vector is nearly orthogonal to
     * the top eigenvector (not the case for the averaged gradient statistics Shampoo sees).
     * Returns 0 for the zero matrix.
     */
    public static double largestEigenvalue(INDArray a) {
        return NdArrays.detached(() -> {
            INDArray matrix = NdArrays.as(a, DataType.DOUBLE);
            int n = matrix.rows();
            INDArray x = Nd4j.linspace(DataType.DOUBLE, 1, n, 1).reshape(n, 1);
            x.divi(x.norm2Number());
            double rayleigh = 0;
            for (int i = 0; i < POWER_ITERATIONS; i++) {
                INDArray y = matrix.mmul(x);
                rayleigh = x.mul(y).sumNumber().doubleValue();
                double length = y.norm2Number().doubleValue();
                if (!(length > 0) || !Double.isFinite(length)) {
                    return Math.max(rayleigh, 0.0);
                }
                x = y.divi(length);
            }
            return Math.max(rayleigh, 0.0);
        });
    }

    private static double maxAbsDifference(INDArray m, INDArray identity) {
        return m.sub(identity).amaxNumber().doubleValue();
    }

    private static void requireExponent(double exponent) {
        if (!(exponent > 0) || Double.isInfinite(exponent)) {
            throw new IllegalArgumentException("exponent must be in (0, ∞), got " + exponent);
        }
    }
}
