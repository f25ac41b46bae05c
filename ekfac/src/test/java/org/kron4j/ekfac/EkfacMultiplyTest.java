package org.kron4j.ekfac;

import static org.assertj.core.api.Assertions.assertThat;
import static org.kron4j.ekfac.EkfacTesting.basis;
import static org.kron4j.ekfac.EkfacTesting.batchScalings;
import static org.kron4j.ekfac.EkfacTesting.conjugate;
import static org.kron4j.ekfac.EkfacTesting.factor;
import static org.kron4j.ekfac.EkfacTesting.gaussian;
import static org.kron4j.ekfac.EkfacTesting.withOnes;
import static org.kron4j.testkit.oracle.DenseMatrices.addToDiagonal;
import static org.kron4j.testkit.oracle.DenseMatrices.kron;
import static org.kron4j.testkit.oracle.DenseMatrices.relativeError;
import static org.kron4j.testkit.oracle.DenseMatrices.vec;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.kron4j.api.DampingInUse;
import org.kron4j.api.capture.LayerCapture;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.model.Loss;
import org.kron4j.api.model.ModelSpec;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.optim.OptimizerSettings;
import org.kron4j.testkit.oracle.DenseMatrices;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * EKFAC's curvature × vector against the dense matrix Q diag(vec S + λ) Qᵀ in float64, with
 * Q = Q_A ⊗ Q_G formed explicitly and S written out from the raw batches: after the first step S
 * is the K-FAC eigenvalues, so the product is (A ⊗ G + λI) v from the raw batch; after a second
 * statistics step S is that batch's projected second moments S₁ in the unchanged basis (the first
 * batch the scalings absorb is taken whole: step 0 had no basis to project into).
 */
class EkfacMultiplyTest {
    private static final int BATCH = 10;
    private static final int N = 3;
    private static final int M = 4;
    private static final double DAMPING = 0.02;
    private static final LayerSpec LAYER = LayerSpec.dense("l", N, M, true, Activation.TANH);

    private static ModelCapture capture(double[][] a, double[][] g, double[][] gradient) {
        return ModelCapture.of(BATCH, List.of(LayerCapture.builder()
                .gradient(DenseMatrices.toINDArray(gradient, DataType.DOUBLE))
                .inputs(DenseMatrices.toINDArray(a, DataType.DOUBLE))
                .outputGradients(DenseMatrices.toINDArray(g, DataType.DOUBLE)).build()));
    }

    @Test
    void multiply_equalsDenseEigenbasisMatrixWithDampedScalings() {
        Random random = new Random(5);
        KroneckerOptimizer optimizer = EkfacTesting.float64(new EkfacApproximation(),
                        ModelSpec.sequential(Loss.SQUARED_ERROR, LAYER))
                .set(OptimizerSettings.STATISTICS_DECAY, 0.95)
                .periods(1, 100).damping(DAMPING).build();
        double[][] a0 = gaussian(random, BATCH, N);
        double[][] g0 = gaussian(random, BATCH, M);
        optimizer.step(capture(a0, g0, gaussian(random, M, N + 1)));
        double[][] v = gaussian(random, M, N + 1);
        INDArray vector = DenseMatrices.toINDArray(v, DataType.DOUBLE);
        double[][] kfac = kron(factor(withOnes(a0, true), BATCH), factor(g0, BATCH));

        for (double damping : new double[] {0.0, DAMPING, 0.3}) {
            double[] expected = DenseMatrices.multiply(addToDiagonal(kfac, damping), vec(v));
            double[] actual = vec(DenseMatrices.toDoubleArray(optimizer.estimator().blocks().get(0)
                    .multiply(vector, damping)));
            // Q diag(λ_G λ_Aᵀ) Qᵀ reproduces A ⊗ G to the eigendecomposition's backward error, ~dim·eps·‖A⊗G‖;
            // relative to ‖(A⊗G + λ)v‖ with κ ≤ ~1e3 that is < 1e-11; 1e-9 leaves margin, a wrong basis
            // or scaling layout gives O(1)
            assertThat(relativeError(actual, expected)).as("step 0, λ=%s", damping).isLessThan(1e-9);
        }

        EkfacBlock block = EkfacTesting.block(optimizer, 0);
        double[][] inputVectors = EkfacTesting.inputVectors(block);
        double[][] outputVectors = EkfacTesting.outputVectors(block);
        double[][] q = basis(inputVectors, outputVectors);
        double[][] a1 = gaussian(random, BATCH, N);
        double[][] g1 = gaussian(random, BATCH, M);
        optimizer.step(capture(a1, g1, gaussian(random, M, N + 1)));
        double[] scalings = vec(batchScalings(withOnes(a1, true), g1, inputVectors, outputVectors));
        for (double damping : new double[] {0.0, DAMPING}) {
            double[] diagonal = scalings.clone();
            for (int i = 0; i < diagonal.length; i++) {
                diagonal[i] += damping;
            }
            double[] expected = DenseMatrices.multiply(conjugate(q, diagonal), vec(v));
            double[] actual = vec(DenseMatrices.toDoubleArray(block.multiply(vector, damping)));
            // same products as above plus sums of B squared projections: rounding ~1e-14; 1e-9 as above
            assertThat(relativeError(actual, expected)).as("step 1, λ=%s", damping).isLessThan(1e-9);
        }

        // precondition inverts multiply exactly (same basis, same S), whatever was absorbed since the refresh
        double[] roundTrip = vec(DenseMatrices.toDoubleArray(block.precondition(block.multiply(vector, DAMPING),
                DAMPING)));
        assertThat(relativeError(roundTrip, vec(v))).isLessThan(1e-9);
        assertThat(block.dampingInUse()).contains(DampingInUse.exact(DAMPING));
    }
}
