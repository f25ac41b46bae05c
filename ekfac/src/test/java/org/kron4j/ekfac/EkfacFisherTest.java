package org.kron4j.ekfac;

import static org.assertj.core.api.Assertions.assertThat;
import static org.kron4j.ekfac.EkfacTesting.basis;
import static org.kron4j.ekfac.EkfacTesting.diagonalInBasis;
import static org.kron4j.ekfac.EkfacTesting.inputVectors;
import static org.kron4j.ekfac.EkfacTesting.outputVectors;
import static org.kron4j.ekfac.EkfacTesting.relativeMaxError;
import static org.kron4j.testkit.oracle.DenseMatrices.frobeniusNorm;
import static org.kron4j.testkit.oracle.DenseMatrices.subtract;
import static org.kron4j.testkit.oracle.DenseMatrices.toDoubleArray;

import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.kron4j.api.CurvatureApproximation;
import org.kron4j.api.capture.TargetSource;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.Loss;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.optim.OptimizerSettings;
import org.kron4j.kfac.KfacApproximation;
import org.kron4j.reference.exact.ExactCurvature;
import org.kron4j.reference.mlp.ReferenceMlp;
import org.kron4j.testkit.oracle.DenseMatrices;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Tests 1 and 2 of the EKFAC issue, against the exact Fisher of tiny networks computed in plain
 * Java by {@link ExactCurvature} (per-example Jacobians, no Kronecker structure assumed).
 *
 * <p>Protocol: a float64 optimizer with {@code targets=exact} (the engine back-propagates the k
 * columns of the output Hessian's square root, so the factors and the scalings are exact batch
 * expectations) takes two steps on the same batch and the same weights (the updates are not
 * applied). Step 0 sets A, G and their eigenbasis; step 1 measures the scalings in that basis.
 * Being the first batch S absorbs, it is taken whole, so S is exactly that batch's estimate; the
 * second absorption of the identical A and G leaves them (and so the basis) as they were.
 */
class EkfacFisherTest {

    static Stream<Arguments> nets() {
        return Stream.of(
                Arguments.of(new int[] {3, 4, 3}, Activation.TANH, Loss.SOFTMAX_CROSS_ENTROPY, true, 5, 1L),
                Arguments.of(new int[] {3, 4, 3}, Activation.TANH, Loss.SOFTMAX_CROSS_ENTROPY, true, 5, 2L),
                Arguments.of(new int[] {4, 3, 3, 2}, Activation.SIGMOID, Loss.SIGMOID_CROSS_ENTROPY, true, 6, 3L),
                Arguments.of(new int[] {2, 5, 3}, Activation.RELU, Loss.SQUARED_ERROR, true, 7, 4L),
                Arguments.of(new int[] {4, 3, 4}, Activation.SOFTPLUS, Loss.SOFTMAX_CROSS_ENTROPY, false, 4, 5L),
                Arguments.of(new int[] {5, 4, 3}, Activation.TANH, Loss.SOFTMAX_CROSS_ENTROPY, true, 3, 6L));
    }

    /** A network, a batch, its exact curvature and the optimizers after the two steps. */
    private record Fixture(ReferenceMlp mlp, ExactCurvature exact, KroneckerOptimizer ekfac,
            KroneckerOptimizer kfac) {
    }

    private static Fixture fixture(int[] sizes, Activation hidden, Loss loss, boolean bias, int batch, long seed) {
        ReferenceMlp mlp = ReferenceMlp.builder(sizes).hidden(hidden).loss(loss).bias(bias)
                .dataType(DataType.DOUBLE).seed(seed).build();
        // Glorot weights have zero biases; random ones make the example a generic point
        Random random = new Random(seed);
        for (INDArray w : mlp.parameters()) {
            double[][] shift = EkfacTesting.gaussian(random, w.rows(), w.columns());
            w.addi(DenseMatrices.toINDArray(shift, DataType.DOUBLE).muli(0.3));
        }
        double[][] x = EkfacTesting.gaussian(random, batch, sizes[0]);
        double[][] y = EkfacTesting.targets(random, loss, batch, sizes[sizes.length - 1]);
        ExactCurvature exact = ExactCurvature.of(mlp, x, y);
        return new Fixture(mlp, exact, twoSteps(new EkfacApproximation(), mlp, x, y),
                twoSteps(new KfacApproximation(), mlp, x, y));
    }

    private static KroneckerOptimizer twoSteps(CurvatureApproximation variant, ReferenceMlp mlp, double[][] x,
            double[][] y) {
        KroneckerOptimizer.Builder builder = EkfacTesting.float64(variant, mlp.modelSpec())
                .set(OptimizerSettings.TARGETS, TargetSource.EXACT).periods(1, 1000);
        if (variant instanceof KfacApproximation) {
            builder.set(OptimizerSettings.DAMPING_MODE, org.kron4j.api.optim.DampingMode.EIGEN);
        }
        KroneckerOptimizer optimizer = builder.build();
        INDArray inputs = DenseMatrices.toINDArray(x, DataType.DOUBLE);
        INDArray targets = DenseMatrices.toINDArray(y, DataType.DOUBLE);
        for (int step = 0; step < 2; step++) {
            assertThat(optimizer.step(mlp.capture(inputs, targets, optimizer.plan(), null)).applied()).isTrue();
        }
        return optimizer;
    }

    @ParameterizedTest(name = "{0} {1} {2} bias={3} B={4} seed={5}")
    @MethodSource("nets")
    void scalings_exactTargets_equalFisherDiagonalInKroneckerEigenbasis(int[] sizes, Activation hidden, Loss loss,
            boolean bias, int batch, long seed) {
        Fixture f = fixture(sizes, hidden, loss, bias, batch, seed);
        for (int l = 0; l < f.mlp().layerCount(); l++) {
            EkfacBlock block = EkfacTesting.block(f.ekfac(), l);
            // the basis is the eigenbasis of the exact factors (A, G from the exact oracle)
            assertThat(relativeMaxError(toDoubleArray(block.factors().input().average()), f.exact().inputFactor(l)))
                    .isLessThan(1e-12);
            assertThat(relativeMaxError(toDoubleArray(block.factors().output().average()), f.exact().outputFactor(l)))
                    .isLessThan(1e-12);
            double[][] q = basis(inputVectors(block), outputVectors(block));
            double[][] scalings = toDoubleArray(block.scalings());
            int m = scalings.length;
            double[][] expected = diagonalInBasis(f.exact().fisherBlock(l), q, m, scalings[0].length);
            // float64 throughout: S sums B·k products of projections of O(1) values, the oracle conjugates
            // an O(P²) Fisher; both are accurate to ~1e-15 relative, so 1e-10 is margin, while a wrong
            // formula (squares taken after summing the k rows, a missing 1/B, the wrong side) is O(1) off
            assertThat(relativeMaxError(scalings, expected)).as("layer %d", l).isLessThan(1e-10);
            assertThat(block.scalingBatches()).isEqualTo(1);
        }
    }

    @ParameterizedTest(name = "{0} {1} {2} bias={3} B={4} seed={5}")
    @MethodSource("nets")
    void frobeniusDistance_ekfacAtMostKfac_strictlyWhereTheyDiffer(int[] sizes, Activation hidden, Loss loss,
            boolean bias, int batch, long seed) {
        Fixture f = fixture(sizes, hidden, loss, bias, batch, seed);
        int strict = 0;
        for (int l = 0; l < f.mlp().layerCount(); l++) {
            double[][] fisher = f.exact().fisherBlock(l);
            double[][] ekfac = toDoubleArray(f.ekfac().estimator().blocks().get(l).curvatureMatrix().orElseThrow());
            double[][] kfac = toDoubleArray(f.kfac().estimator().blocks().get(l).curvatureMatrix().orElseThrow());
            // K-FAC's block is the oracle's A ⊗ G (sums of O(1) products in float64)
            assertThat(relativeMaxError(kfac, f.exact().kfacBlock(l))).isLessThan(1e-12);
            double scale = frobeniusNorm(fisher);
            double toEkfac = frobeniusNorm(subtract(fisher, ekfac));
            double toKfac = frobeniusNorm(subtract(fisher, kfac));
            double between = frobeniusNorm(subtract(ekfac, kfac));
            // Both are Q diag(·) Qᵀ in the same orthonormal basis, so ‖F − Q D Qᵀ‖² = ‖offdiag(QᵀFQ)‖²
            // + ‖diag(QᵀFQ) − D‖²: EKFAC zeroes the second term, hence the Pythagorean identity
            // ‖F − K‖² = ‖F − E‖² + ‖E − K‖². Rounding in float64 perturbs each squared norm by ~1e-14·scale².
            assertThat(toEkfac).as("layer %d", l).isLessThanOrEqualTo(toKfac + 1e-12 * scale);
            assertThat(toKfac * toKfac - toEkfac * toEkfac).as("layer %d", l)
                    .isCloseTo(between * between, org.assertj.core.data.Offset.offset(1e-10 * scale * scale));
            if (between > 1e-6 * scale) {
                assertThat(toEkfac).as("layer %d", l).isLessThan(toKfac);
                strict++;
            }
        }
        // with B > 1 examples the exact Fisher is not Kronecker-factored, so somewhere the two differ
        assertThat(strict).isPositive();
    }

    /**
     * The case where the two coincide: with one example, ā ā ᵀ ⊗ Σ_c g_c g_cᵀ is the exact Fisher
     * block, so K-FAC is exact and EKFAC's scalings are K-FAC's eigenvalues.
     */
    @Test
    void frobeniusDistance_oneExample_ekfacEqualsKfacEqualsFisher() {
        Fixture f = fixture(new int[] {3, 4, 3}, Activation.TANH, Loss.SOFTMAX_CROSS_ENTROPY, true, 1, 7L);
        for (int l = 0; l < f.mlp().layerCount(); l++) {
            double[][] fisher = f.exact().fisherBlock(l);
            double[][] ekfac = toDoubleArray(f.ekfac().estimator().blocks().get(l).curvatureMatrix().orElseThrow());
            double[][] kfac = toDoubleArray(f.kfac().estimator().blocks().get(l).curvatureMatrix().orElseThrow());
            // float64 rounding of O(1) entries
            assertThat(relativeMaxError(kfac, fisher)).isLessThan(1e-12);
            assertThat(relativeMaxError(ekfac, fisher)).isLessThan(1e-10);
        }
    }
}
