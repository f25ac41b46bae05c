package org.kron4j.reference.data;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A small, immutable classification data set: features (B×d), integer labels, their one-hot
 * form (B×C) and the class names. The values are held in plain Java arrays; {@link #features()}
 * and {@link #oneHot()} build ND4J copies in the set's {@link #dataType()} on every call, so
 * callers may modify what they get (fetch them once per run, not once per step).
 *
 * <p>Derived sets ({@link #standardize()}, {@link #split}, {@link #subset}, {@link #as}) are new
 * instances; this one never changes.
 */
public final class Dataset {
    private final String name;
    private final double[][] x;
    private final int[] labels;
    private final List<String> classNames;
    private final DataType dataType;

    /**
     * @param name       a short name ("digits", "iris", …)
     * @param features   B rows of d features; copied
     * @param labels     B integer labels in [0, classNames.size()); copied
     * @param classNames the classes, in label order
     * @param dataType   the type of the ND4J arrays this set hands out (FLOAT or DOUBLE)
     */
    public Dataset(String name, double[][] features, int[] labels, List<String> classNames, DataType dataType) {
        this.name = Objects.requireNonNull(name, "name");
        this.classNames = List.copyOf(classNames);
        this.dataType = Objects.requireNonNull(dataType, "dataType");
        if (features.length == 0 || features.length != labels.length) {
            throw new IllegalArgumentException(name + ": need a non-empty set with one label per row, got "
                    + features.length + " rows and " + labels.length + " labels");
        }
        int d = features[0].length;
        this.x = new double[features.length][];
        for (int i = 0; i < features.length; i++) {
            if (features[i].length != d) {
                throw new IllegalArgumentException(name + ": row " + i + " has " + features[i].length
                        + " features, expected " + d);
            }
            if (labels[i] < 0 || labels[i] >= this.classNames.size()) {
                throw new IllegalArgumentException(name + ": row " + i + " has label " + labels[i] + " outside [0, "
                        + this.classNames.size() + ")");
            }
            this.x[i] = features[i].clone();
        }
        this.labels = labels.clone();
    }

    public String name() {
        return name;
    }

    /** B, the number of examples. */
    public int size() {
        return x.length;
    }

    /** d, the number of features. */
    public int featureCount() {
        return x[0].length;
    }

    /** C, the number of classes. */
    public int classCount() {
        return classNames.size();
    }

    public List<String> classNames() {
        return classNames;
    }

    public DataType dataType() {
        return dataType;
    }

    /** The features as a new B×d ND4J matrix. */
    public INDArray features() {
        return Nd4j.create(x).castTo(dataType);
    }

    /** The labels as a new B×C one-hot ND4J matrix. */
    public INDArray oneHot() {
        double[][] y = new double[x.length][classCount()];
        for (int i = 0; i < x.length; i++) {
            y[i][labels[i]] = 1.0;
        }
        return Nd4j.create(y).castTo(dataType);
    }

    /** The integer labels, a copy. */
    public int[] labels() {
        return labels.clone();
    }

    /** The features as {@code double[B][d]}, a copy (for the plain-Java oracles). */
    public double[][] featureArray() {
        double[][] out = new double[x.length][];
        for (int i = 0; i < x.length; i++) {
            out[i] = x[i].clone();
        }
        return out;
    }

    /** The one-hot labels as {@code double[B][C]}. */
    public double[][] oneHotArray() {
        double[][] y = new double[x.length][classCount()];
        for (int i = 0; i < x.length; i++) {
            y[i][labels[i]] = 1.0;
        }
        return y;
    }

    /** How many examples each class has. */
    public int[] classCounts() {
        int[] counts = new int[classCount()];
        for (int label : labels) {
            counts[label]++;
        }
        return counts;
    }

    /** The same data handing out arrays of another type. */
    public Dataset as(DataType type) {
        return type == dataType ? this : new Dataset(name, x, labels, classNames, type);
    }

    /** The examples at the given row indices, in that order (repeats allowed). */
    public Dataset subset(int[] rows) {
        double[][] sx = new double[rows.length][];
        int[] sy = new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
            sx[i] = x[rows[i]];
            sy[i] = labels[rows[i]];
        }
        return new Dataset(name, sx, sy, classNames, dataType);
    }

    /** The first {@code count} examples. */
    public Dataset head(int count) {
        int[] rows = new int[Math.min(count, size())];
        Arrays.setAll(rows, i -> i);
        return subset(rows);
    }

    // ---------------------------------------------------------------- standardisation

    /**
     * Per-column z-scores fitted on a data set: (x − mean) / std with the population standard
     * deviation; a constant column (std below 1e-12 of its scale) maps to 0.
     *
     * @param means per-column means
     * @param stds  per-column population standard deviations (0 for constant columns)
     */
    public record Standardizer(double[] means, double[] stds) {
        public Standardizer {
            means = means.clone();
            stds = stds.clone();
            if (means.length != stds.length) {
                throw new IllegalArgumentException("means and stds differ in length");
            }
        }

        @Override
        public double[] means() {
            return means.clone();
        }

        @Override
        public double[] stds() {
            return stds.clone();
        }

        /** The data set with these statistics applied to its features. */
        public Dataset apply(Dataset data) {
            if (data.featureCount() != means.length) {
                throw new IllegalArgumentException("fitted on " + means.length + " features, got " + data.featureCount());
            }
            double[][] z = new double[data.size()][means.length];
            for (int i = 0; i < z.length; i++) {
                for (int j = 0; j < means.length; j++) {
                    z[i][j] = stds[j] == 0.0 ? 0.0 : (data.x[i][j] - means[j]) / stds[j];
                }
            }
            return new Dataset(data.name, z, data.labels, data.classNames, data.dataType);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Standardizer other && Arrays.equals(means, other.means) && Arrays.equals(stds, other.stds);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(means) + Arrays.hashCode(stds);
        }

        @Override
        public String toString() {
            return "Standardizer" + Arrays.toString(means) + "/" + Arrays.toString(stds);
        }
    }

    /** Per-column statistics of this set, to apply to it and to held-out data. */
    public Standardizer standardizer() {
        int d = featureCount();
        double[] mean = new double[d];
        double[] std = new double[d];
        for (double[] row : x) {
            for (int j = 0; j < d; j++) {
                mean[j] += row[j];
            }
        }
        for (int j = 0; j < d; j++) {
            mean[j] /= x.length;
        }
        for (double[] row : x) {
            for (int j = 0; j < d; j++) {
                double r = row[j] - mean[j];
                std[j] += r * r;
            }
        }
        for (int j = 0; j < d; j++) {
            std[j] = Math.sqrt(std[j] / x.length);
            if (std[j] <= 1e-12 * Math.max(1.0, Math.abs(mean[j]))) {
                std[j] = 0.0;
            }
        }
        return new Standardizer(mean, std);
    }

    /**
     * Every feature as a z-score over this set (mean 0, population std 1; constant columns, such
     * as the digits' always-blank border pixels, become 0). For a train/test split fit on the
     * training part: {@code train.standardizer().apply(test)}.
     */
    public Dataset standardize() {
        return standardizer().apply(this);
    }

    // ---------------------------------------------------------------- splitting

    /** A train/test pair. */
    public record Split(Dataset train, Dataset test) {
    }

    /**
     * A seeded, stratified split: within each class the examples are shuffled with
     * {@code new java.util.Random(seed)} and round(testFraction × class size) of them go to the
     * test set; both parts keep the original row order otherwise.
     *
     * @param testFraction in (0, 1)
     */
    public Split split(double testFraction, long seed) {
        if (!(testFraction > 0.0 && testFraction < 1.0)) {
            throw new IllegalArgumentException("testFraction must be in (0, 1), got " + testFraction);
        }
        Random random = new Random(seed);
        boolean[] inTest = new boolean[size()];
        for (int c = 0; c < classCount(); c++) {
            List<Integer> members = new ArrayList<>();
            for (int i = 0; i < labels.length; i++) {
                if (labels[i] == c) {
                    members.add(i);
                }
            }
            java.util.Collections.shuffle(members, random);
            int take = (int) Math.round(testFraction * members.size());
            for (int t = 0; t < take; t++) {
                inTest[members.get(t)] = true;
            }
        }
        int testCount = 0;
        for (boolean b : inTest) {
            testCount += b ? 1 : 0;
        }
        if (testCount == 0 || testCount == size()) {
            throw new IllegalArgumentException("testFraction " + testFraction + " leaves an empty part of " + size()
                    + " examples");
        }
        int[] train = new int[size() - testCount];
        int[] test = new int[testCount];
        int a = 0;
        int b = 0;
        for (int i = 0; i < size(); i++) {
            if (inTest[i]) {
                test[b++] = i;
            } else {
                train[a++] = i;
            }
        }
        return new Split(subset(train), subset(test));
    }

    @Override
    public String toString() {
        return name + "[" + size() + "×" + featureCount() + ", " + classCount() + " classes, " + dataType + "]";
    }
}
