package org.kron4j.tribuo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.kron4j.api.Kron4j;
import org.kron4j.api.capture.StepPlan;
import org.kron4j.api.model.Loss;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.optim.StepResult;
import org.kron4j.reference.mlp.ReferenceMlp;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;
import org.tribuo.Example;
import org.tribuo.Feature;
import org.tribuo.ImmutableFeatureMap;
import org.tribuo.ImmutableOutputInfo;
import org.tribuo.MutableDataset;
import org.tribuo.Output;
import org.tribuo.classification.Label;
import org.tribuo.classification.sgd.linear.LinearSGDModel;
import org.tribuo.classification.sgd.objectives.LogMulticlass;
import org.tribuo.math.la.DenseMatrix;
import org.tribuo.regression.Regressor;
import org.tribuo.regression.sgd.objectives.SquaredLoss;

/**
 * The Kronecker trainers against an oracle: the same optimizer driven by kron4j's reference engine
 * ({@link ReferenceMlp}, one linear layer) on the same minibatches must end at the same weights.
 * This pins down everything the Tribuo route adds: the m×(n+1) layout with the bias last, the sign
 * (Tribuo ascends, kron4j descends), the normalisation of Tribuo's minibatch tensor (the sum times
 * the minibatch size, including a short last batch) to the gradient of the batch-mean loss, the
 * layer inputs (dense and sparse feature vectors), the output gradients of every target source (MC
 * targets drawn from the same seeded generator), and that updates are applied once per step.
 *
 * <p>Tolerance 1e-9 relative to the largest weight: storage and decompositions run in float64 and
 * the two routes differ only in summation order (Tribuo sums outer products in Java, the reference
 * uses one gemm), ~1e-16 per operation; a handful of steps through eigendecompositions amplify that
 * by the conditioning of the damped factors, at most ~1e4 here. A sign or scale error would be O(1).
 */
class KroneckerTrainerOracleTest {
    private static final int EXAMPLES = 20;
    private static final int MINIBATCH = 8; // 8 + 8 + 4: the short last batch is covered
    private static final long SEED = 7;

    private static boolean available(String variant) {
        return Kron4j.variants().find(variant).isPresent();
    }

    private static Map<String, Object> settings(String targets) {
        return Map.of("learningRate", 0.5, "momentum", 0.9, "damping", 1e-2, "klClip", 1e-2, "tCov", 1,
                "tInv", 1, "targets", targets, "storagePrecision", "double", "decompositionPrecision", "double");
    }

    @ParameterizedTest(name = "{0} {1} sparse={2}")
    @CsvSource({"kfac, empirical, false", "kfac, exact, false", "kfac, mc_fisher, false", "kfac, mc_fisher, true",
            "ekfac, empirical, false", "ekfac, mc_fisher, true", "kfra, exact, false"})
    void classificationTrainer_matchesReferenceEngine(String variant, String targets, boolean sparse) {
        assumeTrue(available(variant), variant + " is not on the class path");
        MutableDataset<Label> data = TribuoData.spread(TribuoData.classification("wine", 1).train(), EXAMPLES);
        if (sparse) {
            data = TribuoData.sparseCopy(data, 0.5, SEED); // SparseVector features, DenseSparseMatrix gradients
        }
        KroneckerClassificationTrainer trainer = new KroneckerClassificationTrainer(new LogMulticlass(),
                new Kron4jOptimiser(variant, settings(targets)), 1, -1, MINIBATCH, SEED);
        trainer.setShuffle(false);
        LinearSGDModel model = trainer.train(data);

        ImmutableOutputInfo<Label> outputs = model.getOutputIDInfo();
        double[][] y = new double[data.size()][outputs.size()];
        int i = 0;
        for (Example<Label> example : data) {
            y[i++][outputs.getID(example.getOutput())] = 1.0;
        }
        INDArray expected = reference(variant, targets, Loss.SOFTMAX_CROSS_ENTROPY, features(data, model.getFeatureIDMap()),
                Nd4j.create(y), trainer.getInvocationCount());
        assertSameWeights(model.getWeightsCopy(), expected);
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"kfac, empirical", "kfac, mc_fisher", "ekfac, exact"})
    void regressionTrainer_matchesReferenceEngine(String variant, String targets) {
        assumeTrue(available(variant), variant + " is not on the class path");
        MutableDataset<Regressor> data = TribuoData.spread(TribuoData.regression("wine", 1).train(), EXAMPLES);
        KroneckerRegressionTrainer trainer = new KroneckerRegressionTrainer(new SquaredLoss(),
                new Kron4jOptimiser(variant, settings(targets)), 1, -1, MINIBATCH, SEED);
        trainer.setShuffle(false);
        org.tribuo.regression.sgd.linear.LinearSGDModel model = trainer.train(data);

        double[][] y = new double[data.size()][1];
        int i = 0;
        for (Example<Regressor> example : data) {
            y[i++][0] = example.getOutput().getValues()[0];
        }
        INDArray expected = reference(variant, targets, Loss.SQUARED_ERROR, features(data, model.getFeatureIDMap()),
                Nd4j.create(y), trainer.getInvocationCount());
        assertSameWeights(model.getWeightsCopy(), expected);
    }

    /** The same steps through the reference engine: W starts at 0 as in Tribuo, same batches, same MC seed. */
    private static INDArray reference(String variant, String targets, Loss loss, INDArray x, INDArray y,
            int invocationCount) {
        ReferenceMlp mlp = ReferenceMlp.builder(x.columns(), y.columns()).loss(loss)
                .dataType(DataType.DOUBLE).build();
        mlp.setParameters(List.of(Nd4j.zeros(DataType.DOUBLE, y.columns(), x.columns() + 1)));
        KroneckerOptimizer.Builder builder = KroneckerOptimizer.builder(Kron4j.variants().get(variant))
                .model(mlp.modelSpec());
        settings(targets).forEach((name, value) -> builder.set(name, value instanceof String s
                ? Kron4j.settingsOf(variant).stream().filter(st -> st.name().equals(name)).findFirst().orElseThrow()
                        .parse(s) : value));
        KroneckerOptimizer optimizer = builder.build();
        Random random = Nd4j.getRandomFactory().getNewRandomInstance(KroneckerTrainers.samplingSeed(SEED,
                invocationCount));
        try {
            for (int start = 0; start < x.rows(); start += MINIBATCH) {
                int end = Math.min(x.rows(), start + MINIBATCH);
                INDArray xb = x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(start, end),
                        org.nd4j.linalg.indexing.NDArrayIndex.all());
                INDArray yb = y.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(start, end),
                        org.nd4j.linalg.indexing.NDArrayIndex.all());
                StepPlan plan = optimizer.plan();
                StepResult result = optimizer.step(mlp.capture(xb, yb, plan, random));
                assertThat(result.applied()).isTrue();
                mlp.addToParameters(result.updates());
            }
        } finally {
            try {
                random.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        return mlp.parameters().get(0);
    }

    private static void assertSameWeights(DenseMatrix tribuo, INDArray expected) {
        double[][] actual = tribuo.toArray();
        assertThat(actual.length).isEqualTo(expected.rows());
        assertThat(actual[0].length).isEqualTo(expected.columns());
        double scale = Math.max(1e-12, expected.amaxNumber().doubleValue());
        assertThat(scale).as("the steps moved the weights").isGreaterThan(1e-3);
        for (int r = 0; r < actual.length; r++) {
            for (int c = 0; c < actual[r].length; c++) {
                assertThat(actual[r][c]).as("W[%d][%d]", r, c)
                        .isCloseTo(expected.getDouble(r, c), org.assertj.core.data.Offset.offset(1e-9 * scale));
            }
        }
    }

    /** The examples' features in Tribuo's feature-id order (the columns of W). */
    private static <T extends Output<T>> INDArray features(MutableDataset<T> data, ImmutableFeatureMap map) {
        double[][] x = new double[data.size()][map.size()];
        int i = 0;
        for (Example<T> example : data) {
            for (Feature f : example) {
                x[i][map.getID(f.getName())] = f.getValue();
            }
            i++;
        }
        return Nd4j.create(x);
    }
}
