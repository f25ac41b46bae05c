package org.kron4j.cli.ablation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kron4j.api.Kron4j;

/** Labels of repeated methods: derived from the settings that tell the repeats apart (issue 16). */
class MethodLabelsTest {

    private static List<String> labels(String specs) {
        return MethodConfig.parseList(specs, Kron4j.variants(), false).stream().map(MethodConfig::label).toList();
    }

    @Test
    void repeats_areNamedByTheSettingThatDiffers_theDefaultOneKeepsTheName() {
        assertThat(labels("kfac;kfac:targets=empirical")).containsExactly("kfac", "kfac[targets=empirical]");
        assertThat(labels("kfac:tCov=5;kfac:tCov=20;kfac")).containsExactly("kfac[tCov=5]", "kfac[tCov=20]", "kfac");
    }

    @Test
    void severalDifferingSettings_allNamedInSchemaOrder_sharedOnesLeftOut() {
        assertThat(labels("kfac:damping=0.3,tCov=5;kfac:damping=0.3,targets=empirical,tInv=7"))
                .containsExactly("kfac[tCov=5]", "kfac[tInv=7,targets=empirical]");
    }

    @Test
    void aMethodListedOnce_keepsItsName_whateverItsSettings() {
        assertThat(labels("kfac:damping=0.3;ekfac:tCov=2;adam:learningRate=0.01")).containsExactly("kfac", "ekfac", "adam");
    }

    @Test
    void sweeps_andBaselines_too() {
        assertThat(labels("sgd:learningRate=0.1|0.3;sgd")).containsExactly("sgd[learningRate=0.1|0.3]", "sgd");
    }

    @Test
    void identicalRepeats_areNumbered_andUserLabelsAreKept() {
        assertThat(labels("kfac;kfac")).containsExactly("kfac", "kfac-2");
        assertThat(labels("kfac:label=mine;kfac;kfac:damping=0.3")).containsExactly("mine", "kfac", "kfac[damping=0.3]");
        assertThat(labels("sgd:label=kfac;kfac")).containsExactly("kfac", "kfac-2");
    }

    @Test
    void derivedLabels_areValidLabels_andLeaveTheSpecReparsable() {
        List<MethodConfig> methods = MethodConfig.parseList("kfac;kfac:targets=empirical", Kron4j.variants(), false);
        MethodConfig empirical = methods.get(1);
        assertThat(empirical.label()).matches(MethodConfig.LABEL);
        // what config.json holds resolves again under the derived label
        MethodConfig again = MethodConfig.resolve(empirical.label(), empirical.method(), empirical.settings(),
                Kron4j.variants(), false, false);
        assertThat(again.settings()).isEqualTo(empirical.settings());
        assertThat(empirical.spec()).doesNotContain("label=").contains("targets=empirical");
        assertThat(MethodConfig.parseList(empirical.spec(), Kron4j.variants(), false).get(0).settings())
                .isEqualTo(empirical.settings());
        assertThat(empirical.resolvedSpec(0.5)).startsWith("kfac:learningRate=0.5,").contains("targets=empirical")
                .doesNotContain("label");
    }
}
