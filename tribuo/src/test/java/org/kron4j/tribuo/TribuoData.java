package org.kron4j.tribuo;

import java.util.List;
import java.util.Locale;
import java.util.logging.Level;
import org.kron4j.reference.data.Dataset;
import org.kron4j.reference.data.Datasets;
import org.tribuo.Example;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.classification.LabelFactory;
import org.tribuo.datasource.ListDataSource;
import org.tribuo.impl.ArrayExample;
import org.tribuo.provenance.SimpleDataSourceProvenance;
import org.tribuo.regression.RegressionFactory;
import org.tribuo.regression.Regressor;

/**
 * The bundled UCI data sets (kron4j-reference) as Tribuo data sets: a seeded stratified split,
 * features standardised with statistics of the training part, one {@link ArrayExample} per row.
 */
final class TribuoData {
    /** Tribuo logs every training run at INFO through java.util.logging; keep test output readable. */
    private static final java.util.logging.Logger TRIBUO_LOG = java.util.logging.Logger.getLogger("org.tribuo");

    static {
        TRIBUO_LOG.setLevel(Level.WARNING);
    }

    private TribuoData() {
    }

    /** A train/test pair of Tribuo data sets. */
    record Split<T extends org.tribuo.Output<T>>(MutableDataset<T> train, MutableDataset<T> test) {
    }

    /** The named bundled set (iris, wine, breast_cancer, digits) split 70/30 with this seed, standardised. */
    static Split<Label> classification(String name, long seed) {
        Dataset.Split split = Datasets.byName(name).split(0.3, seed);
        Dataset.Standardizer z = split.train().standardizer();
        return new Split<>(labels(z.apply(split.train()), name + "-train"), labels(z.apply(split.test()), name + "-test"));
    }

    /** Feature names f00, f01, …: zero-padded so Tribuo's name order is the column order. */
    static String[] featureNames(int count) {
        String[] names = new String[count];
        for (int j = 0; j < count; j++) {
            names[j] = String.format(Locale.ROOT, "f%02d", j);
        }
        return names;
    }

    static MutableDataset<Label> labels(Dataset data, String description) {
        LabelFactory factory = new LabelFactory();
        MutableDataset<Label> out = new MutableDataset<>(new SimpleDataSourceProvenance(description, factory), factory);
        String[] names = featureNames(data.featureCount());
        double[][] x = data.featureArray();
        int[] y = data.labels();
        for (int i = 0; i < x.length; i++) {
            out.add(new ArrayExample<>(new Label(data.classNames().get(y[i])), names, x[i]));
        }
        return out;
    }

    /**
     * A regression problem from a bundled set: predict the first feature from the others (wine's
     * alcohol content from its other 12 measurements), standardised, split 70/30.
     */
    static Split<Regressor> regression(String name, long seed) {
        Dataset.Split split = Datasets.byName(name).split(0.3, seed);
        Dataset.Standardizer z = split.train().standardizer();
        return new Split<>(regressors(z.apply(split.train()), name + "-train"),
                regressors(z.apply(split.test()), name + "-test"));
    }

    private static MutableDataset<Regressor> regressors(Dataset data, String description) {
        RegressionFactory factory = new RegressionFactory();
        MutableDataset<Regressor> out = new MutableDataset<>(new SimpleDataSourceProvenance(description, factory),
                factory);
        String[] names = featureNames(data.featureCount() - 1);
        double[][] x = data.featureArray();
        for (double[] row : x) {
            double[] inputs = java.util.Arrays.copyOfRange(row, 1, row.length);
            out.add(new ArrayExample<>(new Regressor("target", row[0]), names, inputs));
        }
        return out;
    }

    /** A Tribuo data set whose examples are sparse: every exactly-zero feature left out (for sparse-gradient tests). */
    static MutableDataset<Label> sparseCopy(MutableDataset<Label> data, double keepFraction, long seed) {
        java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
        List<Example<Label>> examples = new java.util.ArrayList<>();
        for (Example<Label> example : data) {
            ArrayExample<Label> sparse = new ArrayExample<>(example.getOutput());
            example.forEach(f -> {
                if (random.nextDouble() < keepFraction) {
                    sparse.add(f.getName(), f.getValue());
                }
            });
            if (sparse.size() == 0) {
                sparse.add(example.iterator().next().getName(), 1.0);
            }
            examples.add(sparse);
        }
        LabelFactory factory = new LabelFactory();
        return new MutableDataset<>(new ListDataSource<>(examples, factory,
                new SimpleDataSourceProvenance("sparse", factory)));
    }

    /**
     * Every k-th example, {@code count} of them (the splits keep the class-sorted file order, so a
     * plain prefix would hold one class).
     */
    static <T extends org.tribuo.Output<T>> MutableDataset<T> spread(MutableDataset<T> data, int count) {
        List<Example<T>> picked = new java.util.ArrayList<>();
        int stride = Math.max(1, data.size() / count);
        for (int i = 0; i < count && i * stride < data.size(); i++) {
            picked.add(data.getExample(i * stride));
        }
        MutableDataset<T> out = new MutableDataset<>(data.getProvenance(), data.getOutputFactory());
        out.addAll(picked);
        return out;
    }

    /** Mean negative log-likelihood of the true labels under a probabilistic classifier (the log loss). */
    static double logLoss(Model<Label> model, MutableDataset<Label> data) {
        double total = 0;
        List<Prediction<Label>> predictions = model.predict(data);
        for (Prediction<Label> p : predictions) {
            Label truth = p.getExample().getOutput();
            double probability = p.getOutputScores().get(truth.getLabel()).getScore();
            total -= Math.log(Math.max(probability, 1e-300));
        }
        return total / predictions.size();
    }

    /** Fraction of correctly classified examples. */
    static double accuracy(Model<Label> model, MutableDataset<Label> data) {
        int correct = 0;
        List<Prediction<Label>> predictions = model.predict(data);
        for (Prediction<Label> p : predictions) {
            if (p.getOutput().getLabel().equals(p.getExample().getOutput().getLabel())) {
                correct++;
            }
        }
        return (double) correct / predictions.size();
    }

    /** Mean squared error of a regression model. */
    static double meanSquaredError(Model<Regressor> model, MutableDataset<Regressor> data) {
        double total = 0;
        List<Prediction<Regressor>> predictions = model.predict(data);
        for (Prediction<Regressor> p : predictions) {
            double diff = p.getOutput().getValues()[0] - p.getExample().getOutput().getValues()[0];
            total += diff * diff;
        }
        return total / predictions.size();
    }
}
