package org.kron4j.reference.exact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.Loss;
import org.kron4j.testkit.TestNets;
import org.kron4j.testkit.oracle.DenseMatrices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** The plain-Java curvature oracle against finite differences, closed forms and Kronecker identities. */
class ExactCurvatureTest {

    /** A 3 → 4 → 3 → k net with random weights (biases included), in plain Java. */
    static TinyMlp net(Activation hidden, Loss loss, int k, boolean bias, long seed) {
        int[] sizes = {3, 4, 3, k};
        SplittableRandom random = new SplittableRandom(seed);
        double[][][] w = new double[3][][];
        for (int l = 0; l < 3; l++) {
            w[l] = new double[sizes[l + 1]][sizes[l] + (bias ? 1 : 0)];
            for (double[] row : w[l]) {
                for (int c = 0; c < row.length; c++) {
                    row[c] = random.nextDouble() * 1.6 - 0.8;
                }
            }
        }
        return new TinyMlp(w, new Activation[] {hidden, hidden, Activation.IDENTITY}, loss, bias);
    }

    static Stream<Arguments> activationsAndLosses() {
        List<Arguments> cases = new ArrayList<>();
        for (Activation a : new Activation[] {Activation.IDENTITY, Activation.TANH, Activation.SIGMOID,
                Activation.RELU, Activation.SOFTPLUS}) {
            for (Loss loss : Loss.values()) {
                cases.add(Arguments.of(a, loss));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} / {1}")
    @MethodSource("activationsAndLosses")
    void jacobians_matchCentralDifferences(Activation activation, Loss loss) {
        TinyMlp net = net(activation, loss, 3, true, 101);
        double[][] x = TestNets.inputs(3, 3, 102);
        ExactCurvature exact = ExactCurvature.of(net, x, TestNets.targets(loss, 3, 3, 103));
        double[] theta = net.parameterVector();
        double h = 1e-6;
        // Central differences of the network output, h = 1e-6: truncation O(h²) ≈ 1e-12, rounding
        // ≈ 1e-16/1e-6 = 1e-10 for outputs of order 1; 1e-7 keeps a factor 1000 of margin.
        for (int p = 0; p < theta.length; p++) {
            double[] plus = theta.clone();
            double[] minus = theta.clone();
            plus[p] += h;
            minus[p] -= h;
            TinyMlp up = net.withParameters(plus);
            TinyMlp down = net.withParameters(minus);
            for (int i = 0; i < x.length; i++) {
                double[] sUp = up.output(x[i]);
                double[] sDown = down.output(x[i]);
                double[][] jac = exact.jacobian(i);
                for (int j = 0; j < sUp.length; j++) {
                    assertThat(jac[j][p]).as("example %d output %d parameter %d", i, j, p)
                            .isCloseTo((sUp[j] - sDown[j]) / (2 * h), within(1e-7));
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} / {1}")
    @MethodSource("activationsAndLosses")
    void meanGradient_matchesCentralDifferencesOfTheLoss(Activation activation, Loss loss) {
        TinyMlp net = net(activation, loss, 3, true, 111);
        double[][] x = TestNets.inputs(4, 3, 112);
        double[][] y = TestNets.targets(loss, 4, 3, 113);
        ExactCurvature exact = ExactCurvature.of(net, x, y);
        double[] g = exact.meanGradient();
        double[] theta = net.parameterVector();
        double h = 1e-6;
        assertThat(exact.meanLoss()).isCloseTo(net.meanLoss(x, y), within(1e-15));
        for (int p = 0; p < theta.length; p++) {
            double[] plus = theta.clone();
            double[] minus = theta.clone();
            plus[p] += h;
            minus[p] -= h;
            double numeric = (net.withParameters(plus).meanLoss(x, y) - net.withParameters(minus).meanLoss(x, y)) / (2 * h);
            assertThat(g[p]).as("parameter %d", p).isCloseTo(numeric, within(1e-7)); // as above
        }
    }

    @ParameterizedTest
    @EnumSource(Loss.class)
    void fisher_isSymmetricPositiveSemidefinite(Loss loss) {
        TinyMlp net = net(Activation.TANH, loss, 3, true, 121);
        ExactCurvature exact = ExactCurvature.of(net, TestNets.inputs(5, 3, 122), TestNets.targets(loss, 5, 3, 123));
        for (double[][] f : new double[][][] {exact.fisher(), exact.empiricalFisher()}) {
            assertThat(f.length).isEqualTo(net.parameterCount());
            // Sums of symmetric per-example terms: asymmetry is rounding only (entries ≲ 10).
            assertThat(DenseMatrices.isSymmetric(f, 1e-13)).isTrue();
            // Jacobi eigenvalues are accurate to ~1e-15·‖F‖; a genuinely indefinite F would have
            // eigenvalues of order ‖F‖ below zero.
            double[] eigenvalues = DenseMatrices.symmetricEigen(f).values();
            double scale = DenseMatrices.frobeniusNorm(f);
            assertThat(eigenvalues[0]).isGreaterThan(-1e-12 * scale);
            // rank ≤ B·k (Fisher) or B (empirical): with P = 43 parameters most eigenvalues vanish
            assertThat(eigenvalues[net.parameterCount() - 16]).isLessThan(1e-12 * scale);
        }
    }

    @Test
    void fisher_squaredErrorOnOneHiddenLinearLayerEqualsMeanJtJ() {
        // s = W1 [W0 ā0 ; 1]: ∂s/∂W1[r][c] = e_r ā1[c] and ∂s/∂W0[r][c] = W1[:, r] ā0[c], written
        // out here independently of the oracle's back-propagation; H = I for squared error, so
        // F = (1/B) Σ JᵀJ. Agreement to 1e-13 is rounding of order-1 numbers.
        SplittableRandom random = new SplittableRandom(131);
        int n0 = 3;
        int n1 = 4;
        int k = 2;
        double[][] w0 = new double[n1][n0 + 1];
        double[][] w1 = new double[k][n1 + 1];
        for (double[][] w : new double[][][] {w0, w1}) {
            for (double[] row : w) {
                for (int c = 0; c < row.length; c++) {
                    row[c] = random.nextDouble() * 2 - 1;
                }
            }
        }
        TinyMlp net = new TinyMlp(new double[][][] {w0, w1}, new Activation[] {Activation.IDENTITY,
                Activation.IDENTITY}, Loss.SQUARED_ERROR, true);
        double[][] x = TestNets.inputs(6, n0, 132);
        ExactCurvature exact = ExactCurvature.of(net, x, TestNets.targets(Loss.SQUARED_ERROR, 6, k, 133));
        int p0 = n1 * (n0 + 1);
        int total = p0 + k * (n1 + 1);
        double[][] expected = new double[total][total];
        for (double[] xi : x) {
            double[] a0 = {xi[0], xi[1], xi[2], 1.0};
            double[] a1 = new double[n1 + 1];
            for (int r = 0; r < n1; r++) {
                for (int c = 0; c <= n0; c++) {
                    a1[r] += w0[r][c] * a0[c];
                }
            }
            a1[n1] = 1.0;
            double[][] jac = new double[k][total];
            for (int j = 0; j < k; j++) {
                for (int r = 0; r < n1; r++) {
                    for (int c = 0; c <= n0; c++) {
                        jac[j][r + n1 * c] = w1[j][r] * a0[c];
                    }
                }
                for (int c = 0; c <= n1; c++) {
                    jac[j][p0 + j + k * c] = a1[c];
                }
            }
            expected = DenseMatrices.add(expected, DenseMatrices.multiply(DenseMatrices.transpose(jac), jac));
        }
        expected = DenseMatrices.scale(expected, 1.0 / x.length);
        assertThat(DenseMatrices.maxAbsDifference(exact.fisher(), expected)).isLessThan(1e-13);
    }

    @ParameterizedTest
    @EnumSource(Loss.class)
    void fisher_ofSingleLinearLayerEqualsFiniteDifferenceHessian(Loss loss) {
        // With one linear layer s is linear in θ, so the Gauss-Newton matrix is the true Hessian of
        // the loss: an independent check of each loss's H_i. Central differences of the analytic
        // gradient with h = 1e-5: truncation O(h²) ≈ 1e-10, rounding ≈ 1e-16/1e-5 = 1e-11; 1e-8.
        SplittableRandom random = new SplittableRandom(141);
        double[][] w = new double[3][5];
        for (double[] row : w) {
            for (int c = 0; c < row.length; c++) {
                row[c] = random.nextDouble() * 2 - 1;
            }
        }
        TinyMlp net = new TinyMlp(new double[][][] {w}, new Activation[] {Activation.IDENTITY}, loss, true);
        double[][] x = TestNets.inputs(5, 4, 142);
        double[][] y = TestNets.targets(loss, 5, 3, 143);
        double[][] fisher = ExactCurvature.of(net, x, y).fisher();
        double[] theta = net.parameterVector();
        double h = 1e-5;
        for (int p = 0; p < theta.length; p++) {
            double[] plus = theta.clone();
            double[] minus = theta.clone();
            plus[p] += h;
            minus[p] -= h;
            double[] gUp = ExactCurvature.of(net.withParameters(plus), x, y).meanGradient();
            double[] gDown = ExactCurvature.of(net.withParameters(minus), x, y).meanGradient();
            for (int q = 0; q < theta.length; q++) {
                assertThat(fisher[q][p]).as("H[%d][%d]", q, p).isCloseTo((gUp[q] - gDown[q]) / (2 * h), within(1e-8));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Loss.class)
    void fisherBlock_withOneExampleIsExactlyKroneckerOfFactors(Loss loss) {
        // For one example J_l's row j is ā ⊗ D_l[j,:]ᵀ, so J_lᵀ H J_l = ā āᵀ ⊗ D_lᵀ H D_l = A_l ⊗ G_l:
        // K-FAC is exact, for the last layer (G = H) and every other. Rounding only: 1e-14.
        TinyMlp net = net(Activation.SOFTPLUS, loss, 3, true, 151);
        ExactCurvature exact = ExactCurvature.of(net, TestNets.inputs(1, 3, 152), TestNets.targets(loss, 1, 3, 153));
        int last = net.layerCount() - 1;
        assertThat(DenseMatrices.maxAbsDifference(exact.outputFactor(last), exact.outputHessian(0))).isLessThan(1e-15);
        for (int l = 0; l <= last; l++) {
            assertThat(DenseMatrices.maxAbsDifference(exact.fisherBlock(l), exact.kfacBlock(l))).as("layer %d", l)
                    .isLessThan(1e-14);
            assertThat(DenseMatrices.maxAbsDifference(exact.kfraFactor(l), exact.outputFactor(l))).as("KFRA layer %d", l)
                    .isLessThan(1e-14);
        }
    }

    @Test
    void fisherBlock_withManyExamplesIsNotKronecker() {
        // Guard that the previous identity is not vacuous: with B > 1 and a nonlinear net the block
        // differs from A ⊗ G by much more than rounding.
        TinyMlp net = net(Activation.TANH, Loss.SOFTMAX_CROSS_ENTROPY, 3, true, 161);
        ExactCurvature exact = ExactCurvature.of(net, TestNets.inputs(10, 3, 162),
                TestNets.targets(Loss.SOFTMAX_CROSS_ENTROPY, 10, 3, 163));
        assertThat(DenseMatrices.maxAbsDifference(exact.fisherBlock(0), exact.kfacBlock(0))).isGreaterThan(1e-4);
    }

    @Test
    void kfraFactor_onDeepLinearNetWithSquaredErrorIsExactForAnyBatch() {
        // Linear activations make D_l the same for every example and H = I: the batch means in
        // KFRA's recursion lose nothing, so H̄_l = G_l exactly (DESIGN §3).
        TinyMlp net = net(Activation.IDENTITY, Loss.SQUARED_ERROR, 2, true, 171);
        ExactCurvature exact = ExactCurvature.of(net, TestNets.inputs(9, 3, 172),
                TestNets.targets(Loss.SQUARED_ERROR, 9, 2, 173));
        for (int l = 0; l < net.layerCount(); l++) {
            assertThat(DenseMatrices.maxAbsDifference(exact.kfraFactor(l), exact.outputFactor(l))).isLessThan(1e-14);
        }
    }

    @ParameterizedTest
    @EnumSource(Loss.class)
    void empiricalQuantities_areConsistent(Loss loss) {
        // The empirical Fisher's layer block is (1/B) Σ (ā āᵀ) ⊗ (g gᵀ) per example, and its
        // Kronecker factors' G is (1/B) Σ g gᵀ; both rebuilt here from per-example pieces.
        TinyMlp net = net(Activation.SIGMOID, loss, 3, true, 181);
        double[][] x = TestNets.inputs(4, 3, 182);
        ExactCurvature exact = ExactCurvature.of(net, x, TestNets.targets(loss, 4, 3, 183));
        for (int l = 0; l < net.layerCount(); l++) {
            int size = net.layerParameterCount(l);
            double[][] block = new double[size][size];
            double[][] g = new double[net.outputs(l)][net.outputs(l)];
            for (int i = 0; i < x.length; i++) {
                double[] a = exact.augmentedInput(i, l);
                double[] gi = exact.outputGradient(i, l);
                block = DenseMatrices.add(block, DenseMatrices.kron(DenseMatrices.outer(a, a), DenseMatrices.outer(gi, gi)));
                g = DenseMatrices.add(g, DenseMatrices.outer(gi, gi));
            }
            assertThat(DenseMatrices.maxAbsDifference(exact.empiricalFisherBlock(l),
                    DenseMatrices.scale(block, 1.0 / x.length))).isLessThan(1e-14);
            assertThat(DenseMatrices.maxAbsDifference(exact.empiricalOutputFactor(l),
                    DenseMatrices.scale(g, 1.0 / x.length))).isLessThan(1e-14);
        }
    }
}
