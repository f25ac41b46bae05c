package org.kron4j.tribuo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.oracle.labs.mlrg.olcut.config.ConfigurationData;
import com.oracle.labs.mlrg.olcut.config.ConfigurationManager;
import com.oracle.labs.mlrg.olcut.config.property.MapProperty;
import com.oracle.labs.mlrg.olcut.config.property.SimpleProperty;
import com.oracle.labs.mlrg.olcut.provenance.ProvenanceUtil;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.kron4j.api.Kron4j;
import org.tribuo.Model;
import org.tribuo.MutableDataset;
import org.tribuo.Output;
import org.tribuo.Prediction;
import org.tribuo.Trainer;
import org.tribuo.classification.sgd.fm.FMClassificationTrainer;
import org.tribuo.classification.sgd.linear.LinearSGDTrainer;
import org.tribuo.classification.sgd.objectives.LogMulticlass;
import org.tribuo.regression.sgd.objectives.SquaredLoss;

/**
 * Test 1 of the Tribuo issue: a trainer rebuilt from a trained model's provenance
 * ({@link ProvenanceUtil#extractConfiguration} into a {@link ConfigurationManager}) retrains the
 * identical model: same seed, same shuffles, same MC Fisher draws, same kron4j settings (every
 * effective value is in the provenance, defaults included). Identical means bit-identical
 * predictions: both runs execute the same operations on the same data.
 */
class ProvenanceRoundTripTest {

    static Stream<Arguments> trainers() {
        return Stream.of(
                Arguments.of("kfac", "KroneckerClassificationTrainer", (Supplier<Trainer<?>>) () ->
                        new KroneckerClassificationTrainer(Kron4jOptimiser.fromSpec(
                                "kfac:learningRate=0.5,damping=0.1,tCov=2,tInv=4,dampingMode=eigen"), 2, 16, 42L)),
                Arguments.of("ekfac", "KroneckerClassificationTrainer", (Supplier<Trainer<?>>) () ->
                        new KroneckerClassificationTrainer(Kron4jOptimiser.fromSpec("ekfac:learningRate=0.5,damping=0.1"),
                                2, 16, 43L)),
                Arguments.of("kfac", "KroneckerRegressionTrainer", (Supplier<Trainer<?>>) () ->
                        new KroneckerRegressionTrainer(new SquaredLoss(), Kron4jOptimiser.fromSpec(
                                "kfac:learningRate=0.2,damping=0.1"), 2, -1, 16, 44L)),
                Arguments.of("shampoo", "LinearSGDTrainer", (Supplier<Trainer<?>>) () ->
                        new LinearSGDTrainer(new LogMulticlass(), Kron4jOptimiser.fromSpec(
                                "shampoo:learningRate=0.05,startPreconditioningStep=2,epsilon=1e-5"), 2, -1, 8, 45L)),
                Arguments.of("shampoo", "FMClassificationTrainer", (Supplier<Trainer<?>>) () ->
                        new FMClassificationTrainer(new LogMulticlass(), Kron4jOptimiser.fromSpec(
                                "shampoo:learningRate=0.02,startPreconditioningStep=0"), 1, -1, 1, 46L, 2, 0.1)));
    }

    @ParameterizedTest(name = "{0} in {1}")
    @MethodSource("trainers")
    void trainerFromProvenance_retrainsIdenticalModel(String variant, String trainerClass, Supplier<Trainer<?>> factory) {
        assumeTrue(Kron4j.variants().find(variant).isPresent(), variant + " is not on the class path");
        Trainer<?> trainer = factory.get();
        if (trainerClass.equals("KroneckerRegressionTrainer")) {
            roundTrip(cast(trainer), TribuoData.spread(TribuoData.regression("wine", 2).train(), 60));
        } else {
            roundTrip(cast(trainer), TribuoData.spread(TribuoData.classification("wine", 2).train(), 60));
        }
    }

    @SuppressWarnings("unchecked")
    private static <T extends Output<T>> Trainer<T> cast(Trainer<?> trainer) {
        return (Trainer<T>) trainer;
    }

    @SuppressWarnings("unchecked")
    private static <T extends Output<T>> void roundTrip(Trainer<T> trainer, MutableDataset<T> data) {
        Model<T> original = trainer.train(data);

        List<ConfigurationData> configuration = ProvenanceUtil.extractConfiguration(original.getProvenance());
        ConfigurationData trainerConfig = configuration.stream()
                .filter(c -> c.getClassName().equals(trainer.getClass().getName())).findFirst().orElseThrow();
        ConfigurationData optimiserConfig = configuration.stream()
                .filter(c -> c.getClassName().equals(Kron4jOptimiser.class.getName())).findFirst().orElseThrow();
        // every effective kron4j setting is recorded, not only the ones given
        // (all in the "settings" map, by kron4j name)
        String variant = ((SimpleProperty) optimiserConfig.get("variant").orElseThrow()).getValue();
        assertThat(((MapProperty) optimiserConfig.get("settings").orElseThrow()).getMap().keySet())
                .containsExactlyInAnyOrderElementsOf(Kron4j.settingsOf(variant).stream().map(s -> s.name()).toList())
                .contains("statisticsDecay");
        assertThat(optimiserConfig.get("variant")).isPresent();

        ConfigurationManager manager = new ConfigurationManager();
        manager.addConfiguration(configuration);
        Trainer<T> rebuilt = (Trainer<T>) manager.lookup(trainerConfig.getName());
        assertThat(rebuilt).isNotSameAs(trainer).hasSameClassAs(trainer);
        assertThat(rebuilt.getProvenance()).isEqualTo(original.getProvenance().getTrainerProvenance());

        Model<T> retrained = rebuilt.train(data);
        List<Prediction<T>> expected = original.predict(data);
        List<Prediction<T>> actual = retrained.predict(data);
        for (int i = 0; i < expected.size(); i++) {
            assertThat(actual.get(i).getOutputScores()).as("example %d", i)
                    .isEqualTo(expected.get(i).getOutputScores());
            assertThat(actual.get(i).getOutput().toString()).isEqualTo(expected.get(i).getOutput().toString());
        }
        assertThat(retrained.getProvenance().getTrainerProvenance())
                .isEqualTo(original.getProvenance().getTrainerProvenance());
    }
}
