package org.kron4j.cli.report;

import org.kron4j.cli.ablation.RunResult;
import java.util.List;
import java.util.Locale;

/**
 * results.csv: one row per method and seed (each method at the learning rate its sweep chose),
 * with the header {@value #HEADER}. Empty cells: target not reached (steps and seconds), no
 * accuracy (autoencoders, diverged runs), no final loss (diverged runs).
 */
public final class ResultsCsv {
    public static final String HEADER = "variant,seed,steps_to_target,seconds_to_target,final_train_loss,test_accuracy,"
            + "ms_per_step,factor_bytes";

    private ResultsCsv() {
    }

    public static String write(List<RunResult> runs) {
        StringBuilder csv = new StringBuilder(HEADER).append('\n');
        for (RunResult r : runs) {
            csv.append(r.label()).append(',')
                    .append(r.seed()).append(',')
                    .append(r.reached() ? String.valueOf(r.stepsToTarget()) : "").append(',')
                    .append(r.reached() ? format("%.3f", r.secondsToTarget()) : "").append(',')
                    .append(Double.isNaN(r.finalTrainLoss()) ? "" : format("%.6f", r.finalTrainLoss())).append(',')
                    .append(Double.isNaN(r.testAccuracy()) ? "" : format("%.4f", r.testAccuracy())).append(',')
                    .append(format("%.2f", r.msPerStep())).append(',')
                    .append(r.factorBytes()).append('\n');
        }
        return csv.toString();
    }

    private static String format(String pattern, double value) {
        return String.format(Locale.ROOT, pattern, value);
    }
}
