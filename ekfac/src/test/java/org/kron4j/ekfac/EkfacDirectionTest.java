package org.kron4j.ekfac;

import static org.assertj.core.api.Assertions.assertThat;
import static org.kron4j.ekfac.EkfacTesting.basis;
import static org.kron4j.ekfac.EkfacTesting.batchScalings;
import static org.kron4j.ekfac.EkfacTesting.denseDirection;
import static org.kron4j.ekfac.EkfacTesting.factor;
import static org.kron4j.ekfac.EkfacTesting.relativeMaxError;
import static org.kron4j.ekfac.EkfacTesting.withOnes;
import static org.kron4j.testkit.oracle.DenseMatrices.add;
import static org.kron4j.testkit.oracle.DenseMatrices.relativeError;
import static org.kron4j.testkit.oracle.DenseMatrices.scale;
import static org.kron4j.testkit.oracle.DenseMatrices.symmetricEigen;
import static org.kron4j.testkit.oracle.DenseMatrices.toDoubleArray;
import static org.kron4j.testkit.oracle.DenseMatrices.vec;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.kron4j.api.capture.LayerCapture;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.model.Loss;
import org.kron4j.api.model.ModelSpec;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.optim.OptimizerSettings;
import org.kron4j.api.optim.StepResult;
import org.kron4j.testkit.oracle.DenseMatrices;
import org.kron4j.testkit.oracle.DenseMatrices.SymmetricEigen;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Test 3 of the EKFAC issue: directions equal the dense Q diag(vec S + λ)⁻¹ Qᵀ vec(V) in float64,
 * with everything on the right recomputed from the raw batches in plain Java: A and G and their
 * moving averages, their eigenbases by Jacobi rotations, the scalings entry by entry, and Q as an
 * explicit Kronecker product. Random data keep the eigenvalues distinct, so the bases agree with
 * the optimizer's up to column signs, which neither S nor Q diag(·) Qᵀ sees.
 */
class EkfacDirectionTest {
    /** β = 0.6: the first S batch is taken whole, the second with 1/2, the third with 1 − β = 0.4. */
    private static final double DECAY = 0.6;

    /** One step's raw data: ā-less inputs, R = k·B output-gradient rows, the gradient V. */
    private record Batch(double[][] inputs, double[][] outputGradients, double[][] gradient) {
        ModelCapture capture() {
            return ModelCapture.of(inputs.length, List.of(LayerCapture.builder()
                    .gradient(DenseMatrices.toINDArray(gradient, DataType.DOUBLE))
                    .inputs(DenseMatrices.toINDArray(inputs, DataType.DOUBLE))
                    .outputGradients(DenseMatrices.toINDArray(outputGradients, DataType.DOUBLE)).build()));
        }
    }

    private static Batch batch(Random random, int n, int m, int examples, int rowsPerExample, boolean bias) {
        return new Batch(EkfacTesting.gaussian(random, examples, n),
                EkfacTesting.gaussian(random, examples * rowsPerExample, m),
                EkfacTesting.gaussian(random, m, n + (bias ? 1 : 0)));
    }

    private static KroneckerOptimizer optimizer(int n, int m, boolean bias, double damping, int tInv,
            ScalingsAfterRefresh afterRefresh) {
        LayerSpec layer = LayerSpec.dense("dense", n, m, bias, Activation.IDENTITY);
        return EkfacTesting.float64(new EkfacApproximation(), ModelSpec.sequential(Loss.SQUARED_ERROR, layer))
                .set(OptimizerSettings.STATISTICS_DECAY, DECAY)
                .set(EkfacApproximation.SCALINGS_AFTER_REFRESH, afterRefresh)
                .damping(damping).periods(1, tInv).build();
    }

    private static double[] direction(StepResult result) {
        assertThat(result.applied()).isTrue();
        return vec(toDoubleArray(result.directions().get(0)));
    }

    private static double[][] vectors(double[][] matrix) {
        return symmetricEigen(matrix).vectors();
    }

    @ParameterizedTest(name = "n={0} m={1} B={2} rows/example={3} bias={4} λ={5}")
    @CsvSource({"3, 2, 6, 1, true, 0.1", "5, 4, 8, 1, true, 0.01", "2, 6, 8, 1, false, 0.5",
            "4, 3, 6, 3, true, 1e-3"})
    void direction_equalsDenseInverseOfScaledEigenbasis(int n, int m, int examples, int rowsPerExample, boolean bias,
            double damping) {
        Random random = new Random(31L * n + 7L * m + rowsPerExample);
        KroneckerOptimizer optimizer = optimizer(n, m, bias, damping, 1000, ScalingsAfterRefresh.ROTATE);
        Batch first = batch(random, n, m, examples, rowsPerExample, bias);
        optimizer.step(first.capture());
        // the basis of step 0's factors, kept for the rest of the test (tInv = 1000)
        double[][] inputVectors = vectors(factor(withOnes(first.inputs(), bias), examples));
        double[][] outputVectors = vectors(factor(first.outputGradients(), examples));
        double[][] q = basis(inputVectors, outputVectors);

        double[][] scalings = null;
        double[] weights = {1.0, 0.5, 0.4};
        for (double weight : weights) {
            Batch next = batch(random, n, m, examples, rowsPerExample, bias);
            double[][] measured = batchScalings(withOnes(next.inputs(), bias), next.outputGradients(), inputVectors,
                    outputVectors);
            scalings = scalings == null ? measured : add(scale(scalings, 1 - weight), scale(measured, weight));
            double[] actual = direction(optimizer.step(next.capture()));
            double[] expected = denseDirection(q, scalings, damping, next.gradient());
            // Two float64 routes (LAPACK eigenvectors, four ND4J products vs Jacobi eigenvectors, an explicit
            // Kronecker basis and a dense product): each is backward stable, so they agree to about
            // cond·eps ≤ (max S + λ)/λ · 1e-16 ≤ 1e-11 here; a wrong S, basis or vec order is O(1) off
            assertThat(relativeError(actual, expected)).isLessThan(1e-9);
        }
        // and the curvature matrix is Q diag(vec S) Qᵀ
        double[][] curvature = toDoubleArray(EkfacTesting.block(optimizer, 0).curvatureMatrix().orElseThrow());
        assertThat(relativeMaxError(curvature, EkfacTesting.conjugate(q, vec(scalings)))).isLessThan(1e-12);
    }

    /**
     * At a refresh the scalings measured in the old basis are restated in the new one: ROTATE gives
     * diag(Q_newᵀ Q_old diag(vec S) Q_oldᵀ Q_new) (computed here with the explicit Kronecker bases),
     * KFAC gives λ_G λ_Aᵀ, so that EKFAC's direction is then K-FAC's exactly damped one,
     * (A ⊗ G + λI)⁻¹ vec V.
     */
    @ParameterizedTest
    @EnumSource(ScalingsAfterRefresh.class)
    void refresh_restatesScalingsInTheNewBasis(ScalingsAfterRefresh afterRefresh) {
        int n = 3;
        int m = 4;
        int examples = 7;
        double damping = 0.05;
        Random random = new Random(11);
        // refreshes at steps 0 and 2, statistics every step
        KroneckerOptimizer optimizer = optimizer(n, m, true, damping, 2, afterRefresh);
        Batch[] batches = new Batch[3];
        for (int t = 0; t < 3; t++) {
            batches[t] = batch(random, n, m, examples, 2, true);
        }
        double[][][] inputs = new double[3][][];
        double[][][] outputs = new double[3][][];
        for (int t = 0; t < 3; t++) {
            inputs[t] = factor(withOnes(batches[t].inputs(), true), examples);
            outputs[t] = factor(batches[t].outputGradients(), examples);
        }
        double[][] oldInputVectors = vectors(inputs[0]);
        double[][] oldOutputVectors = vectors(outputs[0]);
        double[][] s1 = batchScalings(withOnes(batches[1].inputs(), true), batches[1].outputGradients(),
                oldInputVectors, oldOutputVectors);
        double[][] s2 = batchScalings(withOnes(batches[2].inputs(), true), batches[2].outputGradients(),
                oldInputVectors, oldOutputVectors);
        double[][] beforeRefresh = add(scale(s1, 0.5), scale(s2, 0.5));
        // factor averages: weights 1, 1/2, then max(1 − β, 1/3) = 0.4
        double[][] a = add(scale(add(scale(inputs[0], 0.5), scale(inputs[1], 0.5)), 0.6), scale(inputs[2], 0.4));
        double[][] g = add(scale(add(scale(outputs[0], 0.5), scale(outputs[1], 0.5)), 0.6), scale(outputs[2], 0.4));
        SymmetricEigen newInput = symmetricEigen(a);
        SymmetricEigen newOutput = symmetricEigen(g);
        double[][] newBasis = basis(newInput.vectors(), newOutput.vectors());

        double[][] expectedScalings;
        if (afterRefresh == ScalingsAfterRefresh.ROTATE) {
            double[][] oldApproximation = EkfacTesting.conjugate(basis(oldInputVectors, oldOutputVectors),
                    vec(beforeRefresh));
            expectedScalings = EkfacTesting.diagonalInBasis(oldApproximation, newBasis, m, n + 1);
        } else {
            expectedScalings = DenseMatrices.outer(newOutput.values(), newInput.values());
        }
        optimizer.step(batches[0].capture());
        optimizer.step(batches[1].capture());
        double[] actual = direction(optimizer.step(batches[2].capture()));

        // float64 products of O(1) values; the eigenvectors agree to ~1e-14 (distinct eigenvalues)
        assertThat(relativeMaxError(toDoubleArray(EkfacTesting.block(optimizer, 0).scalings()), expectedScalings))
                .isLessThan(1e-10);
        double[] expected = denseDirection(newBasis, expectedScalings, damping, batches[2].gradient());
        assertThat(relativeError(actual, expected)).isLessThan(1e-9);
        if (afterRefresh == ScalingsAfterRefresh.KFAC) {
            double[][] dampedKronecker = DenseMatrices.addToDiagonal(DenseMatrices.kron(a, g), damping);
            double[] kfac = DenseMatrices.multiply(DenseMatrices.inverse(dampedKronecker), vec(batches[2].gradient()));
            assertThat(relativeError(actual, kfac)).isLessThan(1e-9);
        } else {
            // the rotation keeps the total curvature, tr S
            double total = 0;
            double before = 0;
            for (int p = 0; p < m; p++) {
                for (int c = 0; c <= n; c++) {
                    total += expectedScalings[p][c];
                    before += beforeRefresh[p][c];
                }
            }
            assertThat(total).isCloseTo(before, org.assertj.core.data.Offset.offset(1e-12 * before));
        }
    }
}
