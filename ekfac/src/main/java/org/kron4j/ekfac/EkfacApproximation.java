package org.kron4j.ekfac;

import java.util.List;
import java.util.Objects;
import org.kron4j.api.BlockContext;
import org.kron4j.api.CurvatureApproximation;
import org.kron4j.api.CurvatureBlock;
import org.kron4j.api.model.LayerKind;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.optim.DampingMode;
import org.kron4j.api.optim.OptimizerSettings;
import org.kron4j.api.settings.Setting;
import org.kron4j.core.Conv2d;
import org.kron4j.core.Conv2dStatistics;
import org.kron4j.core.DenseStatistics;
import org.kron4j.core.FactorStatistics;
import org.kron4j.core.LayerKindMap;
import org.kron4j.core.ScaleShift;
import org.kron4j.core.ScaleShiftStatistics;

/**
 * EKFAC, eigenvalue-corrected K-FAC (George, Laurent, Bouthillier, Ballas and Vincent, "Fast
 * Approximate Natural Gradient Descent in a Kronecker-factored Eigenbasis", NeurIPS 2018), for
 * dense and 2-D convolution layers (on KFC's eigenbasis, Grosse and Martens 2016).
 *
 * <p>K-FAC approximates a layer's Fisher block by A ⊗ G = Q diag(λ_G λ_Aᵀ) Qᵀ with
 * Q = Q_A ⊗ Q_G, the Kronecker eigenbasis. EKFAC keeps Q but replaces the eigenvalues λ_G λ_Aᵀ by
 * scalings S (m×(n+1)) estimated from per-example gradients projected into that basis:
 * S = E[(Q_Gᵀ g āᵀ Q_A)^{∘2}], which is the diagonal of Qᵀ F Q, the best diagonal approximation of
 * the Fisher F in that basis. K-FAC is also diagonal there, so EKFAC is never farther from the
 * Fisher block in Frobenius norm. Directions are V' = Q_G [(Q_Gᵀ V Q_A) ⊘ (S + λ)] Q_Aᵀ: damping is
 * exact and may change between refreshes at no cost.
 *
 * <p><b>Schedule</b> (the driver's {@code tCov} and {@code tInv}; no period of its own):
 * <ul>
 *   <li>every {@code tCov} steps the block collects Σāāᵀ and Σggᵀ (through K-FAC's
 *       {@link org.kron4j.core.KroneckerFactors}) and, once a basis exists, the batch's scalings
 *       Σ_r (Q_Gᵀ g_r)^{∘2} ((Q_Aᵀ ā_{r mod B})^{∘2})ᵀ in the current basis: one product of squared
 *       projections, never B per-example gradient matrices. The scalings enter a moving average
 *       with the driver's {@code statisticsDecay} β and the same weights as the factors
 *       (max(1 − β, 1/k) for the k-th batch), so the first batch is taken as it is;</li>
 *   <li>every {@code tInv} steps (and at step 0) A and G are eigendecomposed through the factor
 *       store, which keeps the last good basis on failure; S is then restated in the new basis as
 *       {@link #SCALINGS_AFTER_REFRESH} says ({@link ScalingsAfterRefresh#ROTATE} by default). The
 *       first basis starts S at the K-FAC eigenvalues λ_G λ_Aᵀ; before it exists the block passes
 *       gradients through, as K-FAC does.</li>
 * </ul>
 * S is thus refreshed more often than the basis whenever {@code tCov < tInv}, which is the
 * point of the method: the expensive decompositions are amortised, the cheap diagonal tracks the
 * curvature. Under {@code targets=exact} the output gradients hold k rows per example (the columns
 * of the output Hessian's square root); each row is one weighted sample, so S is the exact
 * diag(Qᵀ F Q) of the batch.
 *
 * <p>Damping is always exact in the eigenbasis (S + λ): S has no Kronecker factors to damp
 * separately, so the driver's {@code dampingMode} does not apply and is refused (see
 * {@link #driverSettings()}).
 *
 * <p><b>Memory</b> per dense layer with n inputs (plus bias) and m outputs, in storage precision:
 * (n+1)² + m² for the averages of A and G, (n+1)² + m² + (n+1) + m for their eigendecompositions,
 * and m(n+1) + 1 for the scalings and their batch count — K-FAC's eigen-mode state plus one
 * gradient-sized array. A step costs K-FAC's (four products to precondition) plus, on statistics
 * steps, B(n+1)² + Rm² + Bm(n+1) multiply-adds for the projections, and on refresh steps two
 * m×m and (n+1)×(n+1) products to rotate S. A conv2d layer (C → O channels, kH×kW kernel) is the
 * same with n+1 = C·kH·kW+1 and m = O; its scalings sum costs O(R|T|(O² + (n+1)² + O(n+1))) per
 * statistics step, each example's gradient being summed over the |T| positions before squaring.
 */
public final class EkfacApproximation implements CurvatureApproximation {

    /** The name this variant is registered under. */
    public static final String NAME = "ekfac";

    /** How the scalings are restated when a refresh changes the eigenbasis. */
    public static final Setting<ScalingsAfterRefresh> SCALINGS_AFTER_REFRESH = Setting.choice("scalingsAfterRefresh",
            ScalingsAfterRefresh.class, ScalingsAfterRefresh.ROTATE,
            "rotate: carry the scalings' moving average into the new eigenbasis; kfac: restart them at the K-FAC "
                    + "eigenvalues λ_G λ_Aᵀ");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "EKFAC: K-FAC's eigenbasis with per-coordinate scalings re-estimated from projected gradients "
                + "(George et al. 2018)";
    }

    @Override
    public List<Setting<?>> settings() {
        return List.of(SCALINGS_AFTER_REFRESH);
    }

    private static final List<Setting<?>> DRIVER_SETTINGS = OptimizerSettings.ALL.stream()
            .filter(s -> s != OptimizerSettings.DAMPING_MODE).toList();

    private final LayerKindMap<FactorStatistics.Factory> layerKinds;

    /** EKFAC for dense and conv2d layers (what ServiceLoader creates). */
    public EkfacApproximation() {
        this(defaultLayerKinds());
    }

    /**
     * EKFAC for the kinds of {@code layerKinds}; each kind's statistics must implement
     * {@link FactorStatistics#projectedGradientSquares}, unless the kind has its own block
     * ({@link FactorStatistics.Factory#ownBlock}).
     */
    public EkfacApproximation(LayerKindMap<FactorStatistics.Factory> layerKinds) {
        this.layerKinds = Objects.requireNonNull(layerKinds, "layerKinds");
    }

    /**
     * DENSE → {@link DenseStatistics} (per-example gradients g āᵀ, rank one) and CONV2D →
     * {@link Conv2dStatistics} (per-example gradients Σ_t g_t ā_tᵀ, summed over positions before
     * they are projected and squared, as George et al. 2018 do for convolutions), and SCALE_SHIFT →
     * {@link ScaleShiftStatistics}, whose own block (per-channel 2×2 Fisher blocks, exact within a
     * channel) needs no eigenbasis rescaling.
     */
    public static LayerKindMap<FactorStatistics.Factory> defaultLayerKinds() {
        return LayerKindMap.<FactorStatistics.Factory>of(LayerKind.DENSE, DenseStatistics::new)
                .with(Conv2d.KIND, Conv2dStatistics::new)
                .with(ScaleShift.KIND, ScaleShiftStatistics.FACTORY);
    }

    /** Layers whose kind is in the map (by default dense and conv2d). */
    @Override
    public boolean supports(LayerSpec layer) {
        return layerKinds.supports(layer.kind());
    }

    /**
     * Every driver setting but {@code dampingMode}: EKFAC always damps its scalings exactly in the
     * eigenbasis (S + λ), so the choice means nothing here and is refused.
     */
    @Override
    public List<Setting<?>> driverSettings() {
        return DRIVER_SETTINGS;
    }

    /** Adaptive damping and step on ({@link OptimizerSettings#ADAPTIVE_DEFAULTS}). */
    @Override
    public java.util.Map<String, Object> driverDefaults() {
        return OptimizerSettings.ADAPTIVE_DEFAULTS;
    }

    @Override
    public CurvatureBlock createBlock(BlockContext context) {
        FactorStatistics.Factory statistics = layerKinds.get(NAME, context.layer());
        return statistics.ownBlock(context.layer(), context.store()).orElseGet(() -> new EkfacBlock(context.layer(),
                context.store(), statistics, context.settings().get(SCALINGS_AFTER_REFRESH)));
    }

    @Override
    public String toString() {
        return "EkfacApproximation{name=" + NAME + ", layerKinds=" + layerKinds + "}";
    }
}
