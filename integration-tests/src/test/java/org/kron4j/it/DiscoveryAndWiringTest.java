package org.kron4j.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Key;
import com.google.inject.TypeLiteral;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;
import org.kron4j.api.CurvatureApproximation;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.model.Loss;
import org.kron4j.api.model.ModelSpec;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.registry.Kron4jModule;
import org.kron4j.api.registry.VariantRegistry;

/**
 * From the assembled class path (every variant's jar, as a user's application has it):
 * ServiceLoader finds each variant, the registry holds them by name, and Guice binds each by name
 * in the {@code Map<String, CurvatureApproximation>} and builds optimizers through the factory.
 */
class DiscoveryAndWiringTest {
    static final List<String> VARIANTS = List.of("ekfac", "kfac", "kfra", "shampoo");
    static final ModelSpec MODEL = ModelSpec.sequential(Loss.SOFTMAX_CROSS_ENTROPY,
            LayerSpec.dense("hidden", 8, 6, true, Activation.TANH),
            LayerSpec.dense("out", 6, 3, true, Activation.IDENTITY));

    @Test
    void serviceLoader_findsEveryVariantOnTheClassPath() {
        List<String> names = new ArrayList<>();
        for (CurvatureApproximation variant : ServiceLoader.load(CurvatureApproximation.class)) {
            names.add(variant.name());
        }
        assertThat(names).containsExactlyInAnyOrderElementsOf(VARIANTS);
        assertThat(VariantRegistry.load().names()).containsExactlyElementsOf(VARIANTS);
    }

    @Test
    void guice_bindsEveryVariantByItsName() {
        Injector injector = Guice.createInjector(new Kron4jModule());
        Map<String, CurvatureApproximation> bound = injector.getInstance(
                Key.get(new TypeLiteral<Map<String, CurvatureApproximation>>() { }));
        assertThat(bound.keySet()).containsExactlyInAnyOrderElementsOf(VARIANTS);
        bound.forEach((name, variant) -> assertThat(variant.name()).isEqualTo(name));
        assertThat(injector.getInstance(VariantRegistry.class).names()).containsExactlyElementsOf(VARIANTS);
    }

    @Test
    void guice_optimizerFactory_buildsEachVariantByName() {
        Kron4jModule.OptimizerFactory factory = Guice.createInjector(new Kron4jModule())
                .getInstance(Kron4jModule.OptimizerFactory.class);
        for (String name : VARIANTS) {
            KroneckerOptimizer optimizer = factory.builder(name + ":learningRate=0.1").model(MODEL).build();
            assertThat(optimizer.variant().name()).isEqualTo(name);
            assertThat(optimizer.estimator().blocks()).hasSize(2);
            assertThat(optimizer.settings().asText()).containsEntry("learningRate", "0.1");
        }
    }
}
