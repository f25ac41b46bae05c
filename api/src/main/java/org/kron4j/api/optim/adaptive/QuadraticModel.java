package org.kron4j.api.optim.adaptive;

/**
 * The local quadratic model of the batch loss restricted to the span of (at most) two update
 * directions, and its minimiser: the learning rate and momentum of Martens and Grosse 2015, §7.
 *
 * <p>With the loss h, its gradient g, the curvature C (the exact Gauss-Newton matrix of the batch,
 * not the Kronecker approximation), weight decay η and damping λ, the model of a step δ is
 * <pre>
 *   M(δ) = h(θ) + gᵀδ + ½ δᵀ (C + ηI) δ,            M_λ(δ) = M(δ) + ½ λ δᵀδ.
 * </pre>
 * For δ = w₁v₁ + w₂v₂ it is a quadratic in w = (w₁, w₂) with the 2×2 matrices built from the
 * products {@code vᵢᵀ C vⱼ} ({@link #curvature}), {@code vᵢᵀ vⱼ} ({@link #gram}) and the vector
 * {@code gᵀ vᵢ} ({@link #gradientProducts}). {@link #solve} minimises the damped model M_λ (the
 * damping keeps the step inside the region where the model is trusted) and reports the change
 * M(δ) − M(0) of the undamped model, which is what the Levenberg-Marquardt reduction ratio
 * compares the real loss change to (kfac-jax does the same by default).
 *
 * <p>In K-FAC the directions are v₁ = Δ, the preconditioned gradient (a descent direction is −Δ),
 * and v₂ = δ₀, the previous update; then α = −w₁ is the learning rate and μ = w₂ the momentum. On
 * the first step (no previous update) or whenever δ₀ = 0 the model has one direction.
 *
 * <p>Immutable; all arithmetic in float64.
 */
public final class QuadraticModel {
    private final double[][] curvature;
    private final double[][] gram;
    private final double[] gradient;

    private QuadraticModel(double[][] curvature, double[][] gram, double[] gradient) {
        this.curvature = curvature;
        this.gram = gram;
        this.gradient = gradient;
    }

    /**
     * A model over one direction v.
     *
     * @param vCv vᵀ(C + ηI)v, the curvature along v (including weight decay)
     * @param vv  vᵀv
     * @param gv  gᵀv
     */
    public static QuadraticModel of(double vCv, double vv, double gv) {
        checkFinite("one-direction model", new double[] {vCv, vv, gv});
        return new QuadraticModel(new double[][] {{vCv}}, new double[][] {{vv}}, new double[] {gv});
    }

    /**
     * A model over two directions v₁, v₂.
     *
     * @param curvature the symmetric 2×2 matrix vᵢᵀ(C + ηI)vⱼ
     * @param gram      the symmetric 2×2 matrix vᵢᵀvⱼ
     * @param gradient  the 2-vector gᵀvᵢ
     * @throws IllegalArgumentException when a matrix is not 2×2 and symmetric, or an entry is not finite
     */
    public static QuadraticModel of(double[][] curvature, double[][] gram, double[] gradient) {
        checkSymmetric2x2("curvature", curvature);
        checkSymmetric2x2("gram", gram);
        if (gradient.length != 2) {
            throw new IllegalArgumentException("gradient products must have 2 entries, got " + gradient.length);
        }
        checkFinite("gradient products", gradient);
        return new QuadraticModel(copy(curvature), copy(gram), gradient.clone());
    }

    /** The number of directions, 1 or 2. */
    public int directions() {
        return gradient.length;
    }

    public double curvature(int i, int j) {
        return curvature[i][j];
    }

    public double gram(int i, int j) {
        return gram[i][j];
    }

    public double gradientProduct(int i) {
        return gradient[i];
    }

    /**
     * The undamped model change M(δ) − M(0) = gᵀδ + ½ δᵀ(C + ηI)δ for δ = Σ wᵢvᵢ.
     *
     * @param w one coefficient per direction
     */
    public double change(double... w) {
        if (w.length != gradient.length) {
            throw new IllegalArgumentException("expected " + gradient.length + " coefficients, got " + w.length);
        }
        double value = 0;
        for (int i = 0; i < w.length; i++) {
            value += w[i] * gradient[i];
            for (int j = 0; j < w.length; j++) {
                value += 0.5 * w[i] * curvature[i][j] * w[j];
            }
        }
        return value;
    }

    /**
     * Minimises the damped model M_λ over the coefficients: w = −(K + λG)⁻¹ b with K the curvature
     * matrix, G the Gram matrix and b the gradient products. A direction that is zero (vᵢᵀvᵢ = 0, e.g.
     * the previous update on the first step) gets coefficient 0 and the other is solved alone; when
     * the damped matrix is not positive definite along a direction (which a PSD curvature and λ > 0
     * exclude unless the direction is zero) that coefficient is 0 too, so the returned step never
     * increases the model.
     *
     * @param damping λ ≥ 0
     */
    public Solution solve(double damping) {
        if (!(damping >= 0) || Double.isInfinite(damping)) {
            throw new IllegalArgumentException("damping must be in [0, ∞), got " + damping);
        }
        double[] w = new double[gradient.length];
        if (gradient.length == 1) {
            w[0] = solveOne(0, damping);
        } else if (!(gram[1][1] > 0)) {
            w[0] = solveOne(0, damping);
        } else if (!(gram[0][0] > 0)) {
            w[1] = solveOne(1, damping);
        } else {
            double a = curvature[0][0] + damping * gram[0][0];
            double b = curvature[0][1] + damping * gram[0][1];
            double d = curvature[1][1] + damping * gram[1][1];
            double det = a * d - b * b;
            // The 2×2 system is solved only when clearly positive definite: a determinant that is tiny
            // relative to a·d means v₁ ∥ v₂ (up to rounding), where the one-direction solution is as good.
            if (a > 0 && d > 0 && det > 1e-12 * a * d) {
                w[0] = -(d * gradient[0] - b * gradient[1]) / det;
                w[1] = -(a * gradient[1] - b * gradient[0]) / det;
            } else {
                w[0] = solveOne(0, damping);
            }
        }
        return new Solution(w, change(w));
    }

    private double solveOne(int i, double damping) {
        double a = curvature[i][i] + damping * gram[i][i];
        return a > 0 ? -gradient[i] / a : 0.0;
    }

    /**
     * The minimiser of the damped model.
     *
     * @param coefficients w, one per direction
     * @param change       M(δ) − M(0) of the undamped model at that w (≤ 0 for a PSD model)
     */
    public record Solution(double[] coefficients, double change) {
        public Solution {
            coefficients = coefficients.clone();
        }

        public double coefficient(int i) {
            return coefficients[i];
        }

        @Override
        public double[] coefficients() {
            return coefficients.clone();
        }
    }

    private static void checkSymmetric2x2(String name, double[][] m) {
        if (m.length != 2 || m[0].length != 2 || m[1].length != 2) {
            throw new IllegalArgumentException(name + " must be 2x2");
        }
        checkFinite(name, m[0]);
        checkFinite(name, m[1]);
        double scale = Math.max(Math.abs(m[0][1]), Math.abs(m[1][0]));
        if (Math.abs(m[0][1] - m[1][0]) > 1e-9 * Math.max(scale, Double.MIN_NORMAL)) {
            throw new IllegalArgumentException(name + " must be symmetric, got " + m[0][1] + " and " + m[1][0]);
        }
    }

    private static void checkFinite(String name, double[] values) {
        for (double v : values) {
            if (!Double.isFinite(v)) {
                throw new IllegalArgumentException(name + " must be finite, got " + v);
            }
        }
    }

    private static double[][] copy(double[][] m) {
        return new double[][] {m[0].clone(), m[1].clone()};
    }
}
