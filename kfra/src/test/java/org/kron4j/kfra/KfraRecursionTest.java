package org.kron4j.kfra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.kron4j.kfra.KfraFixtures.afterOneStep;
import static org.kron4j.kfra.KfraFixtures.gaussian;
import static org.kron4j.kfra.KfraFixtures.inputFactor;
import static org.kron4j.kfra.KfraFixtures.mlp;
import static org.kron4j.kfra.KfraFixtures.propagated;
import static org.kron4j.kfra.KfraFixtures.relativeError;
import static org.kron4j.kfra.KfraFixtures.repeat;
import static org.kron4j.kfra.KfraFixtures.targets;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.Loss;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.reference.exact.ExactCurvature;
import org.kron4j.reference.mlp.ReferenceMlp;
import org.kron4j.testkit.oracle.DenseMatrices;

/**
 * Tests 1–3 of the KFRA issue: H̄_l against the testkit's exact Gauss-Newton quantities (computed
 * in plain Java from per-example Jacobians, independently of ND4J and of this module), on float64
 * nets with random non-zero biases.
 *
 * <p>Tolerance, throughout: every quantity is a handful of float64 products and sums of O(1)
 * numbers, computed in a different order by ND4J's gemm and the oracle's loops, so they agree to a
 * few hundred ulps; 1e-12 relative to the largest entry leaves room for that and nothing else (a
 * wrong formula, a missing bias column, a transposed weight give O(1) errors).
 */
class KfraRecursionTest {
    private static final double ROUNDING = 1e-12;
    private static final Activation[] KNOWN = {Activation.IDENTITY, Activation.TANH, Activation.SIGMOID,
            Activation.RELU, Activation.SOFTPLUS};

    // ------------------------------------------------------------------ test 1

    @ParameterizedTest(name = "bias={0}")
    @org.junit.jupiter.params.provider.ValueSource(booleans = {true, false})
    void deepLinearSquaredError_everyFactorEqualsExactGaussNewtonFactor(boolean bias) {
        // With identity activations and H = I, ∂s_L/∂s_l = W̃_L⋯W̃_{l+1} is the same for every example, so
        // the exact factor (1/B) Σ Dᵀ H D = Dᵀ D and the recursion (E[f'f'ᵀ] = 11ᵀ) computes exactly that.
        int[] sizes = {4, 6, 5, 7, 3};
        ReferenceMlp mlp = mlp(sizes, repeat(Activation.IDENTITY, 3), Loss.SQUARED_ERROR, bias, 11);
        double[][] x = gaussian(12, 9, 4);
        double[][] y = targets(Loss.SQUARED_ERROR, 9, 3, 13);
        KroneckerOptimizer optimizer = afterOneStep(mlp, x, y);
        ExactCurvature exact = ExactCurvature.of(mlp, x, y);
        for (int l = 0; l < mlp.layerCount(); l++) {
            assertThat(relativeError(propagated(optimizer, l), exact.outputFactor(l))).as("H̄ of layer %d", l)
                    .isLessThan(ROUNDING);
            assertThat(relativeError(inputFactor(optimizer, l), exact.inputFactor(l))).as("A of layer %d", l)
                    .isLessThan(ROUNDING);
        }
    }

    // ------------------------------------------------------------------ test 2

    static Stream<Arguments> activationsAndLosses() {
        List<Arguments> cases = new ArrayList<>();
        for (Activation activation : KNOWN) {
            for (Loss loss : Loss.values()) {
                cases.add(Arguments.of(activation, loss));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("activationsAndLosses")
    void batchOfOne_everyBlockEqualsExactGaussNewtonBlock(Activation activation, Loss loss) {
        // For one example E[f'f'ᵀ] = f'f'ᵀ, so (W̃ᵀ H̄ W̃) ∘ f'f'ᵀ = diag(f') W̃ᵀ H̄ W̃ diag(f') and the
        // recursion is exact back-propagation of the Gauss-Newton: A ⊗ H̄ = āāᵀ ⊗ DᵀHD is the exact block.
        int[] sizes = {3, 4, 5, 3};
        ReferenceMlp mlp = mlp(sizes, repeat(activation, 2), loss, true, 21);
        double[][] x = gaussian(22, 1, 3);
        double[][] y = targets(loss, 1, 3, 23);
        assertBatchOfOneExact(mlp, x, y);
    }

    @Test
    void batchOfOne_mixedActivationsNoBias_everyBlockEqualsExactGaussNewtonBlock() {
        int[] sizes = {3, 5, 4, 4, 5, 2};
        Activation[] hidden = {Activation.TANH, Activation.RELU, Activation.SOFTPLUS, Activation.SIGMOID};
        ReferenceMlp mlp = mlp(sizes, hidden, Loss.SOFTMAX_CROSS_ENTROPY, false, 31);
        assertBatchOfOneExact(mlp, gaussian(32, 1, 3), targets(Loss.SOFTMAX_CROSS_ENTROPY, 1, 2, 33));
    }

    private static void assertBatchOfOneExact(ReferenceMlp mlp, double[][] x, double[][] y) {
        KroneckerOptimizer optimizer = afterOneStep(mlp, x, y);
        ExactCurvature exact = ExactCurvature.of(mlp, x, y);
        for (int l = 0; l < mlp.layerCount(); l++) {
            double[][] block = DenseMatrices.toDoubleArray(
                    optimizer.estimator().blocks().get(l).curvatureMatrix().orElseThrow());
            assertThat(relativeError(block, exact.fisherBlock(l))).as("block of layer %d", l).isLessThan(ROUNDING);
        }
    }

    // ------------------------------------------------------------------ test 3

    @ParameterizedTest
    @EnumSource(Loss.class)
    void lastLayer_equalsBatchMeanOfOutputHessian(Loss loss) {
        int[] sizes = {3, 5, 4};
        ReferenceMlp mlp = mlp(sizes, repeat(Activation.TANH, 1), loss, true, 41);
        int batch = 11;
        double[][] x = gaussian(42, batch, 3);
        double[][] y = targets(loss, batch, 4, 43);
        KroneckerOptimizer optimizer = afterOneStep(mlp, x, y);
        ExactCurvature exact = ExactCurvature.of(mlp, x, y);
        // the expected output curvature, written out here from the predictions alone
        double[][] expected = new double[4][4];
        for (int i = 0; i < batch; i++) {
            double[] p = exact.predictions(i);
            for (int a = 0; a < 4; a++) {
                for (int b = 0; b < 4; b++) {
                    double h = switch (loss) {
                        case SOFTMAX_CROSS_ENTROPY -> (a == b ? p[a] : 0.0) - p[a] * p[b];
                        case SIGMOID_CROSS_ENTROPY -> a == b ? p[a] * (1.0 - p[a]) : 0.0;
                        case SQUARED_ERROR -> a == b ? 1.0 : 0.0;
                    };
                    expected[a][b] += h / batch;
                }
            }
        }
        assertThat(relativeError(propagated(optimizer, 1), expected)).isLessThan(ROUNDING);
    }

    @ParameterizedTest
    @EnumSource(value = Activation.class, names = {"TANH", "SIGMOID", "RELU", "SOFTPLUS"})
    void softmaxCrossEntropy_recursionMatchesDenseFloat64LayerByLayer(Activation activation) {
        int[] sizes = {4, 6, 5, 5, 3};
        ReferenceMlp mlp = mlp(sizes, repeat(activation, 3), Loss.SOFTMAX_CROSS_ENTROPY, true, 51);
        int batch = 13;
        double[][] x = gaussian(52, batch, 4);
        double[][] y = targets(Loss.SOFTMAX_CROSS_ENTROPY, batch, 3, 53);
        KroneckerOptimizer optimizer = afterOneStep(mlp, x, y);
        ExactCurvature exact = ExactCurvature.of(mlp, x, y);
        int last = mlp.layerCount() - 1;

        for (int l = last - 1; l >= 0; l--) {
            // one step of the recursion, from KFRA's own H̄_{l+1}: isolates each layer's step
            double[][] w = exact.net().weightsWithoutBias(l + 1);
            double[][] projected = DenseMatrices.multiply(DenseMatrices.transpose(w),
                    DenseMatrices.multiply(propagated(optimizer, l + 1), w));
            double[][] derivatives = exact.activationDerivatives(l);
            double[][] expected = new double[sizes[l + 1]][sizes[l + 1]];
            for (int a = 0; a < expected.length; a++) {
                for (int b = 0; b < expected.length; b++) {
                    double mean = 0.0;
                    for (double[] fp : derivatives) {
                        mean += fp[a] * fp[b];
                    }
                    expected[a][b] = projected[a][b] * mean / batch;
                }
            }
            assertThat(relativeError(propagated(optimizer, l), expected)).as("step into layer %d", l)
                    .isLessThan(ROUNDING);
            // and the whole chain from the output, against the oracle's independent recursion
            assertThat(relativeError(propagated(optimizer, l), exact.kfraFactor(l))).as("chain to layer %d", l)
                    .isLessThan(ROUNDING);
        }
        // KFRA is an approximation for B > 1: the first layer's H̄ is not the exact Gauss-Newton factor
        // (E[f'f'ᵀ] ∘ … is not E[diag(f') … diag(f')]), so the comparisons above are not vacuous.
        assertThat(relativeError(propagated(optimizer, 0), exact.outputFactor(0))).isGreaterThan(1e-4);
    }
}
