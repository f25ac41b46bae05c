package org.kron4j.api.registry;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import com.google.inject.multibindings.MapBinder;
import java.util.Map;
import java.util.Objects;
import org.kron4j.api.CurvatureApproximation;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.settings.OptimizerConfig;

/**
 * The Guice module of kron4j: binds the {@link VariantRegistry}, a
 * {@code Map<String, CurvatureApproximation>} keyed by variant name (present, possibly empty,
 * even with no variant on the class path), and an {@link OptimizerFactory}. It adds each variant
 * the registry found to the map binder under its {@link CurvatureApproximation#name()} and never
 * scans by itself; variants know nothing of Guice.
 *
 * <pre>{@code
 * Injector injector = Guice.createInjector(new Kron4jModule());
 * KroneckerOptimizer opt = injector.getInstance(OptimizerFactory.class).builder("kfac").model(spec).build();
 * }</pre>
 */
public final class Kron4jModule extends AbstractModule {
    private final VariantRegistry registry;

    /** Binds the variants found on the class path. */
    public Kron4jModule() {
        this(VariantRegistry.load());
    }

    /** Binds the variants of the given registry. */
    public Kron4jModule(VariantRegistry registry) {
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    @Override
    protected void configure() {
        MapBinder<String, CurvatureApproximation> variants =
                MapBinder.newMapBinder(binder(), String.class, CurvatureApproximation.class);
        bind(VariantRegistry.class).toInstance(registry);
        for (CurvatureApproximation variant : registry.all()) {
            variants.addBinding(variant.name()).toInstance(variant);
        }
    }

    @Provides
    @Singleton
    OptimizerFactory optimizerFactory(Map<String, CurvatureApproximation> variants) {
        return new OptimizerFactory(VariantRegistry.of(variants.values()));
    }

    /** Creates optimizer builders for variants bound in the injector, by name or spec string. */
    public static final class OptimizerFactory {
        private final VariantRegistry variants;

        OptimizerFactory(VariantRegistry variants) {
            this.variants = variants;
        }

        /** A builder for a spec such as {@code "kfac"} or {@code "kfac:damping=1e-3,tInv=50"}. */
        public KroneckerOptimizer.Builder builder(String spec) {
            return KroneckerOptimizer.builder(OptimizerConfig.parse(variants, spec));
        }

        public VariantRegistry variants() {
            return variants;
        }
    }
}
