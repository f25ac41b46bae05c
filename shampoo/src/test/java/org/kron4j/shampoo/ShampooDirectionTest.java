package org.kron4j.shampoo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.kron4j.api.capture.LayerCapture;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.model.Loss;
import org.kron4j.api.model.ModelSpec;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.optim.OptimizerSettings;
import org.kron4j.api.optim.StepResult;
import org.kron4j.api.store.Precision;
import org.kron4j.testkit.oracle.DenseMatrices;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Shampoo's direction through the full optimizer against the explicit formulas, recomputed in plain
 * Java ({@link PlainShampoo}: index-arithmetic unfoldings, Jacobi roots). Every optimizer here
 * refreshes every step (tInv = 1), starts preconditioning at once, grafts nothing and stores in
 * float64, so the direction is exactly G ×₁ R₁ ⋯ ×_k R_k.
 *
 * <p>Tolerance: both sides compute the roots of L + εI to a relative accuracy of about
 * κ·n^{1.5}·u (see {@link InverseRootsTest}); a direction is k mode products of those roots, so its
 * relative error is bounded by k times that. {@link #tolerance} allows 10× more, and the
 * condition numbers here are below 1e5, so tolerances are ~1e-9 or tighter.
 */
class ShampooDirectionTest {
    private static final double U = 1.1e-16;

    private static KroneckerOptimizer.Builder exact(ModelSpec model) {
        return KroneckerOptimizer.builder(new ShampooApproximation()).model(model)
                .set(OptimizerSettings.STORAGE_PRECISION, Precision.DOUBLE)
                .learningRate(0.1)
                .momentum(0.0)
                .periods(1, 1)
                .set(ShampooApproximation.START_PRECONDITIONING_STEP, 0)
                .set(ShampooApproximation.GRAFTING, Grafting.NONE)
                .set(ShampooApproximation.DIAGONAL_MAX_SIZE, 0);
    }

    private static double tolerance(PlainShampoo oracle, int order, int largestMode) {
        return 10 * order * oracle.condition() * Math.pow(largestMode, 1.5) * U;
    }

    private static INDArray array(double[] flat, long... shape) {
        return Nd4j.createFromArray(flat).reshape('c', shape);
    }

    private static double[] flat(INDArray array) {
        return array.dup('c').reshape(-1).toDoubleVector();
    }

    /**
     * Runs {@code steps} steps on one layer with Gaussian gradients and checks every direction
     * against the oracle, within {@link #tolerance} for the oracle's current condition number
     * plus {@code extraPerCondition}·κ (for iterative roots, whose error is their residual
     * amplified by at most κ).
     */
    private static void checkAgainstOracle(KroneckerOptimizer optimizer, PlainShampoo oracle, long[] shape, int steps,
            long seed, double extraPerCondition) {
        Random random = new Random(seed);
        int size = (int) Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        int order = oracle.order();
        int largest = oracle.largestMode();
        for (int step = 0; step < steps; step++) {
            double[] g = Plain.gaussian(size, random);
            StepResult result = optimizer.step(ModelCapture.of(4, List.of(LayerCapture.ofGradient(array(g, shape)))));
            oracle.absorb(g);
            double[] expected = oracle.direction(g);
            double error = DenseMatrices.relativeError(flat(result.directions().get(0)), expected);
            double tolerance = tolerance(oracle, order, largest) + extraPerCondition * order * oracle.condition();
            assertThat(error).as("step %d, relative error (tolerance %s, κ %s)", step, tolerance, oracle.condition())
                    .isLessThanOrEqualTo(tolerance);
        }
    }

    /** Dense 40 → 30 with bias: G is 30×41 (1230 entries > blockSize, so it stays a matrix under the defaults). */
    private static final ModelSpec DENSE = ModelSpec.sequential(Loss.SQUARED_ERROR,
            LayerSpec.dense("fc", 40, 30, true, Activation.TANH));
    private static final long[] DENSE_SHAPE = {30, 41};

    @Test
    void matrix_equalsExplicitTwoSidedRoot_emaAbsoluteEpsilon() {
        KroneckerOptimizer optimizer = exact(DENSE)
                .set(OptimizerSettings.STATISTICS_DECAY, 0.7)
                .set(ShampooApproximation.EPSILON, 1e-2)
                .set(ShampooApproximation.EPSILON_MODE, EpsilonMode.ABSOLUTE)
                .build();
        assertThat(((ShampooBlock) optimizer.estimator().blocks().get(0)).layout().shape()).containsExactly(DENSE_SHAPE);
        PlainShampoo oracle = new PlainShampoo(new int[] {30, 41}, 0.7, 1e-2, false, false, 0.25);
        checkAgainstOracle(optimizer, oracle, DENSE_SHAPE, 5, 1, 0);
    }

    @Test
    void matrix_equalsExplicitTwoSidedRoot_sumRelativeEpsilon() {
        KroneckerOptimizer optimizer = exact(DENSE)
                .set(OptimizerSettings.STATISTICS_DECAY, 1.0)
                .set(ShampooApproximation.STATISTICS, StatisticsMode.SUM)
                .set(ShampooApproximation.EPSILON, 1e-4)
                .set(ShampooApproximation.EPSILON_MODE, EpsilonMode.RELATIVE)
                .build();
        PlainShampoo oracle = new PlainShampoo(new int[] {30, 41}, 1.0, 1e-4, true, true, 0.25);
        checkAgainstOracle(optimizer, oracle, DENSE_SHAPE, 5, 2, 0);
    }

    @Test
    void matrix_coupledNewton_equalsExplicitTwoSidedRoot() {
        KroneckerOptimizer optimizer = exact(DENSE)
                .set(OptimizerSettings.STATISTICS_DECAY, 0.7)
                .set(ShampooApproximation.ROOT_METHOD, RootMethod.COUPLED_NEWTON)
                .set(ShampooApproximation.NEWTON_TOLERANCE, 1e-12)
                .set(ShampooApproximation.EPSILON, 1e-2)
                .set(ShampooApproximation.EPSILON_MODE, EpsilonMode.ABSOLUTE)
                .build();
        PlainShampoo oracle = new PlainShampoo(new int[] {30, 41}, 0.7, 1e-2, false, false, 0.25);
        // Accepted at residual ‖M − I‖_max ≤ 1e-12: the root's relative error is that residual
        // amplified by at most κ (and divided by p), hence the extra 1e-12·κ per root.
        checkAgainstOracle(optimizer, oracle, DENSE_SHAPE, 5, 3, 1e-12);
    }

    @Test
    void smallDenseLayer_mergedToOneMode_isFullMatrixRoot() {
        // Dense 4 -> 6 with bias: 6×5 = 30 <= blockSize merges to one mode of 30 (exponent 1/2).
        ModelSpec model = ModelSpec.sequential(Loss.SQUARED_ERROR, LayerSpec.dense("fc", 4, 6, true, Activation.TANH));
        KroneckerOptimizer optimizer = exact(model)
                .set(OptimizerSettings.STATISTICS_DECAY, 0.7)
                .set(ShampooApproximation.EPSILON, 1e-2)
                .set(ShampooApproximation.EPSILON_MODE, EpsilonMode.ABSOLUTE)
                .build();
        assertThat(((ShampooBlock) optimizer.estimator().blocks().get(0)).layout().shape()).containsExactly(30);
        PlainShampoo oracle = new PlainShampoo(new int[] {30}, 0.7, 1e-2, false, false, 0.5);
        checkAgainstOracle(optimizer, oracle, new long[] {6, 5}, 4, 10, 0);
    }

    @Test
    void order3Tensor_equalsExplicitModeProducts() {
        ModelSpec model = new ModelSpec(List.of(LayerSpec.tensor("t", 3, 4, 5)), false, Loss.SQUARED_ERROR);
        KroneckerOptimizer optimizer = exact(model)
                .set(OptimizerSettings.STATISTICS_DECAY, 0.8)
                .set(ShampooApproximation.MERGE_SMALL_DIMS, false)
                .set(ShampooApproximation.EPSILON, 1e-3)
                .set(ShampooApproximation.EPSILON_MODE, EpsilonMode.ABSOLUTE)
                .build();
        ShampooBlock block = (ShampooBlock) optimizer.estimator().blocks().get(0);
        assertThat(block.layout().order()).isEqualTo(3);
        PlainShampoo oracle = new PlainShampoo(new int[] {3, 4, 5}, 0.8, 1e-3, false, false, 1.0 / 6);
        checkAgainstOracle(optimizer, oracle, new long[] {3, 4, 5}, 5, 4, 0);
    }

    @Test
    void order4Tensor_withExponentOverride_equalsExplicitModeProducts() {
        ModelSpec model = new ModelSpec(List.of(LayerSpec.tensor("conv", 2, 3, 4, 3)), false, Loss.SQUARED_ERROR);
        KroneckerOptimizer optimizer = exact(model)
                .set(OptimizerSettings.STATISTICS_DECAY, 0.8)
                .set(ShampooApproximation.MERGE_SMALL_DIMS, false)
                .set(ShampooApproximation.EXPONENT, 0.25)
                .set(ShampooApproximation.EPSILON, 1e-2)
                .set(ShampooApproximation.EPSILON_MODE, EpsilonMode.ABSOLUTE)
                .build();
        PlainShampoo oracle = new PlainShampoo(new int[] {2, 3, 4, 3}, 0.8, 1e-2, false, false, 0.25);
        checkAgainstOracle(optimizer, oracle, new long[] {2, 3, 4, 3}, 4, 5, 0);
    }

    @Test
    void mergeSmallDims_equalsShampooOnTheMergedShape() {
        // 3×3×8×5 with blockSize 16 merges greedily to 9×8×5 (9·8 = 72 > 16, 8·5 = 40 > 16).
        ModelSpec model = new ModelSpec(List.of(LayerSpec.tensor("k", 3, 3, 8, 5)), false, Loss.SQUARED_ERROR);
        KroneckerOptimizer optimizer = exact(model)
                .set(OptimizerSettings.STATISTICS_DECAY, 0.8)
                .set(ShampooApproximation.BLOCK_SIZE, 16)
                .set(ShampooApproximation.EPSILON, 1e-3)
                .set(ShampooApproximation.EPSILON_MODE, EpsilonMode.ABSOLUTE)
                .build();
        ShampooBlock block = (ShampooBlock) optimizer.estimator().blocks().get(0);
        assertThat(block.layout().shape()).containsExactly(9, 8, 5);
        PlainShampoo oracle = new PlainShampoo(new int[] {9, 8, 5}, 0.8, 1e-3, false, false, 1.0 / 6);
        checkAgainstOracle(optimizer, oracle, new long[] {3, 3, 8, 5}, 4, 6, 0);
    }

    @Test
    void fOrderedGradient_sameDirectionAsCOrdered() {
        ModelSpec model = new ModelSpec(List.of(LayerSpec.tensor("t", 3, 4, 5)), false, Loss.SQUARED_ERROR);
        KroneckerOptimizer c = exact(model).set(ShampooApproximation.MERGE_SMALL_DIMS, false).build();
        KroneckerOptimizer f = exact(model).set(ShampooApproximation.MERGE_SMALL_DIMS, false).build();
        Random random = new Random(7);
        for (int step = 0; step < 3; step++) {
            INDArray g = array(Plain.gradient(60, random), 3, 4, 5);
            INDArray fromC = c.step(ModelCapture.of(1, List.of(LayerCapture.ofGradient(g)))).directions().get(0);
            INDArray fromF = f.step(ModelCapture.of(1, List.of(LayerCapture.ofGradient(g.dup('f'))))).directions().get(0);
            // Same values in another memory layout: the arithmetic is identical after the 'c' reshape.
            assertThat(flat(fromF)).isEqualTo(flat(fromC));
        }
    }

    @Test
    void blocking_equalsShampooOnEachBlockSeparately() {
        // An 8×6 matrix and a 6×6×3 tensor with blockSize 4, against one optimizer whose layers
        // are the blocks: 8×6 → [4,4],[4,2],[4,4],[4,2]; 6×6×3 → [4,4,3],[4,2,3],[2,4,3],[2,2,3].
        long[][] blockedShapes = {{8, 6}, {6, 6, 3}};
        ModelSpec blockedModel = new ModelSpec(List.of(LayerSpec.tensor("m", 8, 6), LayerSpec.tensor("t", 6, 6, 3)),
                false, Loss.SQUARED_ERROR);
        KroneckerOptimizer blocked = exact(blockedModel)
                .set(ShampooApproximation.BLOCK_SIZE, 4)
                .set(ShampooApproximation.MERGE_SMALL_DIMS, false)
                .build();
        assertThat(((ShampooBlock) blocked.estimator().blocks().get(0)).layout().blocks()).hasSize(4);
        assertThat(((ShampooBlock) blocked.estimator().blocks().get(1)).layout().blocks()).hasSize(4);

        List<List<TensorLayout.Block>> partitions = new ArrayList<>();
        List<LayerSpec> pieces = new ArrayList<>();
        for (int l = 0; l < blockedShapes.length; l++) {
            List<TensorLayout.Block> blocks = TensorLayout.of(blockedShapes[l], 4, false, 0).blocks();
            partitions.add(blocks);
            for (int b = 0; b < blocks.size(); b++) {
                pieces.add(LayerSpec.tensor("piece" + l + "_" + b, blocks.get(b).sizes()));
            }
        }
        KroneckerOptimizer separate = exact(new ModelSpec(pieces, false, Loss.SQUARED_ERROR))
                .set(ShampooApproximation.MERGE_SMALL_DIMS, false)
                .build();

        Random random = new Random(8);
        for (int step = 0; step < 4; step++) {
            List<INDArray> gradients = new ArrayList<>();
            List<LayerCapture> whole = new ArrayList<>();
            List<LayerCapture> split = new ArrayList<>();
            for (int l = 0; l < blockedShapes.length; l++) {
                int size = (int) Arrays.stream(blockedShapes[l]).reduce(1, (a, b) -> a * b);
                INDArray g = array(Plain.gradient(size, random), blockedShapes[l]);
                gradients.add(g);
                whole.add(LayerCapture.ofGradient(g));
                for (TensorLayout.Block block : partitions.get(l)) {
                    split.add(LayerCapture.ofGradient(g.get(block.indices()).dup('c')));
                }
            }
            List<INDArray> wholeDirections = blocked.step(ModelCapture.of(1, whole)).directions();
            List<INDArray> pieceDirections = separate.step(ModelCapture.of(1, split)).directions();
            int piece = 0;
            for (int l = 0; l < blockedShapes.length; l++) {
                for (TensorLayout.Block block : partitions.get(l)) {
                    double[] expected = flat(pieceDirections.get(piece++));
                    double[] actual = flat(wholeDirections.get(l).get(block.indices()));
                    // The same ND4J operations on the same dense block: identical up to the BLAS
                    // kernel's choice of summation order for a sub-matrix, i.e. a few ulps (1e-13).
                    assertThat(DenseMatrices.relativeError(actual, expected)).as("layer %d %s step %d", l, block, step)
                            .isLessThanOrEqualTo(1e-13);
                }
            }
        }
    }

    @Test
    void vector_usesDiagonalMethod() {
        ModelSpec model = new ModelSpec(List.of(LayerSpec.tensor("bias", 7)), false, Loss.SQUARED_ERROR);
        KroneckerOptimizer optimizer = exact(model)
                .set(OptimizerSettings.STATISTICS_DECAY, 0.9)
                .set(ShampooApproximation.EPSILON, 1e-3)
                .set(ShampooApproximation.EPSILON_MODE, EpsilonMode.ABSOLUTE)
                .build();
        assertThat(((ShampooBlock) optimizer.estimator().blocks().get(0)).layout().isDiagonal()).isTrue();
        Random random = new Random(9);
        double[] average = new double[7];
        for (int step = 1; step <= 5; step++) {
            double[] g = Plain.gaussian(7, random);
            double[] d = flat(optimizer.step(ModelCapture.of(1, List.of(LayerCapture.ofGradient(array(g, 7)))))
                    .directions().get(0));
            double w = Math.max(1 - 0.9, 1.0 / step);
            double[] expected = new double[7];
            for (int j = 0; j < 7; j++) {
                average[j] = (1 - w) * average[j] + w * g[j] * g[j];
                expected[j] = g[j] * Math.pow(average[j] + 1e-3, -0.5);
            }
            // A few float64 operations per entry (the store's weight form vs. this one): 1e-14.
            assertThat(DenseMatrices.relativeError(d, expected)).isLessThanOrEqualTo(1e-14);
        }
    }
}
