package org.kron4j.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.kron4j.api.model.Loss;
import org.kron4j.reference.exact.TinyMlp;
import org.kron4j.testkit.oracle.DenseMatrices;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Guards the api's {@link Loss} samplers and output Hessians, on which the MC Fisher depends.
 *
 * <p>Statistical tolerances: every frequency / mean is compared with its expectation within 5
 * standard errors. Across the ≈ 60 comparisons in this class a false alarm has probability
 * ≈ 60 · 6e-7 ≈ 4e-5, and the generators are seeded, so a pass is reproducible; a sampler off by
 * one part in a hundred on a probability of 0.2 (σ ≈ 0.0013 at N = 100 000) is caught.
 */
@SuppressWarnings("try") // ND4J's Random.close() declares InterruptedException
class LossSamplingTest {
    private static final int REPEATS = 25_000;

    /** Four categorical distributions, one with a zero-probability class. */
    private static final double[][] PROBABILITIES = {
        {0.7, 0.2, 0.1, 0.0},
        {0.25, 0.25, 0.25, 0.25},
        {0.01, 0.04, 0.15, 0.8},
        {0.0, 0.5, 0.0, 0.5},
    };

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
    void sampleTargets_softmax_frequenciesMatchProbabilities(DataType type) throws Exception {
        INDArray p = tiledInterleaved(PROBABILITIES, type);
        try (Random random = Nd4j.getRandomFactory().getNewRandomInstance(2024)) {
            INDArray draws = Loss.SOFTMAX_CROSS_ENTROPY.sampleTargets(p, random);
            assertThat(draws.dataType()).isEqualTo(type);
            double[][] y = rows(draws);
            int k = PROBABILITIES[0].length;
            double[][] counts = new double[PROBABILITIES.length][k];
            int malformed = 0;
            for (int r = 0; r < y.length; r++) {
                double rowSum = 0;
                for (int j = 0; j < k; j++) {
                    malformed += y[r][j] == 0.0 || y[r][j] == 1.0 ? 0 : 1;
                    rowSum += y[r][j];
                    counts[r % PROBABILITIES.length][j] += y[r][j];
                }
                malformed += rowSum == 1.0 ? 0 : 1;
            }
            assertThat(malformed).as("entries not 0/1 or rows not one-hot").isZero();
            for (int d = 0; d < PROBABILITIES.length; d++) {
                for (int j = 0; j < k; j++) {
                    double prob = PROBABILITIES[d][j];
                    double frequency = counts[d][j] / REPEATS;
                    if (prob == 0.0) {
                        assertThat(counts[d][j]).as("impossible class %d of distribution %d", j, d).isZero();
                    } else {
                        double se = Math.sqrt(prob * (1 - prob) / REPEATS);
                        assertThat(frequency).as("distribution %d class %d", d, j).isCloseTo(prob, within(5 * se));
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
    void sampleTargets_sigmoid_bernoulliFrequenciesMatch(DataType type) throws Exception {
        double[][] probabilities = {{0.05, 0.5, 0.93}, {1.0, 0.0, 0.3}};
        INDArray p = tiledInterleaved(probabilities, type);
        try (Random random = Nd4j.getRandomFactory().getNewRandomInstance(7)) {
            double[][] y = rows(Loss.SIGMOID_CROSS_ENTROPY.sampleTargets(p, random));
            double[][] counts = new double[2][3];
            int malformed = 0;
            for (int r = 0; r < y.length; r++) {
                for (int j = 0; j < 3; j++) {
                    malformed += y[r][j] == 0.0 || y[r][j] == 1.0 ? 0 : 1;
                    counts[r % 2][j] += y[r][j];
                }
            }
            assertThat(malformed).as("entries not 0/1").isZero();
            for (int d = 0; d < 2; d++) {
                for (int j = 0; j < 3; j++) {
                    double prob = probabilities[d][j];
                    double se = Math.sqrt(prob * (1 - prob) / REPEATS);
                    assertThat(counts[d][j] / REPEATS).as("row %d unit %d", d, j).isCloseTo(prob, within(5 * se));
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = DataType.class, names = {"FLOAT", "DOUBLE"})
    void sampleTargets_squaredError_isUnitGaussianAroundPrediction(DataType type) throws Exception {
        double[][] means = {{-2.0, 0.0, 3.5}};
        INDArray p = tiledInterleaved(means, type);
        try (Random random = Nd4j.getRandomFactory().getNewRandomInstance(11)) {
            double[][] y = rows(Loss.SQUARED_ERROR.sampleTargets(p, random));
            int n = y.length;
            for (int j = 0; j < 3; j++) {
                double sum = 0;
                for (double[] row : y) {
                    sum += row[j];
                }
                double mean = sum / n;
                double sq = 0;
                double fourth = 0;
                for (double[] row : y) {
                    double r = row[j] - means[0][j];
                    sq += r * r;
                    fourth += r * r * r * r;
                }
                // mean: SE = 1/√n; variance of N(0,1) samples: SE = √(2/n); E r⁴ = 3: SE = √(96/n)
                assertThat(mean).as("unit %d mean", j).isCloseTo(means[0][j], within(5 / Math.sqrt(n)));
                assertThat(sq / n).as("unit %d variance", j).isCloseTo(1.0, within(5 * Math.sqrt(2.0 / n)));
                assertThat(fourth / n).as("unit %d fourth moment", j).isCloseTo(3.0, within(5 * Math.sqrt(96.0 / n)));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Loss.class)
    void sampledResiduals_haveTheOutputHessianAsCovariance(Loss loss) throws Exception {
        // E_y[(o − y)(o − y)ᵀ] = ∂²ℓ/∂s² for all three losses: the identity that makes the MC
        // Fisher unbiased. Checked entry-wise within 5 standard errors estimated from the draws.
        double[][] logits = {{0.3, -1.2, 0.8}};
        INDArray s = tiledInterleaved(logits, DataType.DOUBLE);
        INDArray o = loss.predictions(s);
        double[] p = TinyMlp.predictions(loss, logits[0]);
        double[][] h = TinyMlp.outputHessian(loss, p);
        try (Random random = Nd4j.getRandomFactory().getNewRandomInstance(13)) {
            double[][] r = rows(loss.perExampleGradient(o, loss.sampleTargets(o, random)));
            int n = r.length;
            for (int a = 0; a < 3; a++) {
                for (int b = 0; b < 3; b++) {
                    double sum = 0;
                    double sumSq = 0;
                    for (double[] row : r) {
                        double v = row[a] * row[b];
                        sum += v;
                        sumSq += v * v;
                    }
                    double mean = sum / n;
                    double se = Math.sqrt(Math.max(sumSq / n - mean * mean, 0) / n);
                    assertThat(mean).as("%s cov[%d][%d]", loss, a, b).isCloseTo(h[a][b], within(5 * se + 1e-12));
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Loss.class)
    void meanOutputHessianAndLoss_matchPlainJava(Loss loss) {
        // Closed forms evaluated in ND4J DOUBLE and plain Java: rounding only, 1e-13.
        double[][] logits = TestNets.inputs(6, 4, 300);
        double[][] targets = TestNets.targets(loss, 6, 4, 301);
        INDArray s = Nd4j.create(logits);
        INDArray o = loss.predictions(s);
        double[][] expected = new double[4][4];
        double lossSum = 0;
        for (int i = 0; i < logits.length; i++) {
            double[] p = TinyMlp.predictions(loss, logits[i]);
            assertThat(DenseMatrices.maxAbsDifference(DenseMatrices.toDoubleArray(o.getRow(i).reshape(1, 4))[0], p))
                    .isLessThan(1e-13);
            expected = DenseMatrices.add(expected, TinyMlp.outputHessian(loss, p));
            lossSum += TinyMlp.exampleLoss(loss, logits[i], targets[i]);
        }
        expected = DenseMatrices.scale(expected, 1.0 / logits.length);
        assertThat(DenseMatrices.maxAbsDifference(DenseMatrices.toDoubleArray(loss.meanOutputHessian(o)), expected))
                .isLessThan(1e-13);
        assertThat(loss.meanLoss(s, Nd4j.create(targets))).isCloseTo(lossSum / logits.length, within(1e-13));
        assertThat(loss.meanOutputHessian(o.castTo(DataType.FLOAT)).dataType()).isEqualTo(DataType.FLOAT);
    }

    /** Row r holds distribution r mod rows.length; REPEATS copies of each. */
    private static INDArray tiledInterleaved(double[][] rows, DataType type) {
        int k = rows[0].length;
        double[] flat = new double[REPEATS * rows.length * k];
        for (int r = 0; r < REPEATS * rows.length; r++) {
            System.arraycopy(rows[r % rows.length], 0, flat, r * k, k);
        }
        return Nd4j.create(flat, new long[] {(long) REPEATS * rows.length, k}, 'c').castTo(type);
    }

    /** A large matrix's values in one bulk copy (toDoubleMatrix fetches row by row, slowly). */
    private static double[][] rows(INDArray matrix) {
        int k = matrix.columns();
        double[] flat = matrix.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        double[][] out = new double[flat.length / k][k];
        for (int r = 0; r < out.length; r++) {
            System.arraycopy(flat, r * k, out[r], 0, k);
        }
        return out;
    }
}
