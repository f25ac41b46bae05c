package org.kron4j.api.optim.transform;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.kron4j.api.capture.BatchOracle;
import org.kron4j.api.capture.CaptureField;
import org.kron4j.api.optim.QuadraticModelKind;
import org.kron4j.api.optim.adaptive.LevenbergMarquardt;
import org.kron4j.api.support.NdArrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.INDArrayIndex;

/**
 * Levenberg-Marquardt damping (Martens and Grosse 2015, §6.5), the last stage of the chain: on
 * every step the rule adapts at ({@link LevenbergMarquardt#adaptsAt}, every T₁-th) it evaluates the
 * batch loss at the update δ this stage receives (the parameter change, sign included), forms
 * <pre>
 *   ρ = (h(θ+δ) + R(θ+δ) − h(θ) − R(θ)) / (M(δ) − M(0)),     R(θ) = ½ η ‖θ_decayed‖²,
 * </pre>
 * with M(δ) − M(0) left by {@link QuadraticModelStep#MODEL_CHANGE} or, when that stage is absent
 * (fixed learning rate and momentum), computed here for the fixed δ: gᵀδ + ½ δᵀ(C + ηI)δ with g
 * the regularised gradient ({@link PreconditionByCurvature#INPUT}) and C as configured. λ ← the
 * rule's next value, staged ({@link UpdateContext#setDamping}); ρ is left under {@link #RATIO}.
 *
 * <p><b>Rejection.</b> When h(θ+δ) &gt; h(θ) + threshold·|h(θ)| (or is not a number) the step is
 * rejected: nothing of it is applied (parameters, previous update, momentum, step counter and
 * factors stay bit-identical) except the new, larger λ, which the driver keeps
 * ({@link UpdateContext#reject(String, double)}). A threshold of +∞ disables rejection.
 */
public final class LevenbergMarquardtDamping implements UpdateTransform {

    /** ρ of this step, when it adapted the damping. */
    public static final ContextKey<Double> RATIO = ContextKey.of("reduction ratio", Double.class);

    private final LevenbergMarquardt rule;
    private final double threshold;
    private final double weightDecay;
    private final QuadraticModelKind kind;

    /**
     * @param rule        the ρ rule, its interval and bounds
     * @param threshold   relative loss increase past which a step is rejected, ≥ 0; +∞: never
     * @param weightDecay η of the chain's {@link AddWeightDecay}
     * @param kind        curvature of the model change when no {@link QuadraticModelStep} ran
     */
    public LevenbergMarquardtDamping(LevenbergMarquardt rule, double threshold, double weightDecay,
            QuadraticModelKind kind) {
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
        if (!rule.adaptsAt(context.step())) {
            return updates;
        }
        BatchOracle oracle = context.capture().requireOracle();
        double before = oracle.loss();
        double after = oracle.lossAt(updates);
        double change = context.get(QuadraticModelStep.MODEL_CHANGE).orElseGet(() -> fixedModelChange(updates, context));
        double regularisation = regularisationChange(updates, context);
        double rho = LevenbergMarquardt.reductionRatio(before, after + regularisation, change);
        double next = rule.next(context.damping(), rho);
        context.put(RATIO, rho);
        if (Double.isFinite(threshold) && !(after <= before + threshold * Math.abs(before))) {
            context.reject("step rejected: the batch loss would rise from " + before + " to " + after + " (ρ = " + rho
                    + "); damping " + context.damping() + " → " + next, next);
            return updates;
        }
        context.setDamping(next);
        return updates;
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
        return mayRejectSteps() && rule.adaptsAt(step);
    }

    @Override
    public String name() {
        return "levenbergMarquardt(T₁=" + rule.interval() + ", ω=" + rule.factor() + ", [" + rule.min() + ", "
                + rule.max() + "], reject>" + threshold + ")";
    }
}
