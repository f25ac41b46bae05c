package org.kron4j.tribuo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.kron4j.api.Kron4j;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.Output;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.classification.sgd.fm.FMClassificationTrainer;
import org.tribuo.classification.sgd.objectives.LogMulticlass;
import org.tribuo.math.StochasticGradientOptimiser;
import org.tribuo.math.optimisers.AdaGrad;
import org.tribuo.math.optimisers.SGD;
import org.tribuo.regression.Regressor;
import org.tribuo.regression.sgd.fm.FMRegressionTrainer;
import org.tribuo.regression.sgd.objectives.SquaredLoss;

/**
 * Shampoo (the gradient-only variant) inside Tribuo's own SGD trainers: linear classification and
 * regression, factorization-machine classification and regression, dense and sparse features,
 * minibatches of 4 for the linear trainers (Tribuo merges sparse gradients into
 * {@code DenseSparseMatrix}); single examples for the factorization machines, whose minibatch
 * merge fails inside Tribuo 4.3.2 itself ({@code FMParameters.merge} casts the bias gradient, a
 * {@code DenseVector}, to {@code DenseSparseMatrix}, with Tribuo's own optimisers too).
 *
 * <p>Oracle: with preconditioning never started and momentum 0, Shampoo's direction is its
 * grafted first-order method's (kron4j's contract), so it must train exactly the model Tribuo's
 * own SGD (grafting=sgd) and AdaGrad (grafting=adagrad) train: this pins the sign (Tribuo's tensors
 * are ascent directions, kron4j's gradients descent ones), the weight, the layout of every tensor
 * and the dense/sparse conversions. Tolerance 1e-9 relative: float64 storage, and the two routes
 * compute the same products in the same order except ND4J's summation inside AdaGrad's √a.
 * Then, with preconditioning on, each trainer's training loss must fall well below its start.
 */
class GradientOnlyOptimiserTest {
    private static final long SEED = 3;
    /** Enough for every class and many sparse patterns; small enough for single-example FM steps. */
    private static final int EXAMPLES = 40;

    enum Pipeline {
        LINEAR_CLASSIFICATION_DENSE, LINEAR_CLASSIFICATION_SPARSE, LINEAR_REGRESSION, FM_CLASSIFICATION_DENSE,
        FM_CLASSIFICATION_SPARSE, FM_REGRESSION
    }

    private static MutableDataset<Label> wineTrain(boolean sparse) {
        MutableDataset<Label> train = TribuoData.spread(TribuoData.classification("wine", SEED).train(), EXAMPLES);
        return sparse ? TribuoData.sparseCopy(train, 0.6, SEED) : train;
    }

    /** A trained model and the data it was trained on. */
    private record Run(Model<?> model, MutableDataset<?> data) {
    }

    private static Run train(Pipeline pipeline, StochasticGradientOptimiser optimiser, int epochs) {
        return switch (pipeline) {
            case LINEAR_CLASSIFICATION_DENSE, LINEAR_CLASSIFICATION_SPARSE -> {
                MutableDataset<Label> data = wineTrain(pipeline == Pipeline.LINEAR_CLASSIFICATION_SPARSE);
                yield new Run(new org.tribuo.classification.sgd.linear.LinearSGDTrainer(new LogMulticlass(), optimiser,
                        epochs, -1, 4, SEED).train(data), data);
            }
            case FM_CLASSIFICATION_DENSE, FM_CLASSIFICATION_SPARSE -> {
                MutableDataset<Label> data = wineTrain(pipeline == Pipeline.FM_CLASSIFICATION_SPARSE);
                yield new Run(new FMClassificationTrainer(new LogMulticlass(), optimiser, epochs, -1, 1, SEED, 3, 0.1)
                        .train(data), data);
            }
            case LINEAR_REGRESSION -> {
                MutableDataset<Regressor> data = wineRegression();
                yield new Run(new org.tribuo.regression.sgd.linear.LinearSGDTrainer(new SquaredLoss(), optimiser,
                        epochs, -1, 4, SEED).train(data), data);
            }
            case FM_REGRESSION -> {
                MutableDataset<Regressor> data = wineRegression();
                yield new Run(new FMRegressionTrainer(new SquaredLoss(), optimiser, epochs, -1, 1, SEED, 3, 0.1, false)
                        .train(data), data);
            }
        };
    }

    private static MutableDataset<Regressor> wineRegression() {
        return TribuoData.spread(TribuoData.regression("wine", SEED).train(), EXAMPLES);
    }

    /** Every prediction's output scores (classes sorted by name) or regression values. */
    @SuppressWarnings("unchecked")
    private static double[][] trainAndScore(Pipeline pipeline, StochasticGradientOptimiser optimiser, int epochs) {
        Run run = train(pipeline, optimiser, epochs);
        if (run.data().getOutputFactory() instanceof org.tribuo.classification.LabelFactory) {
            return scores((Model<Label>) run.model(), (MutableDataset<Label>) run.data(),
                    GradientOnlyOptimiserTest::labelScores);
        }
        return scores((Model<Regressor>) run.model(), (MutableDataset<Regressor>) run.data(),
                p -> p.getOutput().getValues());
    }

    /** Training log loss (classification) or mean squared error (regression). */
    @SuppressWarnings("unchecked")
    private static double trainingLoss(Pipeline pipeline, StochasticGradientOptimiser optimiser, int epochs) {
        Run run = train(pipeline, optimiser, epochs);
        if (run.data().getOutputFactory() instanceof org.tribuo.classification.LabelFactory) {
            return TribuoData.logLoss((Model<Label>) run.model(), (MutableDataset<Label>) run.data());
        }
        return TribuoData.meanSquaredError((Model<Regressor>) run.model(), (MutableDataset<Regressor>) run.data());
    }

    private static double[] labelScores(Prediction<Label> p) {
        return p.getOutputScores().values().stream().sorted(java.util.Comparator.comparing(Label::getLabel))
                .mapToDouble(Label::getScore).toArray();
    }

    private static <T extends Output<T>> double[][] scores(Model<T> model, MutableDataset<T> data,
            Function<Prediction<T>, double[]> extract) {
        List<Prediction<T>> predictions = model.predict(data);
        double[][] out = new double[predictions.size()][];
        for (int i = 0; i < out.length; i++) {
            out[i] = extract.apply(predictions.get(i));
        }
        return out;
    }

    private static Kron4jOptimiser firstOrderShampoo(String grafting, double learningRate, double epsilon) {
        return new Kron4jOptimiser("shampoo", Map.of("grafting", grafting, "learningRate", learningRate,
                "momentum", 0.0, "startPreconditioningStep", Integer.MAX_VALUE, "graftEpsilon", epsilon,
                "storagePrecision", "double"));
    }

    private static void assertSameScores(double[][] actual, double[][] expected) {
        assertThat(actual.length).isEqualTo(expected.length);
        assertThat(java.util.Arrays.stream(expected).flatMapToDouble(java.util.Arrays::stream).allMatch(Double::isFinite))
                .as("the reference run stayed finite").isTrue();
        for (int i = 0; i < actual.length; i++) {
            for (int k = 0; k < actual[i].length; k++) {
                double tolerance = 1e-9 * Math.max(1.0, Math.abs(expected[i][k]));
                assertThat(actual[i][k]).as("example %d output %d", i, k)
                        .isCloseTo(expected[i][k], org.assertj.core.data.Offset.offset(tolerance));
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Pipeline.class)
    void shampooWithSgdGrafting_preconditioningOff_equalsTribuoSgd(Pipeline pipeline) {
        assumeTrue(Kron4j.variants().find("shampoo").isPresent(), "shampoo is not on the class path");
        double[][] tribuo = trainAndScore(pipeline, SGD.getSimpleSGD(0.01), 2);
        double[][] kron4j = trainAndScore(pipeline, firstOrderShampoo("sgd", 0.01, 1e-8), 2);
        assertSameScores(kron4j, tribuo);
    }

    @ParameterizedTest
    @EnumSource(Pipeline.class)
    void shampooWithAdagradGrafting_preconditioningOff_equalsTribuoAdaGrad(Pipeline pipeline) {
        assumeTrue(Kron4j.variants().find("shampoo").isPresent(), "shampoo is not on the class path");
        double[][] tribuo = trainAndScore(pipeline, new AdaGrad(0.5, 1e-3), 2);
        double[][] kron4j = trainAndScore(pipeline, firstOrderShampoo("adagrad", 0.5, 1e-3), 2);
        assertSameScores(kron4j, tribuo);
    }

    @ParameterizedTest
    @EnumSource(Pipeline.class)
    void shampooPreconditioned_reducesTrainingLoss(Pipeline pipeline) {
        assumeTrue(Kron4j.variants().find("shampoo").isPresent(), "shampoo is not on the class path");
        Kron4jOptimiser shampoo = Kron4jOptimiser.fromSpec("shampoo:learningRate=0.02,startPreconditioningStep=0");
        double before = trainingLoss(pipeline, shampoo, 0);
        double after = trainingLoss(pipeline, shampoo, 3);
        // Deterministic runs; at half the untrained loss with margin: measured 0.04-0.33 of it (the regression,
        // alcohol from 12 other measurements of 40 wines, has the least to gain); a sign error or an
        // unstable step would go up instead.
        assertThat(after).as("training loss after 3 epochs (untrained: %s)", before).isLessThan(0.5 * before);
    }
}
