package org.kron4j.core;

import java.util.Optional;
import java.util.Set;
import org.kron4j.api.BlockStatistics;
import org.kron4j.api.CurvatureBlock;
import org.kron4j.api.DampingInUse;
import org.kron4j.api.capture.CaptureField;
import org.kron4j.api.capture.LayerCapture;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.store.FactorStore;
import org.kron4j.api.store.MovingAverage;
import org.kron4j.api.store.StateArray;
import org.kron4j.api.support.NdArrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The curvature block of a {@link ScaleShift} layer: block-diagonal over channels, one full 2×2
 * block F_c = E[g_c g_cᵀ] over (γ_c, β_c) per channel, the moving average of
 * {@link ScaleShiftStatistics} (kfac-jax's scale-and-shift blocks; exact for the per-example
 * gradient covariance within a channel, zero across channels).
 *
 * <p>{@link #precondition} solves (F_c + λ I) d_c = g_c per channel in closed form from the
 * current averages and the damping it is given, so {@link #refresh} has nothing to decompose;
 * {@link #multiply} is (F_c + λ I) v_c from the same averages, hence
 * {@code precondition(multiply(v, λ), λ) = v} at any time. Before any statistics were absorbed the
 * block passes gradients through (logged once), as a Kronecker block does before its first refresh;
 * a channel whose damped block is not positive definite (λ = 0 and a singular F_c) passes its pair
 * through. State in the store: the averages "F" (C×3: F_γγ, F_γβ, F_ββ) and the absorbed-batch
 * count "k". O(C) per step.
 */
public final class ScaleShiftBlock implements CurvatureBlock {
    private static final Logger LOG = LoggerFactory.getLogger(ScaleShiftBlock.class);

    private final LayerSpec layer;
    private final FactorStore store;
    private final ScaleShiftStatistics statistics;
    private final StateArray average;
    private final StateArray absorbed;
    private boolean warnedPassThrough;
    private double lastDamping = Double.NaN;

    public ScaleShiftBlock(LayerSpec layer, FactorStore store, ScaleShiftStatistics statistics) {
        if (!layer.kind().equals(ScaleShift.KIND)) {
            throw new IllegalArgumentException("a scale-and-shift block needs a " + ScaleShift.KIND + " layer, got "
                    + layer);
        }
        this.layer = layer;
        this.store = store;
        this.statistics = statistics;
        long channels = layer.dimensions()[0];
        this.average = store.array(layer.name(), ScaleShiftStatistics.ROLE, channels, 3);
        this.absorbed = store.array(layer.name(), "k", 1);
    }

    @Override
    public LayerSpec layer() {
        return layer;
    }

    @Override
    public Set<CaptureField> statisticsFields() {
        return statistics.fields();
    }

    @Override
    public BlockStatistics collect(LayerCapture capture, int batchSize) {
        return statistics.collect(capture, batchSize);
    }

    @Override
    public void absorb(BlockStatistics sums) {
        double k = absorbed.value().getDouble(0) + 1;
        double weight = MovingAverage.weight(store.decay(), k);
        NdArrays.detached(() -> {
            MovingAverage.fold(average.value(), sums.sum(ScaleShiftStatistics.ROLE), sums.count(), weight);
            absorbed.value().putScalar(0, k);
        });
    }

    /** Nothing to decompose: the 2×2 solves use the current averages. */
    @Override
    public void refresh(double damping) {
    }

    @Override
    public INDArray precondition(INDArray gradient, double damping) {
        if (absorbed.value().getDouble(0) == 0) {
            if (!warnedPassThrough) {
                warnedPassThrough = true;
                LOG.warn("{}: no statistics absorbed yet; passing the gradient through", layer.name());
            }
            return gradient.dup();
        }
        lastDamping = damping;
        double[][] f = averages();
        double[] g = values(gradient);
        double[] out = new double[g.length];
        for (int c = 0; c < f.length; c++) {
            double a = f[c][0] + damping;
            double b = f[c][1];
            double d = f[c][2] + damping;
            double det = a * d - b * b;
            double gg = g[2 * c];
            double gb = g[2 * c + 1];
            if (det > 0 && a > 0 && Double.isFinite(det)) {
                out[2 * c] = (d * gg - b * gb) / det;
                out[2 * c + 1] = (a * gb - b * gg) / det;
            } else {
                out[2 * c] = gg;
                out[2 * c + 1] = gb;
            }
        }
        return Nd4j.create(out, gradient.shape(), 'c').castTo(gradient.dataType());
    }

    /** (F_c + λ I) v_c per channel from the current averages. */
    @Override
    public INDArray multiply(INDArray vector, double damping) {
        if (!(damping >= 0) || Double.isInfinite(damping)) {
            throw new IllegalArgumentException("damping must be in [0, ∞), got " + damping);
        }
        double[][] f = averages();
        double[] v = values(vector);
        double[] out = new double[v.length];
        for (int c = 0; c < f.length; c++) {
            out[2 * c] = (f[c][0] + damping) * v[2 * c] + f[c][1] * v[2 * c + 1];
            out[2 * c + 1] = f[c][1] * v[2 * c] + (f[c][2] + damping) * v[2 * c + 1];
        }
        return Nd4j.create(out, vector.shape(), 'c').castTo(vector.dataType());
    }

    /** The λ of the last preconditioning, applied exactly. */
    @Override
    public Optional<DampingInUse> dampingInUse() {
        return Double.isNaN(lastDamping) ? Optional.empty() : Optional.of(DampingInUse.exact(lastDamping));
    }

    /** The block-diagonal F over the column-major vec of the C×2 gradient (index c + C·column). */
    @Override
    public Optional<INDArray> curvatureMatrix() {
        double[][] f = averages();
        int channels = f.length;
        double[][] matrix = new double[2 * channels][2 * channels];
        for (int c = 0; c < channels; c++) {
            matrix[c][c] = f[c][0];
            matrix[c][c + channels] = f[c][1];
            matrix[c + channels][c] = f[c][1];
            matrix[c + channels][c + channels] = f[c][2];
        }
        return Optional.of(NdArrays.detached(() -> Nd4j.create(matrix)));
    }

    private double[][] averages() {
        INDArray values = average.value();
        double[][] f = new double[(int) values.size(0)][];
        for (int c = 0; c < f.length; c++) {
            f[c] = new double[] {values.getDouble(c, 0), values.getDouble(c, 1), values.getDouble(c, 2)};
        }
        return f;
    }

    /** The C×2 array's values as (γ_0, β_0, γ_1, β_1, …). */
    private static double[] values(INDArray matrix) {
        return matrix.dup('c').castTo(DataType.DOUBLE).data().asDouble();
    }

    @Override
    public String toString() {
        return "ScaleShiftBlock{" + layer + "}";
    }
}
