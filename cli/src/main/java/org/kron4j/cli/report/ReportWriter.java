package org.kron4j.cli.report;

import org.kron4j.cli.ablation.AblationConfig;
import org.kron4j.cli.ablation.AblationResult;
import org.kron4j.cli.ablation.Baseline;
import org.kron4j.cli.ablation.MethodConfig;
import org.kron4j.cli.ablation.Presets;
import org.kron4j.cli.ablation.RunResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.ToDoubleFunction;
import org.kron4j.api.registry.VariantRegistry;

/**
 * report.md: the setup, the medians over seeds with the winner of every column in bold, ratios
 * against the best baseline, every run, the learning-rate sweeps, every setting of every method,
 * and why the presets are what they are.
 */
public final class ReportWriter {
    private ReportWriter() {
    }

    /** A column of the summary table. */
    private record Column(String title, ToDoubleFunction<AblationResult.RateRuns> value, boolean higherIsBetter,
            boolean variantsOnly, String format) {
    }

    public static String write(AblationResult result, String command, String outDir, VariantRegistry registry,
            String startedAt) {
        AblationConfig config = result.config();
        List<AblationResult.MethodRuns> methods = result.methods();
        Optional<AblationResult.MethodRuns> baseline = result.bestBaseline();
        StringBuilder md = new StringBuilder();
        md.append("# kron4j ablation: ").append(config.data()).append(", ").append(result.model().widths())
                .append(" (").append(config.engine()).append(")\n\n");
        md.append("- command: `").append(command).append("`\n");
        md.append("- rerun: `./kron4j ablate --config ").append(outDir).append("/config.json --out NEW_DIR`\n");
        md.append("- started ").append(startedAt).append(", wall time ")
                .append(String.format(Locale.ROOT, "%.1f s", result.wallSeconds())).append(" on ")
                .append(Runtime.getRuntime().availableProcessors()).append(" cores, Java ")
                .append(System.getProperty("java.version")).append("\n\n");

        md.append("## Setup\n\n");
        md.append("- data: ").append(result.data()).append('\n');
        md.append("- model: ").append(result.model().describe()).append('\n');
        md.append("- engine: ").append(result.engine()).append('\n');
        md.append(String.format(Locale.ROOT, "- budget: %d steps of %s examples (drawn with replacement) per run; "
                + "seeds %s; every method starts from the same weights and sees the same batches for a seed%n",
                config.steps(), config.batch().describe(), config.seeds()));
        md.append(String.format(Locale.ROOT, "- target: the mean of the last %d training batch losses ≤ %s; "
                + "steps and seconds to target count from the first step (seconds: wall time of batch drawing "
                + "and steps, no evaluation)%n", config.window(), fmt(config.target())));
        md.append("- final train loss: mean loss over the training examples after the last step; ")
                .append(result.model().isAutoencoder() ? "held-out loss instead of accuracy (autoencoder)"
                        : "test accuracy on the held-out examples")
                .append('\n');
        md.append("- medians over seeds; a run that does not reach the target counts as ∞ steps and seconds\n");
        md.append(String.format(Locale.ROOT, "- ND4J native threads: %d; \"CPU ms / step\" is the process's CPU time "
                + "per step (all threads), close to the wall time an otherwise idle machine shows — compare it when "
                + "\"ms / step\" was measured on a busy machine%n", config.threads()));
        if (!result.skippedMethods().isEmpty()) {
            md.append("- not on the class path, skipped: ").append(String.join(", ", result.skippedMethods()))
                    .append('\n');
        }
        md.append('\n');

        md.append("## Results (medians over seeds)\n\n");
        List<Column> columns = new ArrayList<>();
        columns.add(new Column("steps to target", AblationResult.RateRuns::medianSteps, false, false, "%.1f"));
        columns.add(new Column("seconds to target", AblationResult.RateRuns::medianSeconds, false, false, "%.2f"));
        columns.add(new Column("final train loss", AblationResult.RateRuns::medianFinalLoss, false, false, "%.4f"));
        if (result.model().isAutoencoder()) {
            columns.add(new Column("test loss", AblationResult.RateRuns::medianTestLoss, false, false, "%.4f"));
        } else {
            columns.add(new Column("test accuracy", AblationResult.RateRuns::medianTestAccuracy, true, false, "%.4f"));
        }
        columns.add(new Column("ms / step", AblationResult.RateRuns::medianMsPerStep, false, false, "%.2f"));
        columns.add(new Column("CPU ms / step", AblationResult.RateRuns::medianCpuMsPerStep, false, false, "%.2f"));
        columns.add(new Column("factor bytes", AblationResult.RateRuns::medianFactorBytes, false, true, "%,.0f"));

        md.append("| method | learning rate | reached |");
        columns.forEach(c -> md.append(' ').append(c.title()).append(" |"));
        md.append(" steps ÷ best baseline | seconds ÷ best baseline |\n|---|--:|--:|");
        columns.forEach(c -> md.append("--:|"));
        md.append("--:|--:|\n");
        List<String> winners = new ArrayList<>();
        double[] best = new double[columns.size()];
        for (int c = 0; c < columns.size(); c++) {
            Column column = columns.get(c);
            double b = column.higherIsBetter() ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
            List<String> who = new ArrayList<>();
            for (AblationResult.MethodRuns m : methods) {
                if (column.variantsOnly() && m.method().isBaseline()) {
                    continue;
                }
                double v = column.value().applyAsDouble(m.chosen());
                if (!Double.isFinite(v)) {
                    continue;
                }
                boolean better = column.higherIsBetter() ? v > b : v < b;
                if (better) {
                    b = v;
                    who.clear();
                }
                if (v == b) {
                    who.add(m.method().label());
                }
            }
            best[c] = b;
            winners.add(column.title() + ": " + (who.isEmpty() ? "none" : "**" + String.join("**, **", who) + "**"
                    + " (" + cell(column, b) + ")"));
        }
        for (AblationResult.MethodRuns m : methods) {
            AblationResult.RateRuns chosen = m.chosen();
            md.append("| ").append(m.method().label()).append(" | ").append(fmt(chosen.rate()))
                    .append(m.method().isSweep() ? " (swept)" : "").append(" | ").append(chosen.reached()).append('/')
                    .append(chosen.runs().size()).append(" |");
            for (int c = 0; c < columns.size(); c++) {
                Column column = columns.get(c);
                double v = column.value().applyAsDouble(chosen);
                String text = column.variantsOnly() && m.method().isBaseline() ? "0 (no factors)" : cell(column, v);
                boolean win = Double.isFinite(v) && v == best[c] && !(column.variantsOnly() && m.method().isBaseline());
                md.append(' ').append(win ? "**" + text + "**" : text).append(" |");
            }
            md.append(' ').append(ratio(chosen.medianSteps(), baseline.map(b -> b.chosen().medianSteps())))
                    .append(" | ").append(ratio(chosen.medianSeconds(), baseline.map(b -> b.chosen().medianSeconds())))
                    .append(" |\n");
        }
        md.append("\nWinner per column — ").append(String.join("; ", winners)).append(".");
        md.append(" Factor bytes compare the Kronecker variants only (the baselines keep no curvature factors: SGD one "
                + "velocity buffer, Adam two moment buffers, of the parameters' size).\n");
        baseline.ifPresent(b -> md.append("\nRatios are against the best baseline, **").append(b.method().label())
                .append("** at learning rate ").append(fmt(b.chosen().rate()))
                .append(" (fewest median steps to target among the baselines); below 1 means fewer steps or less "
                        + "time than it.\n"));
        md.append("\n![training loss](loss.png)\n\n");
        damping(md, result);

        md.append("## Every run (results.csv)\n\n");
        md.append("| method | seed | learning rate | steps to target | seconds to target | final train loss | ")
                .append(result.model().isAutoencoder() ? "test loss" : "test accuracy")
                .append(" | ms / step | factor bytes | notes |\n|---|--:|--:|--:|--:|--:|--:|--:|--:|---|\n");
        for (RunResult r : result.reportedRuns()) {
            md.append("| ").append(r.label()).append(" | ").append(r.seed()).append(" | ").append(fmt(r.learningRate()))
                    .append(" | ").append(r.reached() ? String.valueOf(r.stepsToTarget()) : "—")
                    .append(" | ").append(r.reached() ? String.format(Locale.ROOT, "%.2f", r.secondsToTarget()) : "—")
                    .append(" | ").append(num("%.4f", r.finalTrainLoss()))
                    .append(" | ").append(num("%.4f", result.model().isAutoencoder() ? r.testLoss() : r.testAccuracy()))
                    .append(" | ").append(num("%.2f", r.msPerStep()))
                    .append(" | ").append(String.format(Locale.ROOT, "%,d", r.factorBytes()))
                    .append(" | ").append(notes(r)).append(" |\n");
        }
        md.append('\n');

        boolean anySweep = methods.stream().anyMatch(m -> m.method().isSweep());
        if (anySweep) {
            md.append("## Learning-rate sweeps\n\n");
            md.append("Each rate ran on every seed; the chosen rate has the fewest median steps to target, then the "
                    + "lowest median final training loss.\n\n");
            md.append("| method | learning rate | steps to target per seed | median steps | median final train loss | "
                    + "chosen |\n|---|--:|---|--:|--:|:-:|\n");
            for (AblationResult.MethodRuns m : methods) {
                if (!m.method().isSweep()) {
                    continue;
                }
                for (AblationResult.RateRuns rate : m.rates()) {
                    List<String> perSeed = new ArrayList<>();
                    rate.runs().forEach(r -> perSeed.add(r.diverged() ? "diverged"
                            : r.reached() ? String.valueOf(r.stepsToTarget()) : ">" + config.steps()));
                    md.append("| ").append(m.method().label()).append(" | ").append(fmt(rate.rate())).append(" | ")
                            .append(String.join(", ", perSeed)).append(" | ").append(steps(rate.medianSteps()))
                            .append(" | ").append(num("%.4f", rate.medianFinalLoss())).append(" | ")
                            .append(rate == m.chosen() ? "✓" : "").append(" |\n");
                }
            }
            md.append('\n');
        }

        md.append("## Settings\n\n");
        md.append("Every setting of every method (library defaults included); `learningRate` lists the sweep. "
                + "The same text works as a `--variants` spec.\n\n");
        for (AblationResult.MethodRuns m : methods) {
            md.append("- **").append(m.method().label()).append("** — ")
                    .append(m.method().baseline().map(Baseline::description).orElseGet(
                            () -> MethodConfig.variant(m.method().method(), registry).description()))
                    .append("\n  - differs from the defaults: `").append(m.method().nonDefaultSettings(registry))
                    .append("`\n  - all: `").append(m.method().spec()).append("`\n");
        }
        md.append("\n## Why these presets\n\n").append(Presets.RATIONALE.strip()).append('\n');
        return md.toString();
    }

    /** The damping section: λ over the steps per kron4j method, and any raise by the store's fallback chain. */
    private static void damping(StringBuilder md, AblationResult result) {
        List<AblationResult.MethodRuns> variants = result.methods().stream()
                .filter(DampingPlot::hasDamping).toList();
        if (variants.isEmpty()) {
            return;
        }
        md.append("## Damping\n\n");
        md.append("The damping λ each kron4j method used per step (steps.csv has every step of every run, with the "
                + "reduction ratio ρ, the step size α and the momentum μ); medians over seeds at the chosen learning "
                + "rate. ρ is reported on the steps that adapted λ.\n\n");
        md.append("| method | λ at step 1 | λ at the last step | smallest λ | largest λ | steps with ρ | median ρ |\n"
                + "|---|--:|--:|--:|--:|--:|--:|\n");
        for (AblationResult.MethodRuns m : variants) {
            List<RunResult> runs = m.chosen().runs();
            double[] first = new double[runs.size()];
            double[] last = new double[runs.size()];
            double[] low = new double[runs.size()];
            double[] high = new double[runs.size()];
            double[] adapted = new double[runs.size()];
            List<Double> rhos = new ArrayList<>();
            for (int i = 0; i < runs.size(); i++) {
                double[] d = runs.get(i).damping();
                first[i] = d.length == 0 ? Double.NaN : d[0];
                last[i] = d.length == 0 ? Double.NaN : d[d.length - 1];
                low[i] = java.util.Arrays.stream(d).filter(Double::isFinite).min().orElse(Double.NaN);
                high[i] = java.util.Arrays.stream(d).filter(Double::isFinite).max().orElse(Double.NaN);
                long count = 0;
                for (var diag : runs.get(i).diagnostics()) {
                    if (Double.isFinite(diag.reductionRatio())) {
                        count++;
                        rhos.add(diag.reductionRatio());
                    }
                }
                adapted[i] = count;
            }
            md.append("| ").append(m.method().label()).append(" | ").append(sci(median(first))).append(" | ")
                    .append(sci(median(last))).append(" | ").append(sci(median(low))).append(" | ")
                    .append(sci(median(high))).append(" | ").append(steps(median(adapted))).append(" | ")
                    .append(rhos.isEmpty() ? "—" : String.format(Locale.ROOT, "%.3g",
                            median(rhos.stream().mapToDouble(Double::doubleValue).toArray())))
                    .append(" |\n");
        }
        md.append("\n![damping](damping.png)\n\n");
        List<String> raised = new ArrayList<>();
        for (AblationResult.MethodRuns m : variants) {
            for (RunResult r : m.chosen().runs()) {
                r.dampingInUse().forEach((layer, used) -> {
                    if (used.raised()) {
                        raised.add(String.format(Locale.ROOT, "%s seed %d, layer %s: requested %s, applied %s%s",
                                r.label(), r.seed(), layer, sci(used.requested()), sci(used.applied()),
                                used.factors().isEmpty() ? "" : " (factors " + used.factors() + ")"));
                    }
                });
            }
        }
        if (!raised.isEmpty()) {
            md.append("The factor store raised the damping of some blocks above the optimizer's (its fallback chain, "
                    + "when a factor's decomposition failed at the requested damping); the damping in use at the end "
                    + "of each run:\n\n");
            raised.forEach(line -> md.append("- ").append(line).append('\n'));
            md.append('\n');
        }
    }

    private static double median(double[] values) {
        double[] finite = java.util.Arrays.stream(values).filter(v -> !Double.isNaN(v)).toArray();
        return finite.length == 0 ? Double.NaN : org.kron4j.cli.ablation.Stats.median(finite);
    }

    private static String sci(double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, "%.3g", v) : "—";
    }

    private static String notes(RunResult r) {
        List<String> notes = new ArrayList<>();
        if (r.diverged()) {
            notes.add("diverged at step " + r.losses().length);
        }
        if (r.skippedSteps() > 0) {
            notes.add(r.skippedSteps() + " steps skipped by kron4j's guards");
        }
        return String.join("; ", notes);
    }

    private static String cell(Column column, double v) {
        if (column.title().startsWith("steps") || column.title().startsWith("seconds")) {
            if (v == Double.POSITIVE_INFINITY) {
                return "not reached";
            }
        }
        if (!Double.isFinite(v)) {
            return "—";
        }
        if (column.title().startsWith("steps")) {
            return steps(v);
        }
        return String.format(Locale.ROOT, column.format(), v);
    }

    private static String steps(double v) {
        if (v == Double.POSITIVE_INFINITY) {
            return "not reached";
        }
        return v == Math.rint(v) ? String.valueOf((long) v) : String.format(Locale.ROOT, "%.1f", v);
    }

    private static String ratio(double value, Optional<Double> baseline) {
        if (baseline.isEmpty() || !Double.isFinite(baseline.get()) || !Double.isFinite(value) || baseline.get() == 0) {
            return "—";
        }
        return String.format(Locale.ROOT, "%.2f", value / baseline.get());
    }

    private static String num(String pattern, double v) {
        return Double.isFinite(v) ? String.format(Locale.ROOT, pattern, v) : "—";
    }

    public static String fmt(double v) {
        return v == Math.rint(v) && Math.abs(v) < 1e9 ? String.valueOf((long) v) : String.valueOf(v);
    }
}
