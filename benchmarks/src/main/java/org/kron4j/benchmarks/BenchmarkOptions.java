package org.kron4j.benchmarks;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The benchmark commands' {@code --name value} options: defaults overridden by the command line. */
final class BenchmarkOptions {

    private BenchmarkOptions() {
    }

    /**
     * {@code defaults} (every known option with its default value, in the order help lists them)
     * overridden by the {@code --name value} pairs of {@code args}.
     *
     * @throws IllegalArgumentException for an option not among the defaults
     */
    static Map<String, String> parse(Map<String, String> defaults, String[] args) {
        Map<String, String> options = new LinkedHashMap<>(defaults);
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!options.containsKey(args[i])) {
                throw new IllegalArgumentException("unknown option " + args[i] + "; known: " + options.keySet());
            }
            options.put(args[i], args[i + 1]);
        }
        return options;
    }

    /** A {@code ;}-separated list of variant specs, blanks dropped. */
    static List<String> specs(String list) {
        return Arrays.stream(list.split(";")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
}
