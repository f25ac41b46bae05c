package org.kron4j.tribuo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.oracle.labs.mlrg.olcut.util.Pair;
import java.util.EnumSet;
import java.util.List;
import java.util.SplittableRandom;
import org.assertj.core.data.Offset;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.kron4j.api.capture.BatchOracle;
import org.kron4j.api.capture.CaptureField;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.capture.StepPlan;
import org.kron4j.api.capture.TargetSource;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.Loss;
import org.kron4j.testkit.oracle.DenseMatrices;
import org.kron4j.reference.exact.ExactCurvature;
import org.kron4j.reference.exact.TinyMlp;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.junit.jupiter.api.Test;
import org.tribuo.classification.sgd.objectives.LogMulticlass;
import org.tribuo.math.la.DenseMatrix;
import org.tribuo.math.la.DenseVector;
import org.tribuo.math.la.SGDVector;
import org.tribuo.math.la.Tensor;
import org.tribuo.regression.sgd.objectives.SquaredLoss;

/**
 * The Tribuo trainers' batch oracle, driven the way Tribuo's SGD loop drives the parameters (one
 * {@code gradients(objective.lossAndGradient(…), features)} per example), against the plain-Java
 * oracles for a one-layer net: the dense exact GGN of {@link ExactCurvature} and {@link TinyMlp}'s
 * loss at displaced weights.
 */
class LinearBatchOracleTest {
    private static final int N = 4;
    private static final int M = 3;
    private static final int B = 6;

    private record Batch(double[][] x, double[][] y, double[][] w, ModelCapture capture) {
    }

    private static Batch run(Loss loss, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        CapturingLinearParameters params = new CapturingLinearParameters(N + 1, M, loss, loss,
                loss == Loss.SOFTMAX_CROSS_ENTROPY ? "LogMulticlass" : "SquaredLoss", seed);
        DenseMatrix weights = params.getWeightMatrix();
        double[][] w = new double[M][N + 1];
        for (int r = 0; r < M; r++) {
            for (int c = 0; c <= N; c++) {
                w[r][c] = random.nextDouble() - 0.5;
                weights.set(r, c, w[r][c]);
            }
        }
        StepPlan plan = new StepPlan(0, EnumSet.of(CaptureField.BATCH_LOSS, CaptureField.BATCH_ORACLE),
                TargetSource.MC_FISHER);
        params.expect(plan);
        double[][] x = new double[B][N];
        double[][] y = new double[B][M];
        for (int i = 0; i < B; i++) {
            double[] features = new double[N + 1];
            for (int j = 0; j < N; j++) {
                x[i][j] = 3.0 * random.nextDouble() - 1.5;
                features[j] = x[i][j];
            }
            features[N] = 1.0; // Tribuo's bias feature
            SGDVector example = DenseVector.createDenseVector(features);
            SGDVector prediction = weights.leftMultiply(example);
            Pair<Double, SGDVector> score;
            if (loss == Loss.SOFTMAX_CROSS_ENTROPY) {
                int label = random.nextInt(M);
                y[i][label] = 1.0;
                score = new LogMulticlass().lossAndGradient(label, prediction);
            } else {
                for (int k = 0; k < M; k++) {
                    y[i][k] = 2.0 * random.nextDouble() - 1.0;
                }
                score = new SquaredLoss().lossAndGradient(DenseVector.createDenseVector(y[i]), prediction);
            }
            params.gradients(score, example);
        }
        ModelCapture capture = params.capture(plan, new Tensor[] {new DenseMatrix(M, N + 1)}, 1.0);
        return new Batch(x, y, w, capture);
    }

    private static double[] randomVector(int length, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] v = new double[length];
        for (int i = 0; i < length; i++) {
            v[i] = 2.0 * random.nextDouble() - 1.0;
        }
        return v;
    }

    @ParameterizedTest
    @EnumSource(value = Loss.class, names = {"SOFTMAX_CROSS_ENTROPY", "SQUARED_ERROR"})
    void oracle_matchesDenseExactGgnAndLoss(Loss loss) {
        // float64 on both sides, same sums in another order: rounding only (1e-12); the targets the
        // oracle recovers as o + ascent carry ~1e-16 of rounding, far below the tolerance.
        Batch batch = run(loss, 31);
        TinyMlp net = new TinyMlp(new double[][][] {batch.w()}, new Activation[] {Activation.IDENTITY}, loss, true);
        ExactCurvature exact = ExactCurvature.of(net, batch.x(), batch.y());
        BatchOracle oracle = batch.capture().requireOracle();
        assertThat(oracle.batchSize()).isEqualTo(B);
        assertThat(batch.capture().batchLoss()).isCloseTo(exact.meanLoss(), Offset.offset(1e-12));

        double[] v = randomVector(net.parameterCount(), 32);
        double[] w = randomVector(net.parameterCount(), 33);
        List<INDArray> vv = List.of(DenseMatrices.unvecToINDArray(v, M, N + 1, DataType.DOUBLE));
        List<INDArray> ww = List.of(DenseMatrices.unvecToINDArray(w, M, N + 1, DataType.DOUBLE));
        double[][] ggn = exact.fisher();
        double[] product = DenseMatrices.vec(DenseMatrices.toDoubleArray(oracle.gaussNewtonTimes(vv).get(0)));
        assertThat(DenseMatrices.relativeError(product, DenseMatrices.multiply(ggn, v))).isLessThan(1e-12);
        double[][] expectedGram = {
            {DenseMatrices.dot(v, DenseMatrices.multiply(ggn, v)), DenseMatrices.dot(v, DenseMatrices.multiply(ggn, w))},
            {DenseMatrices.dot(w, DenseMatrices.multiply(ggn, v)), DenseMatrices.dot(w, DenseMatrices.multiply(ggn, w))}};
        assertThat(DenseMatrices.relativeError(oracle.gaussNewtonGram(List.of(vv, ww)), expectedGram)).isLessThan(1e-12);

        double[] theta = net.parameterVector();
        double[] displaced = theta.clone();
        for (int i = 0; i < theta.length; i++) {
            displaced[i] += 0.3 * v[i];
        }
        double expected = net.withParameters(displaced).meanLoss(batch.x(), batch.y());
        assertThat(oracle.lossAt(List.of(vv.get(0).mul(0.3)))).isCloseTo(expected, Offset.offset(1e-12));
        assertThat(expected).isNotCloseTo(exact.meanLoss(), Offset.offset(1e-6));
    }

    @Test
    void nonLikelihoodObjective_refusesTheBatchFields() {
        CapturingLinearParameters params = new CapturingLinearParameters(N + 1, M, null, Loss.SQUARED_ERROR, "Huber", 1);
        assertThatThrownBy(() -> params.expect(new StepPlan(0, EnumSet.of(CaptureField.BATCH_ORACLE),
                TargetSource.EMPIRICAL))).isInstanceOf(IllegalStateException.class).hasMessageContaining("Huber");
    }
}
