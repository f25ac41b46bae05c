package org.kron4j.cli;

import org.kron4j.cli.ablation.MethodConfig;
import org.kron4j.cli.engine.ModelShape;
import org.kron4j.cli.verify.ConvCurvatureCheck;
import org.kron4j.cli.verify.CurvatureCheck;
import org.kron4j.cli.verify.TinyConv;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.kron4j.api.CurvatureApproximation;
import org.kron4j.api.model.Loss;
import org.kron4j.api.registry.VariantRegistry;
import org.kron4j.api.settings.OptimizerConfig;
import org.kron4j.api.settings.VariantSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code kron4j verify}: each variant's curvature blocks against the exact Fisher of a tiny copy of a network. */
@Command(name = "verify", mixinStandardHelpOptions = true, sortOptions = false,
        description = {
            "Check each variant's curvature against the exact Fisher / Gauss-Newton matrix on a tiny copy of your "
                    + "network (same depth, activations and loss, every width capped at --width), computed in plain "
                    + "Java from per-example Jacobians. Prints the relative Frobenius error ‖C − F‖ / ‖F‖ of every "
                    + "layer's block C against the exact block F, for a batch of Gaussian inputs and for one example. "
                    + "With one example every Kronecker factorisation of a dense layer is exact, so kfac, ekfac and "
                    + "kfra must be at rounding level there: that is the pass/fail part.",
            ""},
        footer = {"", "Exit codes: 0 every variant passed, 1 a variant is not exact on one example, 2 bad input."})
public final class VerifyCommand implements Callable<Integer> {
    @ParentCommand
    private Kron4jCommand parent;

    @Option(names = "--model", paramLabel = "SHAPE", defaultValue = "64-128-128-10",
            description = "MLP widths (e.g. 784-256-10), 'autoencoder' / 'autoencoder:256-64-16' (784 inputs), or "
                    + "'cnn' / 'cnn:input=6x6x2,kernel=3,channels=3,stride=1,padding=0,dilation=1,classes=4' (a tiny "
                    + "one-conv-layer CNN: its KFC conv block and dense block against the exact Fisher, plus the two "
                    + "cases where KFC is exact). Default: ${DEFAULT-VALUE}.")
    private String model;

    @Option(names = "--activation", paramLabel = "NAME",
            description = "Hidden activation: tanh (default for MLPs), sigmoid (default for autoencoders), relu "
                    + "(default for CNNs), softplus, identity.")
    private String activation;

    @Option(names = "--loss", paramLabel = "NAME",
            description = "softmax (default for MLPs), sigmoid (default for autoencoders) or squared (cross-entropies "
                    + "and squared error; for all three the Fisher equals the Gauss-Newton matrix).")
    private String loss;

    @Option(names = "--width", paramLabel = "N", defaultValue = "8",
            description = "Cap on every width of the tiny copy (default ${DEFAULT-VALUE}; the exact Fisher costs "
                    + "O(B·k·P²) for P parameters).")
    private int width;

    @Option(names = "--batch", paramLabel = "N", defaultValue = "16",
            description = "Gaussian input examples (default ${DEFAULT-VALUE}).")
    private int batch;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "Seed of weights, inputs and "
            + "targets (default ${DEFAULT-VALUE}).")
    private long seed;

    @Option(names = "--variants", paramLabel = "SPECS",
            description = "Variants separated by ';', each 'name[:key=value,...]' (default: every variant on the "
                    + "class path). The check sets float64, targets=exact, tCov=1 and one refresh unless you do.")
    private String variants;

    @Override
    public Integer call() {
        VariantRegistry registry = parent.registry();
        if (width < 2 || width > 32) {
            throw new BadInputException("--width must be in [2, 32], got " + width);
        }
        if (batch < 1 || batch > 1000) {
            throw new BadInputException("--batch must be in [1, 1000], got " + batch);
        }
        List<OptimizerConfig> chosen = variants(registry);
        if (ModelShape.isCnn(model)) {
            return verifyCnn(chosen);
        }
        boolean autoencoder = ModelShape.isAutoencoder(model);
        int[] widths = autoencoder ? new int[] {784, 10} : modelEnds(model);
        ModelShape full = ModelShape.resolve(model, activation, widths[0], widths[1], "the network");
        ModelShape tiny = full.tiny(width);
        Loss lossFunction = loss == null ? full.loss() : loss(loss);
        CurvatureCheck.Result result = CurvatureCheck.run(tiny.sizes(), tiny.activations(), lossFunction, batch, seed,
                chosen);
        return print(parent.out(), full, tiny, result);
    }

    private List<OptimizerConfig> variants(VariantRegistry registry) {
        List<OptimizerConfig> chosen = new ArrayList<>();
        if (variants == null) {
            for (CurvatureApproximation v : registry.all()) {
                chosen.add(OptimizerConfig.defaults(v));
            }
        } else {
            for (VariantSpec spec : MethodConfig.parseSpecs(variants)) {
                CurvatureApproximation variant = MethodConfig.variant(spec.variant(), registry);
                chosen.add(MethodConfig.variantConfig(variant.name(), variant, spec.settings()));
            }
        }
        if (chosen.isEmpty()) {
            throw new BadInputException("no variant to check: none on the class path or none named");
        }
        return chosen;
    }

    /** The conv blocks against the exact Fisher of a tiny one-conv-layer CNN ({@link ConvCurvatureCheck}). */
    private int verifyCnn(List<OptimizerConfig> chosen) {
        TinyConv geometry = TinyConv.parse(model);
        String hidden = activation == null ? ModelShape.CNN_ACTIVATION : activation.trim().toLowerCase(Locale.ROOT);
        Loss lossFunction = loss == null ? Loss.SOFTMAX_CROSS_ENTROPY : loss(loss);
        ConvCurvatureCheck.Result result = ConvCurvatureCheck.run(geometry, ModelShape.activation(hidden),
                lossFunction, batch, seed, chosen);
        PrintStream out = parent.out();
        out.printf(Locale.ROOT, "kron4j verify: tiny CNN %s, %s, %s, %d Gaussian images, seed %d, float64%n",
                geometry.describe(), hidden, lossName(lossFunction), batch, seed);
        out.println("relative Frobenius error ‖C − F‖ / ‖F‖ of each layer's curvature block C against the exact "
                + "Fisher F (= Gauss-Newton for this loss); conv block: KFC (Grosse & Martens 2016), EKFAC on its "
                + "eigenbasis");
        List<ConvCurvatureCheck.VariantErrors> variants = result.variants();
        out.println();
        convTable(out, result.geometry(), variants, ConvCurvatureCheck.VariantErrors::batch,
                batch + " examples (KFC approximates here: information only)");
        out.println();
        convTable(out, result.onePosition(), variants, ConvCurvatureCheck.VariantErrors::onePosition,
                "one position: kernel = input (" + result.onePosition().height() + "×" + result.onePosition().width()
                        + "), 1 example — exact, must be ≈ 0");
        out.println();
        convTable(out, result.sharedWeights(), variants, ConvCurvatureCheck.VariantErrors::sharedWeights,
                "shared weights over " + result.sharedWeights().positions() + " positions with KFC's assumptions "
                        + "exact (constant image, linear conv, squared error, one logit per map position, 1 "
                        + "example; pins the |T| scaling) — must be ≈ 0");
        out.println();
        boolean pass = true;
        List<String> verdicts = new ArrayList<>();
        for (ConvCurvatureCheck.VariantErrors v : variants) {
            verdicts.add(verdict(v.variant(), v.refusal(), v.statesCurvature(), v.exactTargets(), v.passes(),
                    "not exact where KFC's assumptions hold"));
            pass &= !judged(v.refusal(), v.statesCurvature(), v.exactTargets()) || v.passes();
        }
        out.println("check: " + String.join("; ", verdicts));
        out.println("settings of the check: " + String.join(",", CurvatureCheck.CHECK_SETTINGS.asText().entrySet()
                .stream().map(e -> e.getKey() + "=" + e.getValue()).toList()) + ",adaptiveStep=false,"
                + "adaptiveDamping=false (overridden by --variants settings, except the adaptive ones)");
        return pass ? Kron4jCommand.OK : Kron4jCommand.RUN_FAILED;
    }

    private static void convTable(PrintStream out, TinyConv g, List<ConvCurvatureCheck.VariantErrors> variants,
            java.util.function.Function<ConvCurvatureCheck.VariantErrors, List<Double>> errors, String title) {
        StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "%-6s %-22s %10s", "layer", "shape",
                "parameters"));
        for (ConvCurvatureCheck.VariantErrors v : variants) {
            header.append(String.format(Locale.ROOT, " %12s", v.variant()));
        }
        out.println(title + ":");
        out.println(header);
        int flat = g.outChannels() * g.positions();
        String[] shapes = {String.format(Locale.ROOT, "conv %dx%dx%d→%d", g.kernelHeight(), g.kernelWidth(),
                g.inChannels(), g.outChannels()), "dense " + flat + "→" + g.classes()};
        long[] parameters = {g.convParameters(), (long) (flat + 1) * g.classes()};
        for (int l = 0; l < 2; l++) {
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-6d %-22s %10d", l, shapes[l],
                    parameters[l]));
            for (ConvCurvatureCheck.VariantErrors v : variants) {
                Double e = errors.apply(v).get(l);
                row.append(String.format(Locale.ROOT, " %12s", e == null ? "n/a"
                        : String.format(Locale.ROOT, "%.3e", e)));
            }
            out.println(row);
        }
    }

    private static int[] modelEnds(String text) {
        String[] parts = text.trim().split("-");
        try {
            return new int[] {Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[parts.length - 1].trim())};
        } catch (NumberFormatException e) {
            throw new BadInputException("model '" + text + "': expected widths like 64-128-128-10 or 'autoencoder'");
        }
    }

    private static Loss loss(String name) {
        return switch (name.trim().toLowerCase(Locale.ROOT).replace('_', '-')) {
            case "softmax", "softmax-cross-entropy" -> Loss.SOFTMAX_CROSS_ENTROPY;
            case "sigmoid", "sigmoid-cross-entropy" -> Loss.SIGMOID_CROSS_ENTROPY;
            case "squared", "squared-error", "mse" -> Loss.SQUARED_ERROR;
            default -> throw new BadInputException("unknown loss '" + name + "'; known: softmax, sigmoid, squared");
        };
    }

    private static int print(PrintStream out, ModelShape full, ModelShape tiny, CurvatureCheck.Result result) {
        List<CurvatureCheck.VariantErrors> variants = result.variants();
        out.printf(Locale.ROOT, "kron4j verify: tiny copy %s of %s (%s hidden, %s, %d parameters), %d Gaussian inputs, "
                + "seed %d, float64%n", tiny.widths(), full.widths(), full.hidden(), lossName(result.loss()),
                result.parameters(), result.batch(), result.seed());
        out.println("relative Frobenius error ‖C − F‖ / ‖F‖ of each layer's curvature block C against the exact "
                + "Fisher F (= Gauss-Newton for this loss)");
        out.println();
        table(out, tiny, variants, false, result.batch() + " examples");
        out.println();
        table(out, tiny, variants, true, "1 example (exact for every Kronecker factorisation; must be ≈ 0)");
        out.println();
        boolean pass = true;
        List<String> verdicts = new ArrayList<>();
        for (CurvatureCheck.VariantErrors v : variants) {
            verdicts.add(verdict(v.variant(), Optional.empty(), v.statesCurvature(), v.exactTargets(),
                    v.passes(), "not exact on one example"));
            pass &= !judged(Optional.empty(), v.statesCurvature(), v.exactTargets()) || v.passes();
        }
        out.println("check: " + String.join("; ", verdicts));
        out.println("settings of the check: " + String.join(",", CurvatureCheck.CHECK_SETTINGS.asText().entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue()).toList()) + " (overridden by --variants settings)");
        for (CurvatureCheck.VariantErrors v : variants) {
            if (!v.given().isEmpty()) {
                out.println("  " + v.variant() + ": " + v.given());
            }
        }
        return pass ? Kron4jCommand.OK : Kron4jCommand.RUN_FAILED;
    }

    private static void table(PrintStream out, ModelShape tiny, List<CurvatureCheck.VariantErrors> variants,
            boolean single, String title) {
        int[] sizes = tiny.sizes();
        StringBuilder header = new StringBuilder(String.format(Locale.ROOT, "%-6s %-8s %10s", "layer", "shape",
                "parameters"));
        for (CurvatureCheck.VariantErrors v : variants) {
            header.append(String.format(Locale.ROOT, " %12s", v.variant()));
        }
        out.println(title + ":");
        out.println(header);
        for (int l = 0; l < sizes.length - 1; l++) {
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "%-6d %-8s %10d", l,
                    sizes[l] + "→" + sizes[l + 1], (long) (sizes[l] + 1) * sizes[l + 1]));
            for (CurvatureCheck.VariantErrors v : variants) {
                Double e = (single ? v.oneExample() : v.errors()).get(l);
                row.append(String.format(Locale.ROOT, " %12s", e == null ? "n/a" : String.format(Locale.ROOT, "%.3e", e)));
            }
            out.println(row);
        }
    }

    private static String lossName(Loss loss) {
        return switch (loss) {
            case SOFTMAX_CROSS_ENTROPY -> "softmax cross-entropy";
            case SIGMOID_CROSS_ENTROPY -> "sigmoid cross-entropy";
            case SQUARED_ERROR -> "squared error";
        };
    }

    /** Whether a variant's errors are judged: it runs on the model, states a curvature and used exact targets. */
    private static boolean judged(Optional<String> refusal, boolean statesCurvature, boolean exactTargets) {
        return refusal.isEmpty() && statesCurvature && exactTargets;
    }

    /** One variant's entry of the "check:" line; {@code failure} says what a failing variant is not. */
    private static String verdict(String variant, Optional<String> refusal, boolean statesCurvature,
            boolean exactTargets, boolean passes, String failure) {
        if (refusal.isPresent()) {
            return variant + " n/a (" + refusal.get() + ")";
        } else if (!statesCurvature) {
            return variant + " n/a (no explicit curvature: its preconditioner is not a curvature estimate)";
        } else if (!exactTargets) {
            return variant + " not judged (targets are not exact)";
        }
        return variant + (passes ? " ok" : " FAILED (" + failure + ")");
    }
}
