package org.kron4j.tribuo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.oracle.labs.mlrg.olcut.config.PropertyException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kron4j.api.Kron4j;
import org.kron4j.api.optim.OptimizerSettings;
import org.kron4j.api.settings.Setting;
import org.tribuo.classification.Label;
import org.tribuo.classification.sgd.fm.FMClassificationTrainer;
import org.tribuo.classification.sgd.linear.LinearSGDTrainer;
import org.tribuo.classification.sgd.objectives.Hinge;
import org.tribuo.classification.sgd.objectives.LogMulticlass;
import org.tribuo.math.LinearParameters;
import org.tribuo.math.la.DenseMatrix;
import org.tribuo.math.la.Tensor;

/** Configuration, validation and lifecycle of {@link Kron4jOptimiser} and the trainers' objective check. */
class Kron4jOptimiserTest {

    private static void assumeVariant(String name) {
        assumeTrue(Kron4j.variants().find(name).isPresent(), name + " is not on the class path");
    }

    @Test
    void variant_unknown_namesFieldAndAvailableVariants() {
        assertThatThrownBy(() -> new Kron4jOptimiser("kfca"))
                .isInstanceOf(PropertyException.class)
                .satisfies(e -> assertThat(((PropertyException) e).getProperty()).isEqualTo("variant"))
                .hasMessageContaining("unknown variant 'kfca'")
                .hasMessageContaining("kfac");
    }

    @Test
    void damping_negative_namesFieldAndRange() {
        assertThatThrownBy(() -> new Kron4jOptimiser("kfac", Map.of("damping", -1.0)))
                .isInstanceOf(PropertyException.class)
                .satisfies(e -> assertThat(((PropertyException) e).getProperty()).isEqualTo("settings"))
                .hasMessageContaining("settings[damping]: damping must be in [0, ∞), got -1.0");
    }

    @Test
    void tCov_zero_namesFieldAndRange() {
        assertThatThrownBy(() -> Kron4jOptimiser.fromSpec("kfac:tCov=0"))
                .isInstanceOf(PropertyException.class)
                .satisfies(e -> assertThat(((PropertyException) e).getProperty()).isEqualTo("settings"))
                .hasMessageContaining("settings[tCov]: tCov must be in [1, ∞], got 0");
    }

    @Test
    void targets_unknownChoice_listsChoices() {
        assertThatThrownBy(() -> Kron4jOptimiser.fromSpec("kfac:targets=fisher"))
                .isInstanceOf(PropertyException.class)
                .satisfies(e -> assertThat(((PropertyException) e).getProperty()).isEqualTo("settings"))
                .hasMessageContaining("settings[targets]: targets must be one of [mc_fisher, empirical, exact], got 'fisher'");
    }

    @Test
    void settings_notApplyingToVariant_refusedNamingSettingAndVariant() {
        assumeVariant("shampoo");
        assertThatThrownBy(() -> Kron4jOptimiser.fromSpec("shampoo:damping=0.1"))
                .isInstanceOf(PropertyException.class)
                .satisfies(e -> assertThat(((PropertyException) e).getProperty()).isEqualTo("settings"))
                .hasMessageContaining("settings[damping]: setting 'damping' does not apply to variant 'shampoo'");
    }

    @Test
    void settings_unknownKey_namesSettingsFieldAndKnownNames() {
        assertThatThrownBy(() -> new Kron4jOptimiser("kfac", Map.of("epsilom", "1e-4")))
                .isInstanceOf(PropertyException.class)
                .satisfies(e -> assertThat(((PropertyException) e).getProperty()).isEqualTo("settings"))
                .hasMessageContaining("settings[epsilom]: unknown setting 'epsilom'")
                .hasMessageContaining("learningRate");
    }

    @Test
    void settings_variantValueOutOfRange_namesKeyAndRange() {
        assumeVariant("shampoo");
        assertThatThrownBy(() -> new Kron4jOptimiser("shampoo", Map.of("epsilon", "0")))
                .isInstanceOf(PropertyException.class)
                .hasMessageContaining("settings[epsilon]: epsilon must be in (0, ∞), got 0");
    }

    @Test
    void unsetFields_takeTheVariantsDefaults() {
        Kron4jOptimiser kfac = new Kron4jOptimiser("kfac");
        assertThat(kfac.effectiveSettings()).containsEntry("tCov", "10").containsEntry("targets", "mc_fisher");
        assumeVariant("shampoo");
        Kron4jOptimiser shampoo = new Kron4jOptimiser("shampoo");
        assertThat(shampoo.effectiveSettings()).containsEntry("tCov", "1").containsEntry("klClip", "0.0")
                .containsKey("epsilon").containsKey("grafting");
    }

    @Test
    void toString_listsEveryHyperparameter() {
        assumeVariant("shampoo");
        Kron4jOptimiser shampoo = Kron4jOptimiser.fromSpec("shampoo:learningRate=0.2,epsilon=1e-4");
        String text = shampoo.toString();
        for (Setting<?> setting : Kron4j.settingsOf("shampoo")) {
            assertThat(text).contains(setting.name() + "=");
        }
        assertThat(text).contains("learningRate=0.2").contains("epsilon=1.0E-4");
    }

    @Test
    void fromSpec_equalsMapConstructor() {
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("learningRate", 0.3);
        settings.put("damping", "1e-2");
        settings.put(OptimizerSettings.DAMPING_MODE.name(), org.kron4j.api.optim.DampingMode.EIGEN);
        Kron4jOptimiser fromMap = new Kron4jOptimiser("kfac", settings);
        Kron4jOptimiser fromSpec = Kron4jOptimiser.fromSpec("kfac:learningRate=0.3,damping=1e-2,dampingMode=eigen");
        assertThat(fromMap.getProvenance()).isEqualTo(fromSpec.getProvenance());
        assertThat(fromMap.toString()).isEqualTo(fromSpec.toString());
    }

    @Test
    void copy_sameConfigurationNoState() {
        Kron4jOptimiser original = Kron4jOptimiser.fromSpec("kfac:learningRate=0.3,tInv=70");
        original.initialise(new TestParameters().engine());
        Kron4jOptimiser copy = original.copy();
        assertThat(copy.getProvenance()).isEqualTo(original.getProvenance());
        assertThat(copy.current()).isNull();
        assertThat(original.current()).isNotNull();
        original.reset();
        assertThat(original.current()).isNull();
    }

    @Test
    void step_beforeInitialise_isRefused() {
        Kron4jOptimiser optimiser = new Kron4jOptimiser("kfac");
        assertThatThrownBy(() -> optimiser.step(new Tensor[] {new DenseMatrix(2, 3)}, 1.0))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("initialise");
    }

    @Test
    void step_nonFiniteGradient_returnsZeroUpdate() {
        assumeVariant("shampoo");
        Kron4jOptimiser optimiser = new Kron4jOptimiser("shampoo");
        LinearParameters parameters = new LinearParameters(3, 2);
        optimiser.initialise(parameters);
        DenseMatrix gradient = new DenseMatrix(2, 3);
        gradient.set(1, 2, Double.NaN);
        Tensor[] update = optimiser.step(new Tensor[] {gradient}, 1.0);
        assertThat(((DenseMatrix) update[0]).twoNorm()).isZero();
        assertThat(optimiser.current().skippedSteps()).isEqualTo(1);
    }

    @Test
    void kfac_inPlainTribuoTrainer_refusedNamingTheKroneckerTrainers() {
        LinearSGDTrainer trainer = new LinearSGDTrainer(new LogMulticlass(), new Kron4jOptimiser("kfac"), 1, 1L);
        assertThatThrownBy(() -> trainer.train(TribuoData.classification("iris", 1).train()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("KroneckerClassificationTrainer")
                .hasMessageContaining("LAYER_INPUTS");
    }

    @Test
    void kfac_onFactorizationMachine_refusedNamingTheTensors() {
        FMClassificationTrainer trainer = new FMClassificationTrainer(new LogMulticlass(), new Kron4jOptimiser("kfac"),
                1, 1L, 2, 0.1);
        assertThatThrownBy(() -> trainer.train(TribuoData.classification("iris", 1).train()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("variant 'kfac' cannot precondition")
                .hasMessageContaining("factors0");
    }

    @Test
    void kroneckerTrainer_hingeWithMcFisher_refusedNamingObjective() {
        assertThatThrownBy(() -> new KroneckerClassificationTrainer(new Hinge(), new Kron4jOptimiser("kfac"), 1, -1, 8,
                1L))
                .isInstanceOf(PropertyException.class)
                .satisfies(e -> assertThat(((PropertyException) e).getProperty()).isEqualTo("objective"))
                .hasMessageContaining("targets=empirical");
    }

    @Test
    void kroneckerTrainer_hingeWithEmpiricalFisher_trains() {
        KroneckerClassificationTrainer trainer = new KroneckerClassificationTrainer(new Hinge(),
                Kron4jOptimiser.fromSpec("kfac:targets=empirical,learningRate=0.1,damping=0.1,klClip=0,tCov=1,tInv=1,adaptiveStep=false,adaptiveDamping=false"),
                3, -1, 8, 1L);
        TribuoData.Split<Label> iris = TribuoData.classification("iris", 1);
        assertThat(TribuoData.accuracy(trainer.train(iris.train()), iris.test())).isGreaterThan(0.8);
    }

    /** Tiny parameters for lifecycle tests. */
    private static final class TestParameters {
        CapturingLinearParameters engine() {
            return new CapturingLinearParameters(4, 3, org.kron4j.api.model.Loss.SOFTMAX_CROSS_ENTROPY,
                    org.kron4j.api.model.Loss.SOFTMAX_CROSS_ENTROPY, "LogMulticlass", 1L);
        }
    }
}
