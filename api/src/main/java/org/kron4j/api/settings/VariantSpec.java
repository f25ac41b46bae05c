package org.kron4j.api.settings;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A variant name with textual settings, parsed from the spec string used by the CLI and config
 * files: {@code "kfac"}, {@code "kfac:damping=1e-3,tInv=100"}. Values are checked later, against
 * the schema of the variant they are applied to.
 *
 * @param variant  the variant name, lower case
 * @param settings setting name to textual value, in the order written
 */
public record VariantSpec(String variant, Map<String, String> settings) {

    public VariantSpec {
        settings = Collections.unmodifiableMap(new LinkedHashMap<>(settings));
    }

    /**
     * Parses {@code name[:key=value[,key=value]*]}.
     *
     * @throws IllegalArgumentException with the offending fragment when the text is malformed or
     *     names a key twice
     */
    public static VariantSpec parse(String spec) {
        if (spec == null || spec.isBlank()) {
            throw new IllegalArgumentException("variant spec must be 'name' or 'name:key=value,...', got '"
                    + spec + "'");
        }
        String text = spec.trim();
        int colon = text.indexOf(':');
        String name = (colon < 0 ? text : text.substring(0, colon)).trim();
        if (!name.matches("[a-zA-Z][a-zA-Z0-9_-]*")) {
            throw new IllegalArgumentException("variant spec '" + spec + "': bad variant name '" + name + "'");
        }
        Map<String, String> settings = new LinkedHashMap<>();
        if (colon >= 0) {
            String rest = text.substring(colon + 1).trim();
            if (!rest.isEmpty()) {
                for (String pair : rest.split(",")) {
                    int eq = pair.indexOf('=');
                    if (eq <= 0 || eq == pair.length() - 1) {
                        throw new IllegalArgumentException("variant spec '" + spec + "': expected key=value, got '"
                                + pair.trim() + "'");
                    }
                    String key = pair.substring(0, eq).trim();
                    if (settings.put(key, pair.substring(eq + 1).trim()) != null) {
                        throw new IllegalArgumentException("variant spec '" + spec + "': " + key + " given twice");
                    }
                }
            }
        }
        return new VariantSpec(name.toLowerCase(java.util.Locale.ROOT), settings);
    }

    @Override
    public String toString() {
        if (settings.isEmpty()) {
            return variant;
        }
        StringBuilder sb = new StringBuilder(variant).append(':');
        settings.forEach((k, v) -> sb.append(k).append('=').append(v).append(','));
        return sb.substring(0, sb.length() - 1);
    }
}
