package org.kron4j.cli.soak;

/** Least-squares slope of y over x: Σ(x−x̄)(y−ȳ) / Σ(x−x̄)². */
public final class Slope {

    private Slope() {
    }

    /**
     * The slope of the least-squares line through the points.
     *
     * @throws IllegalArgumentException when the arrays differ in length, hold fewer than two points
     *     or all x are equal
     */
    public static double leastSquares(double[] x, double[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("x has " + x.length + " values, y " + y.length);
        }
        if (x.length < 2) {
            throw new IllegalArgumentException("a slope needs at least 2 points, got " + x.length);
        }
        double meanX = 0;
        double meanY = 0;
        for (int i = 0; i < x.length; i++) {
            meanX += x[i];
            meanY += y[i];
        }
        meanX /= x.length;
        meanY /= y.length;
        double sxy = 0;
        double sxx = 0;
        for (int i = 0; i < x.length; i++) {
            sxy += (x[i] - meanX) * (y[i] - meanY);
            sxx += (x[i] - meanX) * (x[i] - meanX);
        }
        if (sxx == 0) {
            throw new IllegalArgumentException("all x are equal: no slope");
        }
        return sxy / sxx;
    }
}
