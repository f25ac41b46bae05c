package org.kron4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.stream.Stream;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.kron4j.api.Kron4j;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.dl4j.Kron4jAttachment;
import org.kron4j.dl4j.Kron4jDl4j;
import org.kron4j.reference.data.Dataset;
import org.kron4j.reference.data.Datasets;
import org.kron4j.reference.mlp.ReferenceMlp;
import org.kron4j.reference.train.StepFunction;
import org.kron4j.reference.train.TrainingResult;
import org.kron4j.reference.train.TrainingRun;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Nesterovs;

/**
 * Every variant, found by name on the assembled class path, trains the digits MLP (64-128-128-10,
 * tanh, softmax cross-entropy, z-scored digits, batch 256, seed 1) through both engines: DL4J's
 * {@code MultiLayerNetwork.fit} with kron4j attached, and the test kit's reference MLP driven by
 * the optimizer. Short runs (25 steps): the claim is that the wiring works end to end — the
 * loss falls (last 5 batch losses below half the first 5) and no step is refused — not a
 * convergence rate, which the variants' own tests and {@code kron4j ablate} measure.
 */
class EndToEndTrainingTest {
    static final Dataset DIGITS = Datasets.digits().standardize();
    static final int STEPS = 25;
    static final int BATCH = 256;

    /** Per variant: kron4j settings, and DL4J's Nesterov learning rate and momentum (the variants' digits settings). */
    static Stream<Arguments> variants() {
        return Stream.of(
                Arguments.of("kfac", "damping=0.1,tCov=1,tInv=5,klClip=0,adaptiveStep=false,adaptiveDamping=false", 0.5, 0.5),
                Arguments.of("ekfac", "damping=0.15,tCov=1,tInv=5,klClip=0,adaptiveStep=false,adaptiveDamping=false", 0.2, 0.7),
                Arguments.of("kfra", "damping=0.1,tCov=1,tInv=5,klClip=0,adaptiveStep=false,adaptiveDamping=false", 0.5, 0.5),
                Arguments.of("shampoo", "tInv=5,startPreconditioningStep=0", 0.01, 0.9));
    }

    private static void assertLossFalls(String what, double[] losses) {
        double first = Arrays.stream(losses, 0, 5).average().orElseThrow();
        double last = Arrays.stream(losses, losses.length - 5, losses.length).average().orElseThrow();
        assertThat(Arrays.stream(losses).allMatch(Double::isFinite)).as("%s: finite losses %s", what,
                Arrays.toString(losses)).isTrue();
        assertThat(last).as("%s: mean of the last 5 batch losses vs the first 5 (%s)", what, Arrays.toString(losses))
                .isLessThan(0.5 * first);
    }

    @ParameterizedTest(name = "{0} through DL4J")
    @MethodSource("variants")
    void dl4j_eachVariant_trainsDigitsMlp(String variant, String settings, double learningRate, double momentum) {
        MultiLayerNetwork network = Networks.digitsDl4j(1, new Nesterovs(learningRate, momentum));
        Kron4jAttachment attachment = Kron4jDl4j.attach(network, variant + ":" + settings);
        INDArray x = DIGITS.features();
        INDArray y = DIGITS.oneHot();
        java.util.Random random = new java.util.Random(1);
        double[] losses = new double[STEPS];
        int[] rows = new int[BATCH];
        for (int step = 0; step < STEPS; step++) {
            for (int i = 0; i < BATCH; i++) {
                rows[i] = random.nextInt(DIGITS.size());
            }
            network.fit(new DataSet(Nd4j.pullRows(x, 1, rows), Nd4j.pullRows(y, 1, rows)));
            losses[step] = network.score();
        }
        assertThat(attachment.optimizer().variant().name()).isEqualTo(variant);
        assertThat(attachment.diagnostics().appliedSteps()).isEqualTo(STEPS);
        assertThat(attachment.diagnostics().skippedSteps()).isZero();
        assertLossFalls(variant + " via DL4J", losses);
        attachment.detach();
    }

    @ParameterizedTest(name = "{0} through the testkit MLP")
    @MethodSource("variants")
    void testkit_eachVariant_trainsDigitsMlp(String variant, String settings, double learningRate, double momentum) {
        ReferenceMlp mlp = Networks.digitsTestkit(1);
        KroneckerOptimizer optimizer = Kron4j.optimizer(variant + ":" + settings + ",learningRate=" + learningRate
                + ",momentum=" + momentum).model(mlp.modelSpec()).build();
        TrainingResult result = TrainingRun.on(DIGITS).batchSize(BATCH).maxSteps(STEPS).seed(1).build()
                .run(mlp, StepFunction.of(optimizer));
        assertThat(result.steps()).isEqualTo(STEPS);
        assertThat(result.skippedSteps()).isZero();
        assertThat(optimizer.skippedSteps()).isZero();
        assertLossFalls(variant + " via the testkit MLP", result.losses());
    }
}
