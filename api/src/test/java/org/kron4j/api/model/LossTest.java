package org.kron4j.api.model;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class LossTest {
    private static final double[][] LOGITS = {{0.3, -1.2, 2.0}, {1.5, 0.1, -0.4}};

    /** Plain-Java per-example output Hessian of each loss at logits s. */
    private static double[][] hessian(Loss loss, double[] s) {
        int k = s.length;
        double[][] h = new double[k][k];
        switch (loss) {
            case SOFTMAX_CROSS_ENTROPY -> {
                double max = java.util.Arrays.stream(s).max().orElseThrow();
                double z = 0;
                double[] p = new double[k];
                for (int i = 0; i < k; i++) {
                    p[i] = Math.exp(s[i] - max);
                    z += p[i];
                }
                for (int i = 0; i < k; i++) {
                    p[i] /= z;
                }
                for (int i = 0; i < k; i++) {
                    for (int j = 0; j < k; j++) {
                        h[i][j] = (i == j ? p[i] : 0) - p[i] * p[j];
                    }
                }
            }
            case SIGMOID_CROSS_ENTROPY -> {
                for (int i = 0; i < k; i++) {
                    double p = 1 / (1 + Math.exp(-s[i]));
                    h[i][i] = p * (1 - p);
                }
            }
            case SQUARED_ERROR -> {
                for (int i = 0; i < k; i++) {
                    h[i][i] = 1;
                }
            }
            default -> throw new AssertionError(loss);
        }
        return h;
    }

    @ParameterizedTest
    @EnumSource(Loss.class)
    void hessianSquareRoot_rowsOuterProductsSumToEachExamplesHessian(Loss loss) {
        INDArray logits = Nd4j.create(LOGITS);
        INDArray roots = loss.hessianSquareRoot(loss.predictions(logits));
        int b = LOGITS.length;
        int k = LOGITS[0].length;
        assertThat(roots.shape()).containsExactly((long) k * b, k);
        for (int i = 0; i < b; i++) {
            double[][] sum = new double[k][k];
            for (int c = 0; c < k; c++) {
                double[] r = roots.getRow((long) c * b + i).toDoubleVector();
                for (int x = 0; x < k; x++) {
                    for (int y = 0; y < k; y++) {
                        sum[x][y] += r[x] * r[y];
                    }
                }
            }
            double[][] expected = hessian(loss, LOGITS[i]);
            for (int x = 0; x < k; x++) {
                // float64 sums of k=3 products of O(1) numbers: 1e-15 leaves room for a few roundings
                assertThat(sum[x]).containsExactly(expected[x], org.assertj.core.data.Offset.offset(1e-15));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Loss.class)
    void meanOutputHessian_isBatchMeanOfPerExampleHessians(Loss loss) {
        INDArray logits = Nd4j.create(LOGITS);
        INDArray mean = loss.meanOutputHessian(loss.predictions(logits));
        double[][] h0 = hessian(loss, LOGITS[0]);
        double[][] h1 = hessian(loss, LOGITS[1]);
        for (int x = 0; x < 3; x++) {
            for (int y = 0; y < 3; y++) {
                assertThat(mean.getDouble(x, y)).isCloseTo((h0[x][y] + h1[x][y]) / 2,
                        org.assertj.core.data.Offset.offset(1e-15));
            }
        }
    }

    @Test
    void meanLoss_matchesPlainFormulas() {
        INDArray logits = Nd4j.create(LOGITS);
        INDArray targets = Nd4j.create(new double[][] {{0, 0, 1}, {1, 0, 0}});
        double ce = 0;
        double bce = 0;
        double se = 0;
        for (int i = 0; i < 2; i++) {
            double z = 0;
            for (double s : LOGITS[i]) {
                z += Math.exp(s);
            }
            for (int c = 0; c < 3; c++) {
                double y = targets.getDouble(i, c);
                double s = LOGITS[i][c];
                ce -= y * (s - Math.log(z));
                double p = 1 / (1 + Math.exp(-s));
                bce -= y * Math.log(p) + (1 - y) * Math.log(1 - p);
                se += 0.5 * (s - y) * (s - y);
            }
        }
        // a handful of float64 log/exp evaluations: agreement to 1e-12 absolute
        assertThat(Loss.SOFTMAX_CROSS_ENTROPY.meanLoss(logits, targets)).isCloseTo(ce / 2, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(Loss.SIGMOID_CROSS_ENTROPY.meanLoss(logits, targets)).isCloseTo(bce / 2, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(Loss.SQUARED_ERROR.meanLoss(logits, targets)).isCloseTo(se / 2, org.assertj.core.data.Offset.offset(1e-12));
    }

    @Test
    void sampleTargets_softmax_oneHotRows() {
        INDArray p = Loss.SOFTMAX_CROSS_ENTROPY.predictions(Nd4j.create(LOGITS).castTo(DataType.FLOAT));
        INDArray y = Loss.SOFTMAX_CROSS_ENTROPY.sampleTargets(p, Nd4j.getRandomFactory().getNewRandomInstance(3));
        assertThat(y.sum(1).toDoubleVector()).containsExactly(1.0, 1.0);
        assertThat(java.util.Arrays.stream(y.toDoubleMatrix()[0]).allMatch(v -> v == 0.0 || v == 1.0)).isTrue();
    }
}
