package org.kron4j.cli.ablation;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.kron4j.api.registry.VariantRegistry;

/**
 * Labels of methods the user did not label: a method listed once keeps its name; a method listed
 * more than once is named by the settings that tell its repeats apart, those whose resolved values
 * are not the same in all repeats, each shown where it differs from the method's default (its
 * preset, else the library's): {@code "kfac;kfac:targets=empirical"} gives {@code kfac} and
 * {@code kfac[targets=empirical]}; {@code "kfac:tCov=5;kfac:tCov=20"} gives {@code kfac[tCov=5]}
 * and {@code kfac[tCov=20]}. Only identical repeats, which no setting tells apart, are numbered
 * ({@code -2}, {@code -3}, …), as is a derived label that a user's label already took.
 */
final class MethodLabels {

    private MethodLabels() {
    }

    /**
     * The methods, in order, with derived labels for those not labelled by the user.
     *
     * @param labelled per method, whether the user gave its label
     */
    static List<MethodConfig> derive(List<MethodConfig> methods, List<Boolean> labelled, VariantRegistry registry,
            Presets.Problem problem) {
        Map<String, List<Integer>> repeats = new LinkedHashMap<>();
        for (int i = 0; i < methods.size(); i++) {
            if (!labelled.get(i)) {
                repeats.computeIfAbsent(methods.get(i).method(), m -> new ArrayList<>()).add(i);
            }
        }
        String[] labels = new String[methods.size()];
        Set<String> taken = new HashSet<>();
        for (int i = 0; i < methods.size(); i++) {
            if (labelled.get(i)) {
                labels[i] = methods.get(i).label();
                taken.add(labels[i]);
            }
        }
        for (Map.Entry<String, List<Integer>> group : repeats.entrySet()) {
            List<Integer> members = group.getValue();
            if (members.size() == 1) {
                labels[members.get(0)] = group.getKey();
                continue;
            }
            Map<String, String> defaults = MethodConfig.resolve(group.getKey(), group.getKey(), Map.of(), registry,
                    problem, true).settings();
            List<String> distinguishing = new ArrayList<>();
            for (String key : methods.get(members.get(0)).settings().keySet()) {
                String first = methods.get(members.get(0)).settings().get(key);
                if (members.stream().anyMatch(i -> !Objects.equals(methods.get(i).settings().get(key), first))) {
                    distinguishing.add(key);
                }
            }
            for (int i : members) {
                labels[i] = label(methods.get(i), distinguishing, defaults);
            }
        }
        List<MethodConfig> out = new ArrayList<>();
        Set<String> used = new HashSet<>(taken);
        for (int i = 0; i < methods.size(); i++) {
            String label = labels[i];
            if (!labelled.get(i)) {
                String base = label;
                for (int n = 2; used.contains(label); n++) {
                    label = base + "-" + n;
                }
                used.add(label);
            }
            out.add(label.equals(methods.get(i).label()) ? methods.get(i) : methods.get(i).withLabel(label));
        }
        return out;
    }

    /** {@code method[key=value,...]} over the distinguishing settings that differ from the default; the bare name when none does. */
    static String label(MethodConfig method, List<String> distinguishing, Map<String, String> defaults) {
        StringBuilder parts = new StringBuilder();
        for (String key : distinguishing) {
            String value = method.settings().get(key);
            if (!Objects.equals(value, defaults.get(key))) {
                parts.append(parts.length() == 0 ? "" : ",").append(key).append('=').append(value);
            }
        }
        return parts.length() == 0 ? method.method() : method.method() + "[" + parts + "]";
    }
}
