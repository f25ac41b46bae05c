package org.kron4j.api.optim.transform;


import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.kron4j.api.capture.CaptureField;
import org.kron4j.api.optim.QuadraticModelKind;
import org.kron4j.api.optim.adaptive.QuadraticModel;
import org.kron4j.api.store.FactorStore;
import org.kron4j.api.support.DoubleDot;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The learning rate and momentum of adaptive K-FAC (Martens and Grosse 2015, §7): with Δ the
 * preconditioned direction this stage receives, g the regularised gradient (the input of
 * {@link PreconditionByCurvature}, which must run before) and δ₀ the previous update, the update is
 * δ = −αΔ + μδ₀ with (α, μ) the minimiser of the damped quadratic model
 * <pre>
 *   M_λ(δ) = gᵀδ + ½ δᵀ(C + (λ + η)I)δ
 * </pre>
 * over that plane ({@link QuadraticModel#solve}); C is the exact Gauss-Newton matrix of the batch
 * ({@link QuadraticModelKind#EXACT}, {@code BatchOracle.gaussNewtonGram}: one forward-mode pass per
 * direction) or the blocks' own curvature ({@link QuadraticModelKind#APPROXIMATE},
 * {@code CurvatureEstimator.multiply}), η the weight decay (applied to every coordinate in the model)
 * and λ the context's damping ({@link #RESOLVE} lets a later stage re-solve at a larger one). On the first step (step index 0) the model has the one direction Δ
 * (μ = 0). Outputs δ, the parameter change to add (the sign included: it replaces
 * {@link ScaleByLearningRate}, momentum and the KL clip). Leaves α, μ and the undamped model change
 * M(δ) − M(0) under {@link #ALPHA}, {@link #MU} and {@link #MODEL_CHANGE}.
 *
 * <p>State: δ₀, one array per slot in the store under the role {@code "previousUpdate"}, staged
 * (a rejected step keeps the old one) and checkpointed. A model whose products are not finite
 * rejects the step. Products and dot products in float64.
 */
public final class QuadraticModelStep implements UpdateTransform {

    /** The learning rate α of this step (δ = −αΔ + μδ₀). */
    public static final ContextKey<Double> ALPHA = ContextKey.of("alpha", Double.class);
    /** The momentum μ of this step. */
    public static final ContextKey<Double> MU = ContextKey.of("mu", Double.class);
    /** M(δ) − M(0) of the undamped model at the chosen δ (≤ 0). */
    public static final ContextKey<Double> MODEL_CHANGE = ContextKey.of("model change", Double.class);

    /**
     * Re-solves this step's model on the same plane (the same Δ and δ₀, no new curvature products) at
     * another damping, for a later stage that found the step too long ({@link LevenbergMarquardtDamping}'s
     * retries): returns the new δ, stages it as the next δ₀ in place of the first, and replaces
     * {@link #ALPHA}, {@link #MU} and {@link #MODEL_CHANGE}.
     */
    public static final ContextKey<Resolver> RESOLVE = ContextKey.of("model re-solve", Resolver.class);

    /** See {@link #RESOLVE}. */
    @FunctionalInterface
    public interface Resolver {
        /**
         * @param damping the λ of the model's damping term, ≥ 0
         * @return δ, one array per layer
         */
        List<INDArray> atDamping(double damping);
    }

    /** The store role of the previous update δ₀. */
    public static final String ROLE = "previousUpdate";

    private final double weightDecay;
    private final QuadraticModelKind kind;
    private final SlotState previous;

    /**
     * @param store       where δ₀ lives (zero at first)
     * @param slots       one per layer
     * @param weightDecay η ≥ 0, added to the model's curvature
     * @param kind        exact (oracle) or approximate (blocks) curvature
     */
    public QuadraticModelStep(FactorStore store, List<ParameterSlot> slots, double weightDecay,
            QuadraticModelKind kind) {
        if (!(weightDecay >= 0) || Double.isInfinite(weightDecay)) {
            throw new IllegalArgumentException("weightDecay must be in [0, ∞), got " + weightDecay);
        }
        this.weightDecay = weightDecay;
        this.kind = java.util.Objects.requireNonNull(kind, "kind");
        this.previous = new SlotState(store, slots, ROLE);
    }

    @Override
    public List<INDArray> update(List<INDArray> updates, UpdateContext context) {
        previous.checkCount(updates, name());
        List<INDArray> gradient = context.get(PreconditionByCurvature.INPUT).orElseThrow(
                () -> new IllegalStateException("QuadraticModelStep needs PreconditionByCurvature earlier in the chain"));
        List<List<INDArray>> vectors = new ArrayList<>();
        vectors.add(updates);
        boolean twoDirections = context.step() > 0;
        if (twoDirections) {
            List<INDArray> old = new ArrayList<>(updates.size());
            for (int i = 0; i < updates.size(); i++) {
                old.add(previous.value(i));
            }
            vectors.add(old);
        }
        int n = vectors.size();
        double[][] curvature = curvatureGram(vectors, context);
        double[][] gram = new double[n][n];
        double[] gradientProducts = new double[n];
        for (int a = 0; a < n; a++) {
            gradientProducts[a] = dot(gradient, vectors.get(a));
            for (int b = 0; b <= a; b++) {
                gram[a][b] = dot(vectors.get(a), vectors.get(b));
                gram[b][a] = gram[a][b];
            }
        }
        for (int a = 0; a < n; a++) {
            for (int b = 0; b < n; b++) {
                curvature[a][b] += weightDecay * gram[a][b];
            }
        }
        QuadraticModel model;
        try {
            model = n == 1 ? QuadraticModel.of(curvature[0][0], gram[0][0], gradientProducts[0])
                    : QuadraticModel.of(curvature, gram, gradientProducts);
        } catch (IllegalArgumentException notFinite) {
            context.reject("the quadratic model is not finite (" + notFinite.getMessage() + "); update withheld");
            return updates;
        }
        QuadraticModel solved = model;
        Resolver resolver = damping -> apply(solved, updates, vectors, damping, context);
        context.put(RESOLVE, resolver);
        return resolver.atDamping(context.damping());
    }

    /** δ = w₀Δ + w₁δ₀ for the model's minimiser at this damping; stages δ as the next δ₀ and records α, μ, M(δ) − M(0). */
    private List<INDArray> apply(QuadraticModel model, List<INDArray> updates, List<List<INDArray>> vectors,
            double damping, UpdateContext context) {
        QuadraticModel.Solution solution = model.solve(damping);
        double w0 = solution.coefficient(0);
        double w1 = vectors.size() == 2 ? solution.coefficient(1) : 0.0;
        List<INDArray> result = new ArrayList<>(updates.size());
        for (int i = 0; i < updates.size(); i++) {
            INDArray delta = updates.get(i).mul(w0);
            if (w1 != 0.0) {
                delta.addi(vectors.get(1).get(i).mul(w1));
            }
            // staged in order: when the step is re-solved the last staged δ is the one committed
            context.stage(previous.get(i), delta);
            result.add(delta);
        }
        context.put(ALPHA, -w0);
        context.put(MU, w1);
        context.put(MODEL_CHANGE, solution.change());
        return result;
    }

    /** vᵢᵀ C vⱼ for the configured curvature (without weight decay). */
    double[][] curvatureGram(List<List<INDArray>> vectors, UpdateContext context) {
        return curvatureGram(kind, vectors, context);
    }

    static double[][] curvatureGram(QuadraticModelKind kind, List<List<INDArray>> vectors, UpdateContext context) {
        if (kind == QuadraticModelKind.EXACT) {
            return context.capture().requireOracle().gaussNewtonGram(vectors);
        }
        int n = vectors.size();
        double[][] result = new double[n][n];
        for (int b = 0; b < n; b++) {
            List<INDArray> product = context.estimator().multiply(vectors.get(b), 0.0);
            for (int a = 0; a < n; a++) {
                result[a][b] = dot(vectors.get(a), product);
            }
        }
        for (int a = 0; a < n; a++) {
            for (int b = 0; b < a; b++) {
                double mean = 0.5 * (result[a][b] + result[b][a]);
                result[a][b] = mean;
                result[b][a] = mean;
            }
        }
        return result;
    }

    /** Σ over layers of xᵀy, in float64. */
    static double dot(List<INDArray> x, List<INDArray> y) {
        double sum = 0;
        for (int i = 0; i < x.size(); i++) {
            sum += DoubleDot.of(x.get(i), y.get(i));
        }
        return sum;
    }

    @Override
    public Set<CaptureField> requiredFields() {
        return kind == QuadraticModelKind.EXACT ? Set.of(CaptureField.BATCH_ORACLE) : Set.of();
    }

    @Override
    public String name() {
        return "quadraticModelStep(" + kind.name().toLowerCase(java.util.Locale.ROOT) + ", η=" + weightDecay + ")";
    }
}
