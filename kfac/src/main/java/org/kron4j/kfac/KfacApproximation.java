package org.kron4j.kfac;

import org.kron4j.api.BlockContext;
import org.kron4j.api.CurvatureApproximation;
import org.kron4j.api.CurvatureBlock;
import org.kron4j.api.optim.OptimizerSettings;

/**
 * K-FAC, Kronecker-factored approximate curvature (Martens and Grosse, ICML 2015), for dense
 * layers: each layer's Fisher block is approximated by A ⊗ G with A = E[āāᵀ] over layer inputs
 * and G = E[ggᵀ] over output gradients from targets sampled from the model (MC Fisher) or the
 * true targets (empirical Fisher), chosen by the driver's {@code targets} setting.
 *
 * <p>Memory per dense layer with n inputs and m outputs: 2((n+1)² + m²) values. Found by
 * ServiceLoader as {@code "kfac"}.
 */
public final class KfacApproximation implements CurvatureApproximation {

    /** The name this variant is registered under. */
    public static final String NAME = "kfac";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "K-FAC: A ⊗ G Kronecker factors per dense layer (Martens & Grosse 2015)";
    }

    @Override
    public CurvatureBlock createBlock(BlockContext context) {
        KroneckerFactors factors = new KroneckerFactors(context.layer(), context.store());
        return new DenseKfacBlock(factors, context.settings().get(OptimizerSettings.DAMPING_MODE));
    }
}
