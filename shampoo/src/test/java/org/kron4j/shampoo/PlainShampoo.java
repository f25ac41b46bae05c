package org.kron4j.shampoo;

import java.util.ArrayList;
import java.util.List;
import org.kron4j.testkit.oracle.DenseMatrices;

/**
 * A plain-Java Shampoo for one tensor held flat in row-major ('c') order: mode-i unfoldings by
 * index arithmetic, statistics with the factor store's documented moving-average weights
 * w_t = max(1 − β, 1/t), roots by {@link Plain#inverseRoot} (Jacobi). Independent of ND4J and of
 * the code under test.
 */
final class PlainShampoo {
    private final int[] shape;
    private final double decay;
    private final double epsilon;
    private final boolean relative;
    private final boolean sum;
    private final double exponent;
    private final List<double[][]> statistics = new ArrayList<>();
    private int steps;

    PlainShampoo(int[] shape, double decay, double epsilon, boolean relative, boolean sum, double exponent) {
        this.shape = shape.clone();
        this.decay = decay;
        this.epsilon = epsilon;
        this.relative = relative;
        this.sum = sum;
        this.exponent = exponent;
        for (int d : shape) {
            statistics.add(new double[d][d]);
        }
    }

    int largestMode() {
        return java.util.Arrays.stream(shape).max().orElseThrow();
    }

    int order() {
        return shape.length;
    }

    /** Folds one gradient into the statistics. */
    void absorb(double[] gradient) {
        steps++;
        double w = Math.max(1 - decay, 1.0 / steps);
        for (int i = 0; i < shape.length; i++) {
            double[][] x = unfold(gradient, shape, i);
            Plain.combine(statistics.get(i), 1 - w, DenseMatrices.multiply(x, DenseMatrices.transpose(x)), w);
        }
    }

    /** G ×₁ R₁ ⋯ ×_k R_k with R_i = (L_i + ε_eff I)^{-e}. */
    double[] direction(double[] gradient) {
        double[] result = gradient.clone();
        for (int i = 0; i < shape.length; i++) {
            double[][] l = DenseMatrices.copy(statistics.get(i));
            if (sum) {
                Plain.combine(l, steps, l, 0);
            }
            double eps = epsilon;
            if (relative) {
                double largest = Plain.largestEigenvalue(l);
                eps = largest > 0 ? epsilon * largest : epsilon;
            }
            result = modeProduct(result, shape, i, Plain.inverseRoot(l, eps, exponent));
        }
        return result;
    }

    /** Condition number of the worst (L_i + ε_eff I), for tolerances. */
    double condition() {
        double worst = 1;
        for (double[][] l : statistics) {
            double[] values = Plain.jacobi(l).values();
            double max = 0;
            for (double v : values) {
                max = Math.max(max, v);
            }
            double scale = sum ? steps : 1;
            double eps = relative && max > 0 ? epsilon * max * scale : epsilon;
            worst = Math.max(worst, (max * scale + eps) / eps);
        }
        return worst;
    }

    /** The mode-i unfolding: row a holds every entry with index a in mode i, the other indices in row-major order. */
    static double[][] unfold(double[] flat, int[] shape, int mode) {
        int rows = shape[mode];
        int columns = flat.length / rows;
        double[][] x = new double[rows][columns];
        int[] counters = new int[rows];
        int[] index = new int[shape.length];
        for (int f = 0; f < flat.length; f++) {
            int a = index[mode];
            x[a][counters[a]++] = flat[f];
            increment(index, shape);
        }
        return x;
    }

    /** G ×_i M: entry [..a..] = Σ_j M[a][j] G[..j..]. */
    static double[] modeProduct(double[] flat, int[] shape, int mode, double[][] m) {
        double[][] product = DenseMatrices.multiply(m, unfold(flat, shape, mode));
        double[] result = new double[flat.length];
        int[] counters = new int[shape[mode]];
        int[] index = new int[shape.length];
        for (int f = 0; f < flat.length; f++) {
            int a = index[mode];
            result[f] = product[a][counters[a]++];
            increment(index, shape);
        }
        return result;
    }

    private static void increment(int[] index, int[] shape) {
        for (int i = shape.length - 1; i >= 0; i--) {
            if (++index[i] < shape[i]) {
                return;
            }
            index[i] = 0;
        }
    }
}
