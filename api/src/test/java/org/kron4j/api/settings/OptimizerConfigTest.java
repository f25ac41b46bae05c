package org.kron4j.api.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.kron4j.api.BlockContext;
import org.kron4j.api.CurvatureApproximation;
import org.kron4j.api.CurvatureBlock;
import org.kron4j.api.capture.TargetSource;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.model.Loss;
import org.kron4j.api.model.ModelSpec;
import org.kron4j.api.optim.DampingMode;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.optim.OptimizerSettings;
import org.kron4j.api.registry.VariantRegistry;
import org.kron4j.api.store.Precision;
import org.kron4j.api.testing.InputFactorApproximation;
import org.junit.jupiter.api.Test;

/** The one typed configuration: parsing, the per-variant schema, refusal of settings that do not apply. */
class OptimizerConfigTest {
    private static final Setting<Integer> ROUNDS = Setting.integer("rounds", 3, 1, 10, "a variant's own setting");

    /** A variant declaring its driver settings, driver defaults and own settings; blocks as InputFactorApproximation's. */
    private record Declaring(String name, List<Setting<?>> driverSettings, Map<String, Object> driverDefaults,
            List<Setting<?>> settings) implements CurvatureApproximation {
        @Override
        public CurvatureBlock createBlock(BlockContext context) {
            return new InputFactorApproximation(name).createBlock(context);
        }
    }

    /** A variant for which damping and targets mean nothing, with an own setting and a preferred tCov. */
    private static CurvatureApproximation undamped() {
        return new Declaring("undamped", OptimizerSettings.ALL.stream()
                .filter(s -> s != OptimizerSettings.DAMPING && s != OptimizerSettings.TARGETS).toList(),
                Map.of("tCov", 1), List.of(ROUNDS));
    }

    private static final ModelSpec MODEL = ModelSpec.sequential(Loss.SQUARED_ERROR,
            LayerSpec.dense("l0", 3, 2, true, Activation.IDENTITY));

    @Test
    void parse_spec_typedValuesAndDefaults() {
        OptimizerConfig config = OptimizerConfig.parse(new InputFactorApproximation(),
                "input-factor:damping=1e-2,tInv=50,dampingMode=eigen,targets=empirical,storagePrecision=double");
        assertThat(config.variantName()).isEqualTo("input-factor");
        assertThat(config.get(OptimizerSettings.DAMPING)).isEqualTo(1e-2);
        assertThat(config.get(OptimizerSettings.T_INV)).isEqualTo(50);
        assertThat(config.get(OptimizerSettings.DAMPING_MODE)).isEqualTo(DampingMode.EIGEN);
        assertThat(config.get(OptimizerSettings.TARGETS)).isEqualTo(TargetSource.EMPIRICAL);
        assertThat(config.get(OptimizerSettings.STORAGE_PRECISION)).isEqualTo(Precision.DOUBLE);
        assertThat(config.get(OptimizerSettings.T_COV)).isEqualTo(10);
        assertThat(config.isSet(OptimizerSettings.T_COV)).isFalse();
        assertThat(config.isSet(OptimizerSettings.T_INV)).isTrue();
    }

    @Test
    void spec_roundTripsThroughParse() {
        CurvatureApproximation variant = new InputFactorApproximation();
        OptimizerConfig config = OptimizerConfig.builder(variant).set(OptimizerSettings.DAMPING, 0.25)
                .set(OptimizerSettings.T_INV, 7).set(OptimizerSettings.DAMPING_MODE, DampingMode.EIGEN).build();
        assertThat(config.spec()).isEqualTo("input-factor:damping=0.25,dampingMode=eigen,tInv=7");
        assertThat(OptimizerConfig.parse(variant, config.spec())).isEqualTo(config);
    }

    @Test
    void parse_specOfAnotherVariant_refused() {
        assertThatThrownBy(() -> OptimizerConfig.parse(new InputFactorApproximation(), "kfac:damping=1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is for variant 'kfac', not 'input-factor'");
    }

    @Test
    void parse_againstRegistry_unknownVariantAndBadValueNamed() {
        VariantRegistry registry = VariantRegistry.of(List.of(new InputFactorApproximation()));
        assertThatThrownBy(() -> OptimizerConfig.parse(registry, "kfca"))
                .hasMessageContaining("unknown variant 'kfca'");
        assertThatThrownBy(() -> OptimizerConfig.parse(registry, "input-factor:damping=-1"))
                .hasMessage("damping must be in [0, ∞), got -1.0");
    }

    @Test
    void schema_leavesOutDriverSettingsTheVariantDoesNotDeclare() {
        List<String> names = OptimizerConfig.schema(undamped()).stream().map(Setting::name).toList();
        assertThat(names).doesNotContain("damping", "targets").contains("dampingMode", "tInv", "rounds");
        assertThat(names.get(names.size() - 1)).isEqualTo("rounds");
        assertThat(KroneckerOptimizer.schema(undamped()).stream().map(Setting::toString))
                .containsExactlyElementsOf(OptimizerConfig.schema(undamped()).stream().map(Setting::toString).toList());
        assertThat(OptimizerConfig.schema(undamped()).stream().filter(s -> s.name().equals("tCov")).findFirst()
                .orElseThrow().defaultValue()).isEqualTo(1);
    }

    @Test
    void inapplicableSetting_byText_refusedNamingSettingAndVariant() {
        assertThatThrownBy(() -> OptimizerConfig.parse(undamped(), "undamped:damping=0.1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("setting 'damping' does not apply to variant 'undamped'")
                .hasMessageContaining("rounds");
        assertThatThrownBy(() -> OptimizerConfig.parse(undamped(), "undamped:targets=empirical"))
                .hasMessageStartingWith("setting 'targets' does not apply to variant 'undamped'");
    }

    @Test
    void inapplicableSetting_typed_refusedEverywhere() {
        assertThatThrownBy(() -> OptimizerConfig.builder(undamped()).set(OptimizerSettings.DAMPING, 0.1))
                .hasMessageStartingWith("setting 'damping' does not apply to variant 'undamped'");
        assertThatThrownBy(() -> KroneckerOptimizer.builder(undamped()).damping(0.1))
                .hasMessageStartingWith("setting 'damping' does not apply to variant 'undamped'");
        OptimizerConfig config = OptimizerConfig.defaults(undamped());
        assertThatThrownBy(() -> config.get(OptimizerSettings.DAMPING))
                .hasMessageStartingWith("setting 'damping' does not apply to variant 'undamped'");
        assertThatThrownBy(() -> config.with(OptimizerSettings.TARGETS, TargetSource.EMPIRICAL))
                .hasMessageStartingWith("setting 'targets' does not apply to variant 'undamped'");
    }

    @Test
    void driverValue_inapplicableSetting_isTheLibraryDefault() {
        OptimizerConfig config = OptimizerConfig.parse(undamped(), "undamped:rounds=5");
        assertThat(config.driverValue(OptimizerSettings.DAMPING)).isEqualTo(1e-3);
        assertThat(config.driverValue(OptimizerSettings.TARGETS)).isEqualTo(TargetSource.MC_FISHER);
        assertThat(config.driverValue(OptimizerSettings.T_COV)).isEqualTo(1);
        assertThat(config.get(ROUNDS)).isEqualTo(5);
        KroneckerOptimizer optimizer = KroneckerOptimizer.builder(config).model(MODEL).build();
        assertThat(optimizer.damping()).isEqualTo(1e-3);
        assertThat(optimizer.plan().targets()).isEqualTo(TargetSource.MC_FISHER);
        assertThat(optimizer.config()).isEqualTo(config);
    }

    @Test
    void variant_declaringUnknownDriverSettingOrDefaultForInapplicable_fails() {
        CurvatureApproximation unknown = new Declaring("unknown", List.of(OptimizerSettings.T_COV, ROUNDS), Map.of(),
                List.of());
        assertThatThrownBy(() -> OptimizerConfig.schema(unknown)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'rounds'").hasMessageContaining("not a driver setting");
        CurvatureApproximation defaultForMissing = new Declaring("missing", List.of(OptimizerSettings.T_COV),
                Map.of("damping", 0.5), List.of());
        assertThatThrownBy(() -> OptimizerConfig.schema(defaultForMissing)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("[damping]");
    }

    @Test
    void with_replacesAValue_withoutDropsIt() {
        OptimizerConfig config = OptimizerConfig.parse(new InputFactorApproximation(), "input-factor:learningRate=0.5,momentum=0.3");
        OptimizerConfig faster = config.with(OptimizerSettings.LEARNING_RATE, 2.0);
        assertThat(faster.get(OptimizerSettings.LEARNING_RATE)).isEqualTo(2.0);
        assertThat(config.get(OptimizerSettings.LEARNING_RATE)).isEqualTo(0.5);
        OptimizerConfig noMomentum = config.without(OptimizerSettings.MOMENTUM);
        assertThat(noMomentum.isSet(OptimizerSettings.MOMENTUM)).isFalse();
        assertThat(noMomentum.get(OptimizerSettings.MOMENTUM)).isEqualTo(0.9);
        assertThat(noMomentum.givenText()).containsExactly(Map.entry("learningRate", "0.5"));
    }

    @Test
    void toBuilder_settingAGivenValueAgain_isIllegalState() {
        OptimizerConfig config = OptimizerConfig.parse(new InputFactorApproximation(), "input-factor:tInv=5");
        assertThatThrownBy(() -> config.toBuilder().set(OptimizerSettings.T_INV, 6))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("tInv was already set");
        assertThat(config.toBuilder().set(OptimizerSettings.T_COV, 2).build().get(OptimizerSettings.T_COV)).isEqualTo(2);
    }

    @Test
    void defaults_appliedOnlyWhereTheSettingExistsAndWasNotGiven() {
        OptimizerConfig.Defaults check = OptimizerConfig.Defaults.builder()
                .put(OptimizerSettings.TARGETS, TargetSource.EXACT).put(OptimizerSettings.T_INV, 1000)
                .put(OptimizerSettings.T_COV, 1).build();
        OptimizerConfig undamped = check.applyTo(OptimizerConfig.parse(undamped(), "undamped:tInv=4"));
        assertThat(undamped.get(OptimizerSettings.T_INV)).isEqualTo(4);
        assertThat(undamped.get(OptimizerSettings.T_COV)).isEqualTo(1);
        assertThat(undamped.isSet(OptimizerSettings.T_COV)).isTrue();
        OptimizerConfig full = check.applyTo(OptimizerConfig.defaults(new InputFactorApproximation()));
        assertThat(full.get(OptimizerSettings.TARGETS)).isEqualTo(TargetSource.EXACT);
        assertThat(check.asText()).containsExactly(Map.entry("targets", "exact"), Map.entry("tInv", "1000"),
                Map.entry("tCov", "1"));
    }
}
