package org.kron4j.cli.report;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.kron4j.cli.ablation.AblationResult;
import org.kron4j.cli.ablation.MethodConfig;
import org.kron4j.cli.ablation.RunResult;

/**
 * results.csv: one row per method and seed (each method at the learning rate its sweep chose),
 * with the header {@value #HEADER}. Empty cells: target not reached (steps and seconds), no
 * accuracy (autoencoders, diverged runs), no final loss (diverged runs). {@code variant} is the
 * method's label (unique; a repeated method is labelled by the settings that tell it apart, e.g.
 * {@code kfac[targets=empirical]}); {@code settings} is the method's complete resolved spec at the
 * row's learning rate ({@link MethodConfig#resolvedSpec}), in double quotes since it holds commas.
 */
public final class ResultsCsv {
    public static final String HEADER = "variant,seed,steps_to_target,seconds_to_target,final_train_loss,test_accuracy,"
            + "ms_per_step,factor_bytes,settings";

    private ResultsCsv() {
    }

    /** The rows of the runs the result reports: each method's chosen rate, every seed. */
    public static String write(AblationResult result) {
        Map<String, MethodConfig> methods = new LinkedHashMap<>();
        result.config().methods().forEach(m -> methods.put(m.label(), m));
        StringBuilder csv = new StringBuilder(HEADER).append('\n');
        for (RunResult r : result.reportedRuns()) {
            MethodConfig method = methods.get(r.label());
            if (method == null) {
                throw new IllegalStateException("run labelled '" + r.label() + "' belongs to no method of the configuration");
            }
            csv.append(Csv.cell(r.label())).append(',')
                    .append(r.seed()).append(',')
                    .append(r.reached() ? String.valueOf(r.stepsToTarget()) : "").append(',')
                    .append(r.reached() ? format("%.3f", r.secondsToTarget()) : "").append(',')
                    .append(Double.isNaN(r.finalTrainLoss()) ? "" : format("%.6f", r.finalTrainLoss())).append(',')
                    .append(Double.isNaN(r.testAccuracy()) ? "" : format("%.4f", r.testAccuracy())).append(',')
                    .append(format("%.2f", r.msPerStep())).append(',')
                    .append(r.factorBytes()).append(',')
                    .append(Csv.cell(method.resolvedSpec(r.learningRate()))).append('\n');
        }
        return csv.toString();
    }

    private static String format(String pattern, double value) {
        return String.format(Locale.ROOT, pattern, value);
    }
}
