package org.kron4j.api.optim.transform;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.kron4j.api.capture.BatchOracle;
import org.kron4j.api.capture.CaptureField;
import org.kron4j.api.optim.QuadraticModelKind;
import org.kron4j.api.optim.adaptive.LevenbergMarquardt;
import org.kron4j.api.support.NdArrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Levenberg-Marquardt damping (Martens and Grosse 2015, §6.5), the last stage of the chain: on
 * every step the rule adapts at ({@link LevenbergMarquardt#adaptsAt}, every T₁-th) it evaluates the
 * batch loss at the update δ this stage receives (or the re-solved one, below) (the parameter change, sign included), forms
 * <pre>
 *   ρ = (h(θ+δ) + R(θ+δ) − h(θ) − R(θ)) / (M(δ) − M(0)),     R(θ) = ½ η ‖θ_decayed‖²,
 * </pre>
 * with M(δ) − M(0) left by {@link QuadraticModelStep#MODEL_CHANGE} or, when that stage is absent
 * (fixed learning rate and momentum), computed here for the fixed δ: gᵀδ + ½ δᵀ(C + ηI)δ with g
 * the regularised gradient ({@link PreconditionByCurvature#INPUT}) and C as configured. λ ← the
 * rule's next value, staged ({@link UpdateContext#setDamping}); ρ is left under {@link #RATIO}.
 *
 * <p><b>Checked steps.</b> The steps the rule adapts at and the first {@code guardSteps} steps (where λ
 * has not been adapted yet and a λ₀ far too small for the problem would otherwise act unchecked for
 * T₁ steps: on a ReLU CNN one such step can leave the loss where the curvature statistics overflow)
 * evaluate h(θ+δ). A checked step <em>fails</em> when h(θ+δ) &gt; h(θ) + threshold·|h(θ)| or is not a
 * number; on a guard step the allowed rise is {@link #GUARD_TOLERANCE}·|h(θ)| instead (a step on its own
 * batch that raises the loss is too long, whatever the threshold: a trust region's acceptance test).
 * number. When {@link QuadraticModelStep} ran, a failing step is first re-solved on the same plane
 * (same Δ and δ₀, no new curvature products, one forward pass each) at λ·ν, λ·ν³, λ·ν⁶, … with ν = 2
 * (the growth factor doubles after each failure, Nielsen 1999), at most {@code maxRetries} times; the
 * first passing δ is the step and its λ is kept (then adapted by the rule when the step adapts, with ρ
 * of that δ). A larger λ shrinks the model's step towards a short gradient-like move within the plane,
 * which decreases the loss when short enough.
 *
 * <p><b>Rejection.</b> A step that still fails is rejected: nothing of it is applied (parameters,
 * previous update, momentum, step counter and factors stay bit-identical) except the new, larger λ
 * (the next value of the retry sequence; when there was no retry, the rule's λ/ω), which the driver
 * keeps ({@link UpdateContext#reject(String, double)}). A threshold of +∞ disables checks' failures,
 * retries and rejection.
 */
public final class LevenbergMarquardtDamping implements UpdateTransform {

    /** ρ of this step, when it adapted the damping. */
    public static final ContextKey<Double> RATIO = ContextKey.of("reduction ratio", Double.class);
    /** How many times this step's model was re-solved at a larger damping. */
    public static final ContextKey<Integer> RETRIES = ContextKey.of("model re-solves", Integer.class);
    /** ν of the retries: λ grows by ν, then ν², ν³, … (Nielsen 1999's doubling of the growth factor). */
    static final double RETRY_GROWTH = 2.0;
    /**
     * The rise a guard step tolerates, relative to |h(θ)|: none beyond the rounding of a loss evaluated in
     * float32 (a mean over the batch: relative error ~1e-7), so that a start at a minimum, where every step
     * is a rounding-level change, cannot be rejected step after step.
     */
    static final double GUARD_TOLERANCE = 1e-6;
    private static final Logger LOG = LoggerFactory.getLogger(LevenbergMarquardtDamping.class);

    private final LevenbergMarquardt rule;
    private final double threshold;
    private final double weightDecay;
    private final QuadraticModelKind kind;
    private final long guardSteps;
    private final int maxRetries;

    /**
     * @param rule        the ρ rule, its interval and bounds
     * @param threshold   relative loss increase past which a step is rejected, ≥ 0; +∞: never
     * @param weightDecay η of the chain's {@link AddWeightDecay}
     * @param kind        curvature of the model change when no {@link QuadraticModelStep} ran
     * @param guardSteps  the first steps (0-based index below this) whose loss at θ+δ is checked even when
     *                    the rule does not adapt there, ≥ 0
     * @param maxRetries  how many times a failing step's model is re-solved at a larger λ before the step is
     *                    rejected, ≥ 0
     */
    public LevenbergMarquardtDamping(LevenbergMarquardt rule, double threshold, double weightDecay,
            QuadraticModelKind kind, long guardSteps, int maxRetries) {
        if (guardSteps < 0) {
            throw new IllegalArgumentException("guardSteps must be >= 0, got " + guardSteps);
        }
        if (maxRetries < 0) {
            throw new IllegalArgumentException("stepRetries must be >= 0, got " + maxRetries);
        }
        this.guardSteps = guardSteps;
        this.maxRetries = maxRetries;
        this.rule = java.util.Objects.requireNonNull(rule, "rule");
        if (!(threshold >= 0)) {
            throw new IllegalArgumentException("rejectionThreshold must be >= 0, got " + threshold);
        }
        this.threshold = threshold;
        this.weightDecay = weightDecay;
        this.kind = java.util.Objects.requireNonNull(kind, "kind");
    }

    public LevenbergMarquardt rule() {
        return rule;
    }

    @Override
    public List<INDArray> update(List<INDArray> updates, UpdateContext context) {
        long step = context.step();
        boolean adapts = rule.adaptsAt(step);
        if (!adapts && step >= guardSteps) {
            return updates;
        }
        BatchOracle oracle = context.capture().requireOracle();
        double before = oracle.loss();
        double damping = context.damping();
        List<INDArray> delta = updates;
        double after = oracle.lossAt(delta);
        Optional<QuadraticModelStep.Resolver> resolver = context.get(QuadraticModelStep.RESOLVE);
        double trial = damping;
        double growth = RETRY_GROWTH;
        int retries = 0;
        double first = after;
        double allowed = step < guardSteps ? GUARD_TOLERANCE : threshold;
        while (fails(before, after, allowed) && resolver.isPresent() && retries < maxRetries && trial < rule.max()) {
            trial = raise(trial, growth);
            growth *= RETRY_GROWTH;
            delta = resolver.get().atDamping(trial);
            after = oracle.lossAt(delta);
            retries++;
        }
        List<INDArray> chosen = delta;
        double change = context.get(QuadraticModelStep.MODEL_CHANGE).orElseGet(() -> fixedModelChange(chosen, context));
        double regularisation = regularisationChange(delta, context);
        double rho = LevenbergMarquardt.reductionRatio(before, after + regularisation, change);
        context.put(RATIO, rho);
        context.put(RETRIES, retries);
        if (fails(before, after, allowed)) {
            // after retries the escalation goes on; without any (no model to re-solve, or stepRetries = 0) the
            // paper's rule grows λ
            double next = retries > 0 ? raise(trial, growth) : rule.next(damping, rho);
            context.reject("step rejected: the batch loss would rise from " + before + " to " + after + " (ρ = " + rho
                    + (retries > 0 ? ", after " + retries + " retries at larger damping" : "") + "); damping "
                    + damping + " → " + next, next);
            return delta;
        }
        if (retries > 0) {
            LOG.info("step {}: the batch loss would rise from {} to {}; the quadratic model re-solved {} time(s), "
                    + "damping {} → {}, loss {}", step, before, first, retries, damping, trial, after);
        }
        if (adapts) {
            context.setDamping(rule.next(trial, rho));
        } else if (trial != damping) {
            context.setDamping(trial);
        }
        return delta;
    }

    /** Whether a step from loss {@code before} to {@code after} is refused: a rise past allowed·|h(θ)|, or NaN. */
    private boolean fails(double before, double after, double allowed) {
        return Double.isFinite(threshold) && !(after <= before + allowed * Math.abs(before));
    }

    private double raise(double damping, double growth) {
        // a zero damping cannot grow by a factor: start from the rule's floor, or the smallest λ that matters
        double base = damping > 0 ? damping : Math.max(rule.min(), Double.MIN_NORMAL);
        return Math.min(rule.max(), base * growth);
    }

    private double fixedModelChange(List<INDArray> delta, UpdateContext context) {
        List<INDArray> gradient = context.get(PreconditionByCurvature.INPUT).orElseThrow(() ->
                new IllegalStateException("LevenbergMarquardtDamping needs PreconditionByCurvature earlier in the chain"));
        double curvature = QuadraticModelStep.curvatureGram(kind, List.of(delta), context)[0][0]
                + weightDecay * QuadraticModelStep.dot(delta, delta);
        return QuadraticModelStep.dot(gradient, delta) + 0.5 * curvature;
    }

    /** R(θ+δ) − R(θ) = η θ_dᵀδ + ½ η ‖δ_d‖² over the decayed coordinates. */
    private double regularisationChange(List<INDArray> delta, UpdateContext context) {
        if (weightDecay == 0) {
            return 0.0;
        }
        List<INDArray> decayed = new ArrayList<>(delta.size());
        List<INDArray> parameters = new ArrayList<>(delta.size());
        for (int i = 0; i < delta.size(); i++) {
            INDArray masked = NdArrays.copyAs(delta.get(i), org.nd4j.linalg.api.buffer.DataType.DOUBLE);
            for (INDArrayIndex[] region : context.model().layer(i).notDecayed()) {
                masked.get(region).assign(0.0);
            }
            decayed.add(masked);
            parameters.add(context.capture().layer(i).require(CaptureField.PARAMETERS));
        }
        return weightDecay * (QuadraticModelStep.dot(parameters, decayed)
                + 0.5 * QuadraticModelStep.dot(decayed, decayed));
    }

    @Override
    public Set<CaptureField> requiredFields() {
        return Set.of(CaptureField.BATCH_LOSS, CaptureField.BATCH_ORACLE);
    }

    @Override
    public boolean mayRejectSteps() {
        return Double.isFinite(threshold);
    }

    @Override
    public boolean mayRejectAt(long step) {
        return mayRejectSteps() && (rule.adaptsAt(step) || step < guardSteps);
    }

    @Override
    public String name() {
        return "levenbergMarquardt(T₁=" + rule.interval() + ", ω=" + rule.factor() + ", [" + rule.min() + ", "
                + rule.max() + "], reject>" + threshold + ", guard " + guardSteps + " steps, " + maxRetries + " retries)";
    }
}
