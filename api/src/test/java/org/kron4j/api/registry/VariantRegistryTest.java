package org.kron4j.api.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Key;
import com.google.inject.TypeLiteral;
import java.util.List;
import java.util.Map;
import org.kron4j.api.CurvatureApproximation;
import org.kron4j.api.Kron4j;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.model.Loss;
import org.kron4j.api.model.ModelSpec;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.optim.OptimizerSettings;
import org.kron4j.api.testing.InputFactorApproximation;
import org.junit.jupiter.api.Test;

class VariantRegistryTest {
    private static final ModelSpec MODEL = ModelSpec.sequential(Loss.SQUARED_ERROR,
            LayerSpec.dense("l0", 3, 2, true, Activation.IDENTITY));

    @Test
    void load_apiAlone_findsNoVariants() {
        // the api module ships no provider file; discovery must still work and be empty
        assertThat(VariantRegistry.load().names()).isEmpty();
    }

    @Test
    void get_unknownName_listsAvailable() {
        VariantRegistry registry = VariantRegistry.of(List.of(new InputFactorApproximation("alpha")));
        assertThatThrownBy(() -> registry.get("beta"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown variant 'beta'; available: [alpha]");
    }

    @Test
    void get_knownVariantMissing_namesArtifact() {
        VariantRegistry registry = VariantRegistry.of(List.of());
        assertThatThrownBy(() -> registry.get("shampoo"))
                .hasMessage("variant 'shampoo' is not on the class path: add org.kron4j:kron4j-shampoo; available: []");
    }

    @Test
    void of_duplicateNames_failsNamingBothClasses() {
        assertThatThrownBy(() -> VariantRegistry.of(
                List.of(new InputFactorApproximation("same"), new InputFactorApproximation("same"))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("two kron4j variants are named 'same'")
                .hasMessageContaining(InputFactorApproximation.class.getName());
    }

    @Test
    void of_invalidName_rejected() {
        assertThatThrownBy(() -> VariantRegistry.of(List.of(new InputFactorApproximation("Upper"))))
                .hasMessageContaining("invalid name 'Upper'");
    }

    @Test
    void find_isCaseInsensitive() {
        VariantRegistry registry = VariantRegistry.of(List.of(new InputFactorApproximation("alpha")));
        assertThat(registry.find("ALPHA")).isPresent();
    }

    @Test
    void guice_noVariants_bindsEmptyMap() {
        Injector injector = Guice.createInjector(new Kron4jModule(VariantRegistry.of(List.of())));
        Map<String, CurvatureApproximation> map = injector.getInstance(
                Key.get(new TypeLiteral<Map<String, CurvatureApproximation>>() { }));
        assertThat(map).isEmpty();
    }

    @Test
    void guice_variants_boundByName() {
        CurvatureApproximation alpha = new InputFactorApproximation("alpha");
        CurvatureApproximation beta = new InputFactorApproximation("beta");
        Injector injector = Guice.createInjector(new Kron4jModule(VariantRegistry.of(List.of(alpha, beta))));
        Map<String, CurvatureApproximation> map = injector.getInstance(
                Key.get(new TypeLiteral<Map<String, CurvatureApproximation>>() { }));
        assertThat(map).containsOnlyKeys("alpha", "beta").containsEntry("alpha", alpha).containsEntry("beta", beta);
        assertThat(injector.getInstance(VariantRegistry.class).names()).containsExactly("alpha", "beta");
    }

    @Test
    void guice_optimizerFactory_buildsFromSpec() {
        Injector injector = Guice.createInjector(
                new Kron4jModule(VariantRegistry.of(List.of(new InputFactorApproximation("alpha")))));
        KroneckerOptimizer optimizer = injector.getInstance(Kron4jModule.OptimizerFactory.class)
                .builder("alpha:damping=0.5,tCov=2").model(MODEL).build();
        assertThat(optimizer.variant().name()).isEqualTo("alpha");
        assertThat(optimizer.settings().get(OptimizerSettings.DAMPING)).isEqualTo(0.5);
        assertThat(optimizer.settings().get(OptimizerSettings.T_COV)).isEqualTo(2);
    }

    @Test
    void plainJava_optimizerFromSpec_badSettingNamesIt() {
        VariantRegistry registry = VariantRegistry.of(List.of(new InputFactorApproximation("alpha")));
        assertThatThrownBy(() -> Kron4j.optimizer(registry, "alpha:damping=-1"))
                .hasMessage("damping must be in [0, ∞), got -1.0");
        assertThatThrownBy(() -> Kron4j.optimizer(registry, "gamma"))
                .hasMessageContaining("unknown variant 'gamma'");
    }
}
