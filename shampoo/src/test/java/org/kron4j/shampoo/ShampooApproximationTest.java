package org.kron4j.shampoo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.inject.Guice;
import com.google.inject.Key;
import com.google.inject.TypeLiteral;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kron4j.api.CurvatureApproximation;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.model.Loss;
import org.kron4j.api.model.ModelSpec;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.optim.OptimizerSettings;
import org.kron4j.api.registry.Kron4jModule;
import org.kron4j.api.registry.VariantRegistry;
import org.kron4j.api.settings.OptimizerConfig;
import org.kron4j.api.settings.Settings;

/** Discovery, wiring, settings validation and driver defaults. */
class ShampooApproximationTest {
    private static final ModelSpec MODEL = new ModelSpec(List.of(
            LayerSpec.dense("fc", 5, 7, true, Activation.RELU),
            LayerSpec.tensor("conv", 3, 3, 4, 8),
            LayerSpec.tensor("scale", 8)), false, Loss.SOFTMAX_CROSS_ENTROPY);

    private static KroneckerOptimizer.Builder builder() {
        return KroneckerOptimizer.builder(new ShampooApproximation()).model(MODEL);
    }

    @Test
    void registry_findsShampoo() {
        VariantRegistry registry = VariantRegistry.load();
        assertThat(registry.names()).contains("shampoo");
        assertThat(registry.get("shampoo")).isInstanceOf(ShampooApproximation.class);
    }

    @Test
    void guice_bindsShampooByName() {
        Map<String, CurvatureApproximation> variants = Guice.createInjector(new Kron4jModule())
                .getInstance(Key.get(new TypeLiteral<Map<String, CurvatureApproximation>>() { }));
        assertThat(variants.get("shampoo")).isInstanceOf(ShampooApproximation.class);
        KroneckerOptimizer optimizer = Guice.createInjector(new Kron4jModule())
                .getInstance(Kron4jModule.OptimizerFactory.class)
                .builder("shampoo:epsilon=1e-4,grafting=adam,blockSize=512").model(MODEL).build();
        assertThat(optimizer.settings().get(ShampooApproximation.EPSILON)).isEqualTo(1e-4);
        assertThat(optimizer.settings().get(ShampooApproximation.GRAFTING)).isEqualTo(Grafting.ADAM);
    }

    @Test
    void dampingDampingModeAndTargets_doNotApply_refusedNamingSettingAndVariant() {
        for (String name : List.of("damping", "dampingMode", "targets")) {
            assertThat(OptimizerConfig.schema(new ShampooApproximation())).noneMatch(s -> s.name().equals(name));
            assertThatThrownBy(() -> OptimizerConfig.parse(new ShampooApproximation(), "shampoo:" + name + "=0.1"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("setting '" + name + "' does not apply to variant 'shampoo'");
        }
        assertThatThrownBy(() -> builder().set(OptimizerSettings.DAMPING, 0.1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("setting 'damping' does not apply to variant 'shampoo'");
    }

    @Test
    void supports_everyLayerKind() {
        ShampooApproximation shampoo = new ShampooApproximation();
        assertThat(MODEL.layers()).allMatch(shampoo::supports);
        assertThat(shampoo.supports(LayerSpec.tensor("t4", 2, 3, 4, 5))).isTrue();
    }

    @Test
    void driverDefaults_collectEveryStepWithoutKlClip() {
        Settings settings = builder().build().settings();
        assertThat(settings.get(OptimizerSettings.T_COV)).isEqualTo(1);
        assertThat(settings.get(OptimizerSettings.T_INV)).isEqualTo(20);
        assertThat(settings.get(OptimizerSettings.KL_CLIP)).isEqualTo(0.0);
        assertThat(settings.get(OptimizerSettings.MOMENTUM)).isEqualTo(0.9);
        assertThat(settings.get(OptimizerSettings.STATISTICS_DECAY)).isEqualTo(0.99);
    }

    @Test
    void layout_perLayerKind() {
        KroneckerOptimizer optimizer = builder().build();
        ShampooBlock dense = (ShampooBlock) optimizer.estimator().blocks().get(0);
        ShampooBlock conv = (ShampooBlock) optimizer.estimator().blocks().get(1);
        ShampooBlock scale = (ShampooBlock) optimizer.estimator().blocks().get(2);
        // 7×6 = 42 entries <= diagonalMaxSize 64: tiny, diagonal.
        assertThat(dense.layout().isDiagonal()).isTrue();
        // 3·3·4·8 = 288 merges (3·3·4·8 <= 1024) into one mode of 288.
        assertThat(conv.layout().shape()).containsExactly(288);
        assertThat(scale.layout().isDiagonal()).isTrue();
    }

    @Test
    void epsilon_negative_failsNamingSettingAndRange() {
        assertThatThrownBy(() -> builder().set(ShampooApproximation.EPSILON, -1e-6))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("epsilon must be in (0, ∞), got -1.0E-6");
        assertThatThrownBy(() -> OptimizerConfig.builder(new ShampooApproximation()).parse("epsilon", "-1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("epsilon must be in (0, ∞)");
    }

    @Test
    void blockSize_zero_failsNamingSettingAndRange() {
        assertThatThrownBy(() -> builder().set(ShampooApproximation.BLOCK_SIZE, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("blockSize must be in [1, ∞], got 0");
    }

    @Test
    void grafting_unknown_failsListingChoices() {
        assertThatThrownBy(() -> OptimizerConfig.builder(new ShampooApproximation()).parse("grafting", "rmsprop"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("grafting must be one of [none, sgd, adagrad, adam], got 'rmsprop'");
    }

    @Test
    void exponent_aboveOne_fails() {
        assertThatThrownBy(() -> builder().set(ShampooApproximation.EXPONENT, 1.5))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("exponent must be in [0, 1], got 1.5");
    }

    @Test
    void statisticsSum_withDecayBelowOne_failsNamingBothSettings() {
        assertThatThrownBy(() -> builder().set(ShampooApproximation.STATISTICS, StatisticsMode.SUM).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("statistics=sum needs statisticsDecay=1")
                .hasMessageContaining("got statisticsDecay=0.99");
        assertThat(builder().set(ShampooApproximation.STATISTICS, StatisticsMode.SUM)
                .set(OptimizerSettings.STATISTICS_DECAY, 1.0).build()).isNotNull();
    }

    @Test
    void coupledNewton_nonIntegerRoot_fails() {
        assertThatThrownBy(() -> builder().set(ShampooApproximation.ROOT_METHOD, RootMethod.COUPLED_NEWTON)
                .set(ShampooApproximation.EXPONENT, 0.3).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("rootMethod=coupled_newton needs exponent = 1/p");
        assertThat(builder().set(ShampooApproximation.ROOT_METHOD, RootMethod.COUPLED_NEWTON)
                .set(ShampooApproximation.EXPONENT, 0.125).build()).isNotNull();
    }

    @Test
    void settings_areDocumented() {
        for (var setting : new ShampooApproximation().settings()) {
            assertThat(setting.description()).as(setting.name()).isNotBlank();
        }
        assertThat(new ShampooApproximation().description()).contains("Gupta").contains("Anil");
    }
}
