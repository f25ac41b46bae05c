package org.kron4j.api.registry;

import java.net.URL;
import java.security.CodeSource;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;
import org.kron4j.api.CurvatureApproximation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The variants available on the class path, found once with {@link ServiceLoader}. The one
 * place that discovers variants: Guice binds what a registry holds and never scans on its own.
 * Duplicate names fail fast, naming both classes.
 */
public final class VariantRegistry {
    private static final Logger LOG = LoggerFactory.getLogger(VariantRegistry.class);
    /** Where each known variant comes from, for the "not on the class path" message. */
    private static final Map<String, String> KNOWN_ARTIFACTS = Map.of(
            "kfac", "org.kron4j:kron4j-kfac",
            "ekfac", "org.kron4j:kron4j-ekfac",
            "kfra", "org.kron4j:kron4j-kfra",
            "shampoo", "org.kron4j:kron4j-shampoo");

    private final Map<String, CurvatureApproximation> variants;

    private VariantRegistry(Map<String, CurvatureApproximation> variants) {
        this.variants = Collections.unmodifiableMap(variants);
    }

    /** Discovers the variants visible to the thread's context class loader (or this class's). */
    public static VariantRegistry load() {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        return load(loader != null ? loader : VariantRegistry.class.getClassLoader());
    }

    /** Discovers the variants visible to {@code loader}. */
    public static VariantRegistry load(ClassLoader loader) {
        Map<String, CurvatureApproximation> found = new TreeMap<>();
        try {
            for (CurvatureApproximation variant : ServiceLoader.load(CurvatureApproximation.class, loader)) {
                add(found, variant);
                LOG.debug("found kron4j variant '{}' ({}) in {}", variant.name(), variant.getClass().getName(),
                        location(variant.getClass()));
            }
        } catch (ServiceConfigurationError e) {
            throw new IllegalStateException("a kron4j variant could not be loaded: " + e.getMessage(), e);
        }
        LOG.info("kron4j variants on the class path: {}", found.keySet());
        return new VariantRegistry(new LinkedHashMap<>(found));
    }

    /** A registry of the given variants (tests, or applications that wire variants themselves). */
    public static VariantRegistry of(Collection<? extends CurvatureApproximation> variants) {
        Map<String, CurvatureApproximation> found = new TreeMap<>();
        variants.forEach(v -> add(found, v));
        return new VariantRegistry(new LinkedHashMap<>(found));
    }

    private static void add(Map<String, CurvatureApproximation> found, CurvatureApproximation variant) {
        String name = variant.name();
        if (name == null || !name.equals(name.toLowerCase(Locale.ROOT)) || !name.matches("[a-z][a-z0-9_-]*")) {
            throw new IllegalStateException("variant " + variant.getClass().getName()
                    + " has an invalid name '" + name + "' (lower-case letters, digits, '-' and '_')");
        }
        CurvatureApproximation previous = found.putIfAbsent(name, variant);
        if (previous != null) {
            throw new IllegalStateException("two kron4j variants are named '" + name + "': "
                    + previous.getClass().getName() + " (" + location(previous.getClass()) + ") and "
                    + variant.getClass().getName() + " (" + location(variant.getClass()) + ")");
        }
    }

    private static String location(Class<?> type) {
        CodeSource source = type.getProtectionDomain().getCodeSource();
        URL url = source == null ? null : source.getLocation();
        return url == null ? "unknown location" : url.toString();
    }

    /** Variant names, sorted. */
    public List<String> names() {
        return List.copyOf(variants.keySet());
    }

    public Collection<CurvatureApproximation> all() {
        return variants.values();
    }

    public Optional<CurvatureApproximation> find(String name) {
        return Optional.ofNullable(variants.get(name == null ? null : name.toLowerCase(Locale.ROOT)));
    }

    /**
     * The variant of that name.
     *
     * @throws IllegalArgumentException naming the variant, the ones available and, for a known
     *     variant missing from the class path, the artifact that provides it
     */
    public CurvatureApproximation get(String name) {
        return find(name).orElseThrow(() -> new IllegalArgumentException(unknown(name)));
    }

    private String unknown(String name) {
        String key = name == null ? "null" : name.toLowerCase(Locale.ROOT);
        String artifact = KNOWN_ARTIFACTS.get(key);
        if (artifact != null) {
            return "variant '" + key + "' is not on the class path: add " + artifact + "; available: " + names();
        }
        return "unknown variant '" + name + "'; available: " + names();
    }

    @Override
    public String toString() {
        return "VariantRegistry" + names();
    }
}
