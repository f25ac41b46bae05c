package org.kron4j.kfac;

import java.util.Objects;
import org.kron4j.api.BlockContext;
import org.kron4j.api.CurvatureApproximation;
import org.kron4j.api.CurvatureBlock;
import org.kron4j.api.model.LayerKind;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.optim.OptimizerSettings;
import org.kron4j.core.Conv2d;
import org.kron4j.core.Conv2dStatistics;
import org.kron4j.core.DenseStatistics;
import org.kron4j.core.FactorStatistics;
import org.kron4j.core.KfacBlock;
import org.kron4j.core.LayerKindMap;
import org.kron4j.core.ScaleShift;
import org.kron4j.core.ScaleShiftStatistics;

/**
 * K-FAC, Kronecker-factored approximate curvature (Martens and Grosse, ICML 2015): each layer's
 * Fisher block is approximated by A ⊗ G with A = E[āāᵀ] over layer inputs and G = E[ggᵀ] over
 * output gradients from targets sampled from the model (MC Fisher) or the true targets (empirical
 * Fisher), chosen by the driver's {@code targets} setting.
 *
 * <p>Which layers it takes is its {@link LayerKindMap} of {@link FactorStatistics}: by default
 * {@link LayerKind#DENSE} → {@link DenseStatistics} and {@link Conv2d#KIND} → {@link Conv2dStatistics}
 * (KFC: A from the im2col patches averaged over positions, G from the per-position output
 * gradients summed over positions), and {@link ScaleShift#KIND} → {@link ScaleShiftStatistics}
 * (batch normalization's scale and shift: per-channel 2×2 Fisher blocks, a
 * {@link org.kron4j.core.ScaleShiftBlock} rather than a Kronecker block). Another kind plugs in with
 * {@code KfacApproximation.defaultLayerKinds().with(kind, MyStatistics::new)} given to
 * {@link #KfacApproximation(LayerKindMap)}; blocks, damping, refresh and curvature × vector are the
 * core's {@link KfacBlock}.
 *
 * <p>Memory per dense layer with n inputs and m outputs: 2((n+1)² + m²) values. Found by
 * ServiceLoader as {@code "kfac"} (with the default map).
 */
public final class KfacApproximation implements CurvatureApproximation {

    /** The name this variant is registered under. */
    public static final String NAME = "kfac";

    /**
     * Low-rank application: keep each factor's top-k eigenpairs and the mean of the rest of its
     * spectrum, so a direction costs O(m·c·k) for factors wider than k; 0 (default) applies the full
     * decompositions. Needs dampingMode=eigen.
     */
    public static final org.kron4j.api.settings.Setting<Integer> LOW_RANK = org.kron4j.api.settings.Setting.integer(
            "lowRank", 0, 0, Integer.MAX_VALUE,
            "k > 0: apply each factor wider than k as its top-k eigenpairs plus the mean of its other eigenvalues "
                    + "(O(mnk) per direction; needs dampingMode=eigen); 0: full decompositions");

    private final LayerKindMap<FactorStatistics.Factory> layerKinds;

    /** K-FAC for dense layers (what ServiceLoader creates). */
    public KfacApproximation() {
        this(defaultLayerKinds());
    }

    /** K-FAC for the layer kinds of {@code layerKinds}, each filled by its statistics. */
    public KfacApproximation(LayerKindMap<FactorStatistics.Factory> layerKinds) {
        this.layerKinds = Objects.requireNonNull(layerKinds, "layerKinds");
    }

    /**
     * DENSE → {@link DenseStatistics}, CONV2D → {@link Conv2dStatistics} (KFC, Grosse and
     * Martens 2016) and SCALE_SHIFT → {@link ScaleShiftStatistics}: the map to extend with further kinds.
     */
    public static LayerKindMap<FactorStatistics.Factory> defaultLayerKinds() {
        return LayerKindMap.<FactorStatistics.Factory>of(LayerKind.DENSE, DenseStatistics::new)
                .with(Conv2d.KIND, Conv2dStatistics::new)
                .with(ScaleShift.KIND, ScaleShiftStatistics.FACTORY);
    }

    /** The layer kinds this instance preconditions. */
    public LayerKindMap<FactorStatistics.Factory> layerKinds() {
        return layerKinds;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String description() {
        return "K-FAC: A ⊗ G Kronecker factors per dense layer (Martens & Grosse 2015) and conv2d layer (KFC, Grosse & Martens 2016)";
    }

    /** Every driver setting, the adaptive ones included ({@link OptimizerSettings#ALL}). */
    @Override
    public java.util.List<org.kron4j.api.settings.Setting<?>> driverSettings() {
        return OptimizerSettings.ALL;
    }

    /** {@link #LOW_RANK}. */
    @Override
    public java.util.List<org.kron4j.api.settings.Setting<?>> settings() {
        return java.util.List.of(LOW_RANK);
    }

    /** Adaptive damping and step on ({@link OptimizerSettings#ADAPTIVE_DEFAULTS}). */
    @Override
    public java.util.Map<String, Object> driverDefaults() {
        return OptimizerSettings.ADAPTIVE_DEFAULTS;
    }

    /** Layers whose kind is in the map. */
    @Override
    public boolean supports(LayerSpec layer) {
        return layerKinds.supports(layer.kind());
    }

    @Override
    public CurvatureBlock createBlock(BlockContext context) {
        FactorStatistics.Factory statistics = layerKinds.get(NAME, context.layer());
        return statistics.ownBlock(context.layer(), context.store()).orElseGet(() -> KfacBlock.create(context.layer(),
                context.store(), statistics, context.settings().get(OptimizerSettings.DAMPING_MODE),
                context.settings().get(LOW_RANK)));
    }

    @Override
    public String toString() {
        return "KfacApproximation{name=" + NAME + ", layerKinds=" + layerKinds + "}";
    }
}
