package org.kron4j.cli;

import org.kron4j.cli.ablation.Baseline;
import org.kron4j.cli.ablation.MethodConfig;
import org.kron4j.cli.ablation.Presets;
import org.kron4j.cli.data.DataCatalog;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.kron4j.api.CurvatureApproximation;
import org.kron4j.api.settings.OptimizerConfig;
import org.kron4j.api.registry.VariantRegistry;
import org.kron4j.api.settings.Setting;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code kron4j list}: the variants on the class path with every setting, its default and range. */
@Command(name = "list", mixinStandardHelpOptions = true,
        description = {"List the kron4j variants found on the class path (ServiceLoader) with every setting: type, "
                + "default, allowed values, description, and the preset 'kron4j ablate' starts from. Then the "
                + "baselines, data sets and models 'ablate' accepts."},
        footer = {"", "Exit codes: 0 ok, 2 an unknown variant was named."})
public final class ListCommand implements Callable<Integer> {
    @ParentCommand
    private Kron4jCommand parent;

    @Parameters(paramLabel = "VARIANT", arity = "0..*", description = "Only these variants (default: all).")
    private List<String> names = new ArrayList<>();

    @Option(names = "--brief", description = "Names and descriptions only, no settings.")
    private boolean brief;

    @Override
    public Integer call() {
        VariantRegistry registry = parent.registry();
        PrintStream out = parent.out();
        List<CurvatureApproximation> variants = new ArrayList<>();
        if (names.isEmpty()) {
            variants.addAll(registry.all());
        } else {
            for (String name : names) {
                variants.add(MethodConfig.variant(name.trim().toLowerCase(Locale.ROOT), registry));
            }
        }
        out.println("kron4j variants on the class path: "
                + (registry.names().isEmpty() ? "none (add org.kron4j:kron4j-kfac, -ekfac, -kfra or -shampoo)"
                        : String.join(", ", registry.names())));
        for (CurvatureApproximation variant : variants) {
            out.println();
            out.println(variant.name() + " — " + variant.description());
            if (!brief) {
                table(out, OptimizerConfig.schema(variant));
                preset(out, variant.name());
            }
        }
        if (!names.isEmpty()) {
            return Kron4jCommand.OK;
        }
        out.println();
        out.println("baselines (kron4j ablate only):");
        for (Baseline b : Baseline.values()) {
            out.println();
            out.println(b.id() + " — " + b.description());
            if (!brief) {
                table(out, b.schema());
                preset(out, b.id());
            }
        }
        out.println();
        out.println("data sets (kron4j ablate --data):");
        out.println("  digits, iris, wine, breast-cancer  bundled (UCI, CC BY 4.0)");
        out.println("  mnist                              " + DataCatalog.status("mnist", null));
        out.println("  fashion-mnist                      " + DataCatalog.status("fashion-mnist", null));
        out.println();
        out.println("models (kron4j ablate --model): MLP widths such as 64-128-128-10 (tanh by default, softmax "
                + "cross-entropy), 'autoencoder' (d-1000-500-250-30 mirrored, tanh by default, linear code layer, "
                + "sigmoid cross-entropy, batch 1000 by default), 'autoencoder:256-64-16', 'cnn' (DL4J engine: "
                + "conv 5x5x16 -> max-pool 2 -> conv 5x5x32 -> max-pool 2 -> dense 128 -> softmax on 28x28 images, "
                + "3x8-3x16-64 on the 8x8 digits; relu by default), 'cnn:5x32-5x64-1024'");
        out.println("studies (kron4j ablate --study): " + String.join(", ", org.kron4j.cli.ablation.Study.keys())
                + " (default " + org.kron4j.cli.ablation.Study.DEFAULT.key() + ")");
        out.println("engines (kron4j ablate --engine): dl4j (default), reference (formerly testkit)");
        return Kron4jCommand.OK;
    }

    private static void preset(PrintStream out, String name) {
        String classifier = Presets.of(name, false);
        String autoencoder = Presets.of(name, true);
        String cnn = Presets.of(name, Presets.Problem.CNN);
        if (!classifier.isEmpty()) {
            out.println("  ablation preset (classifiers): " + classifier);
        }
        if (!autoencoder.isEmpty()) {
            out.println("  ablation preset (autoencoders): " + autoencoder);
        }
        if (!cnn.isEmpty()) {
            out.println("  ablation preset (cnn): " + cnn);
        }
    }

    private static void table(PrintStream out, List<Setting<?>> settings) {
        int nameWidth = "setting".length();
        int typeWidth = "type".length();
        int defaultWidth = "default".length();
        int allowedWidth = "allowed".length();
        for (Setting<?> s : settings) {
            nameWidth = Math.max(nameWidth, s.name().length());
            typeWidth = Math.max(typeWidth, type(s).length());
            defaultWidth = Math.max(defaultWidth, defaultText(s).length());
            allowedWidth = Math.max(allowedWidth, s.allowed().length());
        }
        String row = "  %-" + nameWidth + "s  %-" + typeWidth + "s  %-" + defaultWidth + "s  %-" + allowedWidth
                + "s  %s%n";
        out.printf(Locale.ROOT, row, "setting", "type", "default", "allowed", "description");
        for (Setting<?> s : settings) {
            out.printf(Locale.ROOT, row, s.name(), type(s), defaultText(s), s.allowed(), s.description());
        }
    }

    private static String type(Setting<?> s) {
        return s.type().isEnum() ? "choice" : s.type().getSimpleName().toLowerCase(Locale.ROOT);
    }

    private static <T> String defaultText(Setting<T> s) {
        return s.format(s.defaultValue());
    }
}
