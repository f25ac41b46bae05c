package org.kron4j.cli.report;

import java.util.List;
import java.util.Locale;
import org.kron4j.api.optim.StepDiagnostics;
import org.kron4j.cli.ablation.RunResult;

/**
 * steps.csv: one row per step of every run (every method, every rate of its sweep, every seed),
 * with the header {@value #HEADER}: the step (1-based), the examples in its batch, the batch loss
 * before the step's update, and what the kron4j optimizer reported for it
 * ({@code StepResult.diagnostics()}): the damping λ, the reduction ratio ρ (on the steps that
 * adapted the damping), the effective step size α and the momentum μ. Empty cells where a value
 * is unknown: the baselines report no diagnostics, ρ exists only on adapting steps.
 */
public final class StepsCsv {
    public static final String HEADER = "method,learning_rate,seed,step,batch_size,loss,damping,rho,alpha,mu";

    private StepsCsv() {
    }

    public static String write(List<RunResult> runs) {
        StringBuilder csv = new StringBuilder(HEADER).append('\n');
        for (RunResult r : runs) {
            String prefix = Csv.cell(r.label()) + ',' + r.learningRate() + ',' + r.seed() + ',';
            for (int s = 0; s < r.losses().length; s++) {
                StepDiagnostics d = r.diagnostics().get(s);
                csv.append(prefix).append(s + 1).append(',').append(r.batchSizes()[s]).append(',')
                        .append(number(r.losses()[s])).append(',')
                        .append(number(d.damping())).append(',')
                        .append(number(d.reductionRatio())).append(',')
                        .append(number(d.learningRate())).append(',')
                        .append(number(d.momentum())).append('\n');
            }
        }
        return csv.toString();
    }

    /** Seven significant digits, shortest form; empty for NaN. */
    static String number(double v) {
        if (Double.isNaN(v)) {
            return "";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        double rounded = Double.parseDouble(String.format(Locale.ROOT, "%.7g", v));
        return rounded == Math.rint(rounded) && Math.abs(rounded) < 1e7 ? String.valueOf((long) rounded)
                : String.valueOf(rounded);
    }
}
