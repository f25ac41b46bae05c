package org.kron4j.shampoo;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntFunction;
import java.util.Set;
import org.kron4j.api.BlockStatistics;
import org.kron4j.api.CurvatureBlock;
import org.kron4j.api.capture.CaptureField;
import org.kron4j.api.capture.LayerCapture;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.linalg.EigenDecomposition;
import org.kron4j.api.linalg.SymmetricLinearAlgebra;
import org.kron4j.api.refresh.RefreshJob;
import org.kron4j.api.refresh.RefreshResult;
import org.kron4j.api.store.FactorDecomposition;
import org.kron4j.api.store.FactorSnapshot;
import org.kron4j.api.store.FactorStore;
import org.kron4j.api.store.RefreshOutcome;
import org.kron4j.api.store.MovingAverage;
import org.kron4j.api.store.StateArray;
import org.kron4j.api.store.StateTransaction;
import org.kron4j.api.store.SymmetricFactor;
import org.kron4j.api.support.NdArrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Shampoo for one parameter tensor of any layer (Gupta, Koren and Singer, "Shampoo: Preconditioned
 * Stochastic Tensor Optimization", ICML 2018; Anil, Gupta, Koren, Regan and Singer, "Scalable
 * Second Order Optimization for Deep Learning", 2020).
 *
 * <p>The gradient is first viewed through a {@link TensorLayout} (unit modes dropped, small modes
 * merged, large modes blocked, vectors and tiny tensors diagonal). For every block G of order k:
 * <ul>
 *   <li><b>collect</b>: S_i = G_(i) G_(i)ᵀ for each mode i (the mode-i unfolding's Gram matrix),
 *       with count 1 (one gradient per step), additive across workers;</li>
 *   <li><b>absorb</b>: the factor store's moving average M_i (see {@link StatisticsMode} for how
 *       L_i = M_i or t·M_i);</li>
 *   <li><b>refresh</b> (every {@code tInv} steps): R_i = (L_i + ε_eff I)^{-e}, e = 1/(2k) unless
 *       overridden, ε_eff = ε or ε·λ_max(L_i) ({@link EpsilonMode}), by {@link RootMethod};</li>
 *   <li><b>precondition</b>: P = G ×₁ R₁ ⋯ ×_k R_k on each block (for a matrix, R₁ G R₂), the
 *       blocks reassembled, then grafted: d = ‖graft‖_F / ‖P‖_F · P over the whole layer (or P
 *       itself without grafting).</li>
 * </ul>
 * Before {@code startPreconditioningStep}, and until every root of the layer exists, the direction
 * is the grafted method's own (the plain gradient when grafting is none). Refreshes that would be
 * replaced before preconditioning starts are skipped.
 *
 * <p><b>Failures.</b> A root whose eigendecomposition failed (the store's fallback chain came back
 * empty), whose Newton iteration did not reach its tolerance, or that has non-finite entries is
 * not used: the last good root stays (it lives in the store), the failure is counted
 * ({@link #rootFailures()}) and logged, and after {@code maxConsecutiveRootFailures} failures of
 * the same root in a row the refresh throws {@link IllegalStateException} naming the layer, the
 * statistic and the count. The damping λ of the driver is not used: ε plays its part.
 *
 * <p><b>Memory</b> per block with modes d₁…d_k, in the storage precision: Σ d_i² for the moving
 * averages, Σ d_i² for the roots, plus Σ (d_i² + d_i) for the store's cached eigendecompositions
 * with the eigen route; a diagonal layer keeps one array of the gradient's size. Grafting adds one
 * (AdaGrad) or two (Adam) arrays of the gradient's size. A refresh costs O(Σ d_i³) (one
 * eigendecomposition, or about 30·(log₂p + 2) matrix products per root with Newton); a step
 * O(Π d · Σ d_i) for the statistics and as much again for the mode products.
 *
 * <p>Not thread-safe: the optimizer's thread drives it.
 */
public final class ShampooBlock implements CurvatureBlock {
    private static final Logger LOG = LoggerFactory.getLogger(ShampooBlock.class);

    /** Role of the diagonal statistic in {@link BlockStatistics} and the store. */
    static final String DIAGONAL_ROLE = "diag";
    private static final int STEPS = 0;
    private static final int DIAGONAL_ABSORBED = 1;
    private static final int CONSECUTIVE_FAILURES = 0;
    private static final int AVAILABLE = 1;

    private final LayerSpec layer;
    private final String name;
    private final ShampooConfig config;
    private final DataType storageType;
    private final TensorLayout layout;
    private final SymmetricFactor[][] factors;
    private final StateArray[][] roots;
    private final StateArray rootStatus;
    private final StateArray counters;
    private final StateArray diagonal;
    private final GraftState graft;
    private final boolean sameShape;
    private final SymmetricLinearAlgebra linearAlgebra;
    private long rootFailures;
    private boolean announced;

    /**
     * Registers the layer's state in the store: "counters" (steps taken, diagonal statistics
     * absorbed), then per block b and mode i the statistic "b{b}.L{i}" and its root
     * "b{b}.L{i}.root", a "roots.status" table (consecutive failures, root available), or the
     * diagonal average "diag", and the grafting accumulators.
     *
     * <p>The counters are kept in the storage precision, exact up to 2²⁴ steps in float32.
     */
    public ShampooBlock(LayerSpec layer, ShampooConfig config, FactorStore store) {
        this.layer = layer;
        this.name = layer.name();
        this.config = config;
        this.storageType = store.storagePrecision().dataType();
        this.layout = TensorLayout.of(layer.gradientShape(), config.blockSize(), config.mergeSmallDims(),
                config.diagonalMaxSize());
        this.counters = store.array(name, "counters", 2);
        if (layout.isDiagonal()) {
            this.factors = new SymmetricFactor[0][];
            this.roots = new StateArray[0][];
            this.rootStatus = null;
            this.diagonal = store.array(name, DIAGONAL_ROLE, layer.gradientShape());
        } else {
            List<TensorLayout.Block> blocks = layout.blocks();
            int k = layout.order();
            this.factors = new SymmetricFactor[blocks.size()][k];
            this.roots = new StateArray[blocks.size()][k];
            for (int b = 0; b < blocks.size(); b++) {
                for (int i = 0; i < k; i++) {
                    int d = blocks.get(b).size(i);
                    factors[b][i] = store.symmetricFactor(name, role(b, i), d);
                    roots[b][i] = store.array(name, role(b, i) + ".root", d, d);
                }
            }
            this.rootStatus = store.array(name, "roots.status", (long) blocks.size() * k, 2);
            this.diagonal = null;
        }
        this.graft = new GraftState(store, name, layer.gradientShape(), config);
        this.sameShape = Arrays.equals(layout.shape(), layer.gradientShape());
        this.linearAlgebra = store.linearAlgebra();
        LOG.debug("shampoo layer '{}': {}, exponent {}, grafting {}", name, layout,
                layout.isDiagonal() ? config.exponent(1) : config.exponent(layout.order()), config.grafting());
    }

    static String role(int block, int mode) {
        return "b" + block + ".L" + mode;
    }

    @Override
    public LayerSpec layer() {
        return layer;
    }

    /** How this layer's gradient is viewed (diagonal, or blocks of an order-k tensor). */
    public TensorLayout layout() {
        return layout;
    }

    /** Steps this block has taken (calls of {@link #precondition}). */
    public long steps() {
        return (long) counters.value().getDouble(STEPS);
    }

    /** Failed root refreshes since this block was created (diagnostic, not checkpointed). */
    public long rootFailures() {
        return rootFailures;
    }

    /** The longest current run of consecutive failures over this block's roots (checkpointed). */
    public int consecutiveRootFailures() {
        return rootStatus == null ? 0
                : (int) rootStatus.value().getColumn(CONSECUTIVE_FAILURES).maxNumber().doubleValue();
    }

    /** The current root of block {@code b}, mode {@code i} (zero before the first success); live, do not modify. */
    public INDArray root(int b, int i) {
        return roots[b][i].value();
    }

    /** The statistic of block {@code b}, mode {@code i}. */
    public SymmetricFactor statistic(int b, int i) {
        return factors[b][i];
    }

    /** True when the next {@link #precondition} uses Shampoo's preconditioner rather than the grafted method alone. */
    public boolean isPreconditioning() {
        return steps() >= config.startPreconditioningStep() && preconditionerReady();
    }

    @Override
    public Set<CaptureField> statisticsFields() {
        return Set.of();
    }

    @Override
    public BlockStatistics collect(LayerCapture capture, int batchSize) {
        INDArray gradient = NdArrays.as(capture.gradient(), storageType);
        Map<String, INDArray> sums = new LinkedHashMap<>();
        if (layout.isDiagonal()) {
            sums.put(DIAGONAL_ROLE, gradient.mul(gradient));
        } else {
            INDArray merged = merged(gradient);
            List<TensorLayout.Block> blocks = layout.blocks();
            for (int b = 0; b < blocks.size(); b++) {
                INDArray part = part(merged, b);
                for (int i = 0; i < layout.order(); i++) {
                    sums.put(role(b, i), ModeAlgebra.statistic(part, i));
                }
            }
        }
        return BlockStatistics.of(1, sums);
    }

    @Override
    public void absorb(BlockStatistics statistics) {
        if (layout.isDiagonal()) {
            double absorbed = counters.value().getDouble(DIAGONAL_ABSORBED) + 1;
            MovingAverage.fold(diagonal.value(), statistics.sum(DIAGONAL_ROLE), statistics.count(),
                    MovingAverage.weight(config.statisticsDecay(), absorbed));
            counters.value().putScalar(DIAGONAL_ABSORBED, absorbed);
            return;
        }
        for (int b = 0; b < factors.length; b++) {
            for (int i = 0; i < factors[b].length; i++) {
                factors[b][i].absorb(statistics.sum(role(b, i)), statistics.count());
            }
        }
    }

    /**
     * Recomputes every root (the damping is not used; see the class comment):
     * {@code install(prepareRefresh(damping).compute())}.
     *
     * @throws IllegalStateException when a root has now failed {@code maxConsecutiveRootFailures}
     *     times in a row
     */
    @Override
    public void refresh(double damping) {
        install(prepareRefresh(damping).compute());
    }

    /**
     * Snapshots every statistic whose root is due (none for a diagonal layout, before
     * preconditioning is near, or for statistics that absorbed nothing yet). The job computes the
     * roots: with {@code rootMethod=eigen} the store's eigendecomposition (result names "b{b}.L{i}."
     * of {@link FactorDecomposition}) and Q (Λ + ε)^{-e} Qᵀ from it, with coupled Newton the
     * iteration; each root (or why it failed) under "b{b}.L{i}.root" and text "b{b}.L{i}.rootFailure".
     */
    @Override
    public RefreshJob prepareRefresh(double damping) {
        List<RootTask> tasks = new ArrayList<>();
        if (!layout.isDiagonal() && !config.neverPreconditions()
                && steps() + config.tInv() > config.startPreconditioningStep()) {
            for (int b = 0; b < factors.length; b++) {
                for (int i = 0; i < factors[b].length; i++) {
                    SymmetricFactor factor = factors[b][i];
                    if (factor.absorbed() > 0) {
                        double scale = config.statistics() == StatisticsMode.SUM ? factor.absorbed() : 1.0;
                        tasks.add(new RootTask(role(b, i), factor.snapshot(), scale));
                    }
                }
            }
        }
        return new RootsJob(name, List.copyOf(tasks), config, config.exponent(layout.order()), storageType,
                linearAlgebra);
    }

    /** One root to compute: the statistic's snapshot and the factor it is scaled by (t under statistics=sum). */
    private record RootTask(String role, FactorSnapshot statistic, double scale) {
    }

    /** The roots of one refresh, computed from snapshots; holds no reference to the block. */
    private record RootsJob(String block, List<RootTask> tasks, ShampooConfig config, double exponent,
            DataType storageType, SymmetricLinearAlgebra linearAlgebra) implements RefreshJob {

        @Override
        public RefreshResult compute() {
            RefreshResult.Builder result = RefreshResult.builder(block);
            for (RootTask task : tasks) {
                NdArrays.detached(() -> computeRoot(task, result));
            }
            return result.build();
        }

        private void computeRoot(RootTask task, RefreshResult.Builder result) {
            INDArray root = null;
            String failure = null;
            if (config.rootMethod() == RootMethod.EIGEN) {
                FactorDecomposition eigen = FactorDecomposition.eigen(task.statistic(), linearAlgebra);
                eigen.writeTo(result, task.role() + ".");
                if (!eigen.succeeded()) {
                    failure = EIGEN_FAILED; // completed with the store's outcome at install
                } else {
                    INDArray values = NdArrays.copyAs(eigen.eigenvalues().orElseThrow(), DataType.DOUBLE)
                            .muli(task.scale());
                    double epsilon = effectiveEpsilon(config, values.maxNumber().doubleValue());
                    root = InverseRoots.fromEigen(eigen.eigenvectors().orElseThrow(), values, epsilon, exponent);
                }
            } else {
                INDArray statistic = NdArrays.copyAs(task.statistic().average(), DataType.DOUBLE).muli(task.scale());
                double largest = config.epsilonMode() == EpsilonMode.RELATIVE
                        ? InverseRoots.largestEigenvalue(statistic) : 0;
                InverseRoots.Root newton = InverseRoots.coupledNewton(statistic, ShampooConfig.integerRoot(exponent),
                        effectiveEpsilon(config, largest), config.newtonTolerance(), config.newtonMaxIterations());
                if (newton.accurate()) {
                    root = newton.root();
                } else {
                    failure = newton.failure();
                }
            }
            if (root != null) {
                root = NdArrays.copyAs(root, storageType);
                if (!NdArrays.isFinite(root)) {
                    failure = "the root has non-finite entries (in " + storageType + ")";
                }
            }
            if (failure == null) {
                result.array(task.role() + ROOT, root);
            } else {
                result.text(task.role() + ROOT_FAILURE, failure);
            }
        }
    }

    private static final String ROOT = ".root";
    private static final String ROOT_FAILURE = ".rootFailure";
    private static final String EIGEN_FAILED = "the eigendecomposition failed";

    /**
     * Swaps in the roots of a job this block prepared, in its order: a root that failed keeps the
     * last good one and counts towards {@code maxConsecutiveRootFailures}.
     *
     * @throws IllegalStateException when a root has now failed {@code maxConsecutiveRootFailures}
     *     times in a row
     */
    @Override
    public void install(RefreshResult result) {
        for (int b = 0; b < factors.length; b++) {
            for (int i = 0; i < factors[b].length; i++) {
                String role = role(b, i);
                Optional<INDArray> root = result.array(role + ROOT);
                Optional<String> failure = result.text(role + ROOT_FAILURE);
                if (root.isEmpty() && failure.isEmpty()) {
                    continue; // not due in this refresh
                }
                String why = failure.orElse(null);
                if (config.rootMethod() == RootMethod.EIGEN) {
                    RefreshOutcome outcome = factors[b][i].install(FactorDecomposition.readFrom(result, role + "."));
                    if (EIGEN_FAILED.equals(why)) {
                        why = EIGEN_FAILED + " (" + outcome + "; the factor store logged why)";
                    }
                }
                installRoot(b, i, root.orElse(null), why);
            }
        }
    }

    private void installRoot(int b, int i, INDArray root, String failure) {
        int index = b * layout.order() + i;
        if (failure == null) {
            roots[b][i].assign(root);
            rootStatus.value().putScalar(new long[] {index, CONSECUTIVE_FAILURES}, 0.0);
            rootStatus.value().putScalar(new long[] {index, AVAILABLE}, 1.0);
            return;
        }
        rootFailures++;
        int consecutive = (int) rootStatus.value().getDouble(index, CONSECUTIVE_FAILURES) + 1;
        rootStatus.value().putScalar(new long[] {index, CONSECUTIVE_FAILURES}, consecutive);
        boolean available = rootStatus.value().getDouble(index, AVAILABLE) > 0;
        if (consecutive >= config.maxConsecutiveRootFailures()) {
            String message = "shampoo layer '" + name + "', statistic '" + role(b, i) + "': " + consecutive
                    + " consecutive inverse-root failures (maxConsecutiveRootFailures="
                    + config.maxConsecutiveRootFailures() + "); giving up. Last failure: " + failure;
            LOG.error(message);
            throw new IllegalStateException(message);
        }
        LOG.warn("shampoo layer '{}', statistic '{}': inverse root failed ({} in a row, limit {}): {}; {}", name,
                role(b, i), consecutive, config.maxConsecutiveRootFailures(), failure,
                available ? "keeping the last good root" : "no root yet: the layer keeps its grafted direction");
    }

    private static double effectiveEpsilon(ShampooConfig config, double largestEigenvalue) {
        if (config.epsilonMode() == EpsilonMode.RELATIVE && largestEigenvalue > 0) {
            return config.epsilon() * largestEigenvalue;
        }
        return config.epsilon();
    }

    private double effectiveEpsilon(double largestEigenvalue) {
        return effectiveEpsilon(config, largestEigenvalue);
    }

    @Override
    public INDArray precondition(INDArray gradient, double damping) {
        return precondition(gradient, damping, StateTransaction.IMMEDIATE);
    }

    /**
     * The direction; the grafting accumulators and the step counter change through
     * {@code transaction}, so a step the optimizer's update chain rejects leaves them as they were.
     */
    @Override
    public INDArray precondition(INDArray gradient, double damping, StateTransaction transaction) {
        long step = steps();
        INDArray grafted = graft.direction(gradient, step + 1, transaction);
        INDArray result = grafted;
        if (step >= config.startPreconditioningStep() && preconditionerReady()) {
            if (!announced) {
                announced = true;
                LOG.debug("shampoo layer '{}': preconditioning from step {}", name, step);
            }
            INDArray shampoo = layout.isDiagonal() ? diagonalDirection(gradient) : kroneckerDirection(gradient);
            result = graft.method() == Grafting.NONE ? shampoo : graft(shampoo, grafted);
        }
        INDArray advanced = counters.value().dup();
        advanced.putScalar(STEPS, step + 1);
        transaction.stage(counters, advanced);
        return result;
    }

    private boolean preconditionerReady() {
        if (layout.isDiagonal()) {
            return counters.value().getDouble(DIAGONAL_ABSORBED) > 0;
        }
        return rootStatus.value().getColumn(AVAILABLE).minNumber().doubleValue() > 0;
    }

    /** ‖graft‖_F / ‖shampoo‖_F · shampoo; the grafted direction itself when Shampoo's has no usable norm. */
    private INDArray graft(INDArray shampoo, INDArray grafted) {
        double shampooNorm = shampoo.norm2Number().doubleValue();
        double graftNorm = grafted.norm2Number().doubleValue();
        if (!(shampooNorm > 0) || !Double.isFinite(shampooNorm) || !Double.isFinite(graftNorm)) {
            return grafted;
        }
        return shampoo.muli(graftNorm / shampooNorm);
    }

    private INDArray diagonalDirection(INDArray gradient) {
        double scale = config.statistics() == StatisticsMode.SUM ? counters.value().getDouble(DIAGONAL_ABSORBED) : 1.0;
        INDArray statistic = diagonal.value().mul(scale);
        double epsilon = effectiveEpsilon(statistic.maxNumber().doubleValue());
        return gradient.mul(Transforms.pow(statistic.addi(epsilon), -config.exponent(1), false));
    }

    private INDArray kroneckerDirection(INDArray gradient) {
        return modeProducts(gradient, this::rootsOf);
    }

    /** G ×₁ M₁ ⋯ ×_k M_k on every block of the layout, the blocks reassembled in the gradient's shape. */
    private INDArray modeProducts(INDArray gradient, IntFunction<INDArray[]> matrices) {
        INDArray merged = merged(gradient);
        List<TensorLayout.Block> blocks = layout.blocks();
        INDArray out;
        if (blocks.size() == 1) {
            out = ModeAlgebra.apply(merged, matrices.apply(0));
        } else {
            out = Nd4j.create(storageType, layout.shape());
            for (int b = 0; b < blocks.size(); b++) {
                out.get(blocks.get(b).indices()).assign(ModeAlgebra.apply(part(merged, b), matrices.apply(b)));
            }
        }
        return sameShape ? out : out.reshape('c', layout.gradientShape());
    }

    /**
     * Curvature × vector: the inverse of Shampoo's own preconditioner (before grafting rescales it),
     * V ×₁ (L₁ + ε₁I)^{e} ⋯ ×_k (L_k + ε_kI)^{e} on every block of the layout, e the root exponent
     * (1/(2k) unless overridden), L_i the current statistic (scaled by the step count under
     * {@code statistics=sum}) and ε_i the effective ε a refresh would use ({@link EpsilonMode}); for a
     * diagonal layout V ∘ (d + ε)^{e}. The powers come from a fresh float64 eigendecomposition of the
     * current statistics (negative eigenvalues from rounding clipped to 0), so after a refresh with
     * {@code rootMethod=eigen} and no statistics absorbed since, the un-grafted direction of
     * {@code multiply(v)} is v; with coupled Newton, up to its tolerance (and its relative ε uses a
     * power-iteration λ_max, here the exact one). Shampoo ignores the driver's damping λ: ε is its
     * damping, so {@code damping} does not enter. Pure; O(Σ d_i³) per call, for tests and
     * diagnostics rather than every step.
     */
    @Override
    public INDArray multiply(INDArray vector, double damping) {
        if (layout.isDiagonal()) {
            double scale = config.statistics() == StatisticsMode.SUM
                    ? counters.value().getDouble(DIAGONAL_ABSORBED) : 1.0;
            INDArray statistic = diagonal.value().mul(scale);
            double epsilon = effectiveEpsilon(statistic.maxNumber().doubleValue());
            return vector.mul(Transforms.pow(statistic.addi(epsilon), config.exponent(1), false));
        }
        double exponent = config.exponent(layout.order());
        INDArray[][] powers = new INDArray[factors.length][];
        for (int b = 0; b < factors.length; b++) {
            powers[b] = new INDArray[factors[b].length];
            for (int i = 0; i < factors[b].length; i++) {
                powers[b][i] = NdArrays.as(statisticPower(factors[b][i], exponent), storageType);
            }
        }
        return modeProducts(vector, b -> powers[b]);
    }

    /** (L + ε_eff I)^{power} of one statistic, in float64. */
    private INDArray statisticPower(SymmetricFactor factor, double power) {
        double scale = config.statistics() == StatisticsMode.SUM ? factor.absorbed() : 1.0;
        INDArray statistic = NdArrays.copyAs(factor.average(), DataType.DOUBLE).muli(scale);
        INDArray symmetric = statistic.add(statistic.transpose()).muli(0.5);
        EigenDecomposition eigen = linearAlgebra.eigh(symmetric);
        if (!eigen.succeeded()) {
            throw new IllegalStateException("shampoo layer '" + name + "': eigendecomposition of statistic '"
                    + factor.role() + "' failed: " + eigen.failure().orElse("?"));
        }
        INDArray values = Transforms.max(NdArrays.copyAs(eigen.eigenvalues(), DataType.DOUBLE), 0.0, false);
        double epsilon = effectiveEpsilon(values.maxNumber().doubleValue());
        return InverseRoots.power(eigen.eigenvectors(), values, epsilon, power);
    }

    /** The gradient in the layout's shape: the array itself when nothing is dropped or merged (any ordering). */
    private INDArray merged(INDArray gradient) {
        return sameShape ? gradient : gradient.reshape('c', layout.shape());
    }

    private INDArray[] rootsOf(int b) {
        INDArray[] result = new INDArray[roots[b].length];
        for (int i = 0; i < result.length; i++) {
            result[i] = roots[b][i].value();
        }
        return result;
    }

    /** Block b of the merged gradient as a dense array (the array itself when there is one block). */
    private INDArray part(INDArray merged, int b) {
        List<TensorLayout.Block> blocks = layout.blocks();
        return blocks.size() == 1 ? merged : merged.get(blocks.get(b).indices()).dup('c');
    }

    @Override
    public String toString() {
        return "ShampooBlock{" + name + ": " + layout + ", " + config.grafting() + " grafting}";
    }
}
