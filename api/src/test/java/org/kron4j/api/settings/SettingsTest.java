package org.kron4j.api.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.kron4j.api.capture.TargetSource;
import org.kron4j.api.optim.DampingMode;
import org.kron4j.api.optim.OptimizerSettings;
import org.junit.jupiter.api.Test;

class SettingsTest {

    private static Settings.Builder driver() {
        return Settings.builder(OptimizerSettings.ALL);
    }

    @Test
    void damping_negative_namesSettingAndRange() {
        assertThatThrownBy(() -> driver().set(OptimizerSettings.DAMPING, -1.0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("damping must be in [0, ∞), got -1.0");
    }

    @Test
    void tCov_zero_namesSettingAndRange() {
        assertThatThrownBy(() -> driver().set(OptimizerSettings.T_COV, 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("tCov must be in [1, ∞], got 0");
        assertThatThrownBy(() -> driver().parse("tInv", "0"))
                .hasMessage("tInv must be in [1, ∞], got 0");
    }

    @Test
    void statisticsDecay_outsideUnitInterval_rejected() {
        assertThatThrownBy(() -> driver().set(OptimizerSettings.STATISTICS_DECAY, 0.0))
                .hasMessage("statisticsDecay must be in (0, 1], got 0.0");
        assertThatThrownBy(() -> driver().set(OptimizerSettings.STATISTICS_DECAY, 1.5))
                .hasMessage("statisticsDecay must be in (0, 1], got 1.5");
        assertThat(driver().set(OptimizerSettings.STATISTICS_DECAY, 1.0).build()
                .get(OptimizerSettings.STATISTICS_DECAY)).isEqualTo(1.0);
    }

    @Test
    void realSetting_nan_rejected() {
        assertThatThrownBy(() -> driver().set(OptimizerSettings.LEARNING_RATE, Double.NaN))
                .hasMessageContaining("learningRate must be in (0, ∞)");
    }

    @Test
    void set_twice_isIllegalState() {
        Settings.Builder builder = driver().set(OptimizerSettings.DAMPING, 1e-2);
        assertThatThrownBy(() -> builder.set("damping", 1e-3))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("damping was already set");
    }

    @Test
    void set_unknownName_listsKnownSettings() {
        assertThatThrownBy(() -> driver().set("dampening", 1e-3))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("unknown setting 'dampening'; known: [learningRate, momentum, damping");
    }

    @Test
    void set_wrongType_namesExpectedType() {
        assertThatThrownBy(() -> driver().set("tCov", "ten"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("tCov must be a Integer");
    }

    @Test
    void parse_textualForms_convertAndValidate() {
        Settings settings = driver()
                .parse("damping", "1e-2")
                .parse("tInv", "50")
                .parse("dampingMode", "EIGEN")
                .parse("targets", "empirical")
                .build();
        assertThat(settings.get(OptimizerSettings.DAMPING)).isEqualTo(1e-2);
        assertThat(settings.get(OptimizerSettings.T_INV)).isEqualTo(50);
        assertThat(settings.get(OptimizerSettings.DAMPING_MODE)).isEqualTo(DampingMode.EIGEN);
        assertThat(settings.get(OptimizerSettings.TARGETS)).isEqualTo(TargetSource.EMPIRICAL);
        assertThat(settings.get(OptimizerSettings.T_COV)).isEqualTo(10);
        assertThat(settings.isSet(OptimizerSettings.T_COV)).isFalse();
    }

    @Test
    void parse_badEnum_listsChoices() {
        assertThatThrownBy(() -> driver().parse("dampingMode", "exact"))
                .hasMessage("dampingMode must be one of [factored, eigen], got 'exact'");
    }

    @Test
    void parse_notANumber_namesSetting() {
        assertThatThrownBy(() -> driver().parse("damping", "lots"))
                .hasMessage("damping must be a Double in [0, ∞), got 'lots'");
    }

    @Test
    void asText_listsEverySettingWithEffectiveValue() {
        Settings settings = driver().set(OptimizerSettings.T_COV, 5).build();
        assertThat(settings.asText()).containsEntry("tCov", "5").containsEntry("tInv", "100")
                .containsEntry("dampingMode", "factored").hasSize(OptimizerSettings.ALL.size());
    }

    @Test
    void withDefault_isUsedBySchemaThatCarriesIt() {
        Setting<Integer> everyStep = OptimizerSettings.T_COV.withDefault(1);
        Settings settings = Settings.builder(List.of(everyStep)).build();
        assertThat(settings.get(OptimizerSettings.T_COV)).isEqualTo(1);
    }

    @Test
    void withDefault_outOfRange_rejected() {
        assertThatThrownBy(() -> OptimizerSettings.T_COV.withDefault(0)).hasMessageContaining("tCov must be in");
    }

    @Test
    void get_settingOfAnotherSchema_rejected() {
        Settings settings = Settings.builder(List.of(OptimizerSettings.DAMPING)).build();
        assertThatThrownBy(() -> settings.get(OptimizerSettings.T_COV))
                .hasMessageContaining("setting 'tCov' is not part of this schema");
    }

    @Test
    void variantSpec_parsesNameAndSettings() {
        VariantSpec spec = VariantSpec.parse("KFAC:damping=1e-3, tInv=100");
        assertThat(spec.variant()).isEqualTo("kfac");
        assertThat(spec.settings()).containsExactly(
                java.util.Map.entry("damping", "1e-3"), java.util.Map.entry("tInv", "100"));
        assertThat(VariantSpec.parse("shampoo").settings()).isEmpty();
        assertThat(VariantSpec.parse(spec.toString())).isEqualTo(spec);
    }

    @Test
    void variantSpec_malformed_namesFragment() {
        assertThatThrownBy(() -> VariantSpec.parse("kfac:damping")).hasMessageContaining("expected key=value, got 'damping'");
        assertThatThrownBy(() -> VariantSpec.parse("kfac:a=1,a=2")).hasMessageContaining("a given twice");
        assertThatThrownBy(() -> VariantSpec.parse("")).hasMessageContaining("variant spec must be");
        assertThatThrownBy(() -> VariantSpec.parse("1kfac")).hasMessageContaining("bad variant name");
    }
}
