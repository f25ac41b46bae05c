package org.kron4j.reference.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.GZIPInputStream;
import org.nd4j.linalg.api.buffer.DataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The small UCI data sets shipped with kron4j, as {@link Dataset}s. Features are raw (call
 * {@link Dataset#standardize()} for z-scores); labels are the integer class ids of the files.
 *
 * <table>
 *   <caption>the shipped data sets</caption>
 *   <tr><th>name</th><th>examples</th><th>features</th><th>classes</th></tr>
 *   <tr><td>digits</td><td>1797</td><td>64 (8×8 pixels, 0–16)</td><td>10</td></tr>
 *   <tr><td>iris</td><td>150</td><td>4</td><td>3</td></tr>
 *   <tr><td>wine</td><td>178</td><td>13</td><td>3</td></tr>
 *   <tr><td>breast_cancer</td><td>569</td><td>30</td><td>2</td></tr>
 * </table>
 *
 * <p><b>Credit.</b> The data come from the UCI Machine Learning Repository (Dua &amp; Graff; the
 * Optical Recognition of Handwritten Digits, Iris, Wine and Breast Cancer Wisconsin (Diagnostic)
 * data sets), licensed CC BY 4.0, in the copies scikit-learn ships
 * ({@code sklearn/datasets/data/}, taken from Debian's {@code python3-sklearn} 1.2.1); see
 * {@code org/kron4j/reference/data/SOURCE.md}.
 *
 * <p>The parsed files are cached per JVM; every call returns a new (immutable) {@link Dataset}.
 * The no-argument methods hand out FLOAT arrays, the usual training type.
 */
public final class Datasets {
    private static final Logger LOG = LoggerFactory.getLogger(Datasets.class);
    private static final Map<String, Dataset> CACHE = new ConcurrentHashMap<>();

    private Datasets() {
    }

    /** The names {@link #byName} accepts. */
    public static List<String> names() {
        return List.of("digits", "iris", "wine", "breast_cancer");
    }

    /** 1797 handwritten digits, 8×8 pixels with values 0–16, classes 0–9. */
    public static Dataset digits() {
        return digits(DataType.FLOAT);
    }

    public static Dataset digits(DataType type) {
        return load("digits", type);
    }

    /** Fisher's iris: 150 flowers, 4 measurements, 3 species. */
    public static Dataset iris() {
        return iris(DataType.FLOAT);
    }

    public static Dataset iris(DataType type) {
        return load("iris", type);
    }

    /** 178 wines, 13 chemical measurements, 3 cultivars. */
    public static Dataset wine() {
        return wine(DataType.FLOAT);
    }

    public static Dataset wine(DataType type) {
        return load("wine", type);
    }

    /** Breast Cancer Wisconsin (Diagnostic): 569 tumours, 30 features, malignant (0) / benign (1). */
    public static Dataset breastCancer() {
        return breastCancer(DataType.FLOAT);
    }

    public static Dataset breastCancer(DataType type) {
        return load("breast_cancer", type);
    }

    /**
     * A data set by name, case-insensitive, '-' and '_' interchangeable: "digits", "iris",
     * "wine" (also "wine_data"), "breast_cancer" (also "breastcancer").
     */
    public static Dataset byName(String name) {
        return byName(name, DataType.FLOAT);
    }

    public static Dataset byName(String name, DataType type) {
        String key = name.trim().toLowerCase(Locale.ROOT).replace('-', '_');
        return switch (key) {
            case "digits" -> digits(type);
            case "iris" -> iris(type);
            case "wine", "wine_data" -> wine(type);
            case "breast_cancer", "breastcancer" -> breastCancer(type);
            default -> throw new IllegalArgumentException("unknown data set '" + name + "'; known: " + names());
        };
    }

    private static Dataset load(String name, DataType type) {
        return CACHE.computeIfAbsent(name, Datasets::parse).as(type);
    }

    private static Dataset parse(String name) {
        Dataset data = switch (name) {
            case "digits" -> parseDigits();
            case "iris" -> parseWithHeader("iris", "iris.csv");
            case "wine" -> parseWithHeader("wine", "wine_data.csv");
            case "breast_cancer" -> parseWithHeader("breast_cancer", "breast_cancer.csv");
            default -> throw new IllegalArgumentException(name);
        };
        LOG.debug("loaded {}", data);
        return data;
    }

    private static Dataset parseDigits() {
        List<String> lines = readLines("digits.csv.gz", true);
        double[][] x = new double[lines.size()][];
        int[] y = new int[lines.size()];
        for (int i = 0; i < lines.size(); i++) {
            double[] row = parseRow(lines.get(i), 65, "digits.csv.gz", i + 1);
            x[i] = Arrays.copyOf(row, 64);
            y[i] = label(row[64], "digits.csv.gz", i + 1);
        }
        List<String> classes = new ArrayList<>();
        for (int c = 0; c < 10; c++) {
            classes.add(Integer.toString(c));
        }
        return new Dataset("digits", x, y, classes, DataType.DOUBLE);
    }

    private static Dataset parseWithHeader(String name, String file) {
        List<String> lines = readLines(file, false);
        if (lines.isEmpty()) {
            throw new IllegalStateException(file + " is empty");
        }
        String[] header = lines.get(0).split(",");
        int rows = Integer.parseInt(header[0].trim());
        int cols = Integer.parseInt(header[1].trim());
        List<String> classes = new ArrayList<>();
        for (int c = 2; c < header.length; c++) {
            classes.add(header[c].trim());
        }
        if (lines.size() - 1 != rows) {
            throw new IllegalStateException(file + ": header says " + rows + " rows, found " + (lines.size() - 1));
        }
        double[][] x = new double[rows][];
        int[] y = new int[rows];
        for (int i = 0; i < rows; i++) {
            double[] row = parseRow(lines.get(i + 1), cols + 1, file, i + 2);
            x[i] = Arrays.copyOf(row, cols);
            y[i] = label(row[cols], file, i + 2);
        }
        return new Dataset(name, x, y, classes, DataType.DOUBLE);
    }

    private static double[] parseRow(String line, int expected, String file, int lineNumber) {
        String[] parts = line.split(",");
        if (parts.length != expected) {
            throw new IllegalStateException(file + ":" + lineNumber + ": expected " + expected + " values, found "
                    + parts.length);
        }
        double[] row = new double[expected];
        for (int j = 0; j < expected; j++) {
            row[j] = Double.parseDouble(parts[j].trim());
        }
        return row;
    }

    private static int label(double value, String file, int lineNumber) {
        int label = (int) value;
        if (label != value) {
            throw new IllegalStateException(file + ":" + lineNumber + ": label " + value + " is not an integer");
        }
        return label;
    }

    private static List<String> readLines(String resource, boolean gzip) {
        try (InputStream raw = Datasets.class.getResourceAsStream(resource)) {
            if (raw == null) {
                throw new IllegalStateException("resource org/kron4j/reference/data/" + resource
                        + " is missing from the class path");
            }
            InputStream in = gzip ? new GZIPInputStream(raw) : raw;
            List<String> lines = new ArrayList<>();
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    if (!line.isBlank()) {
                        lines.add(line);
                    }
                }
            }
            return lines;
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + resource, e);
        }
    }
}
