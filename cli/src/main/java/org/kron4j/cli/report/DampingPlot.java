package org.kron4j.cli.report;

import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.kron4j.cli.ablation.AblationConfig;
import org.kron4j.cli.ablation.AblationResult;
import org.kron4j.cli.ablation.RunResult;
import org.kron4j.cli.ablation.Stats;

/**
 * damping.png: the damping λ each kron4j variant used at every step (its chosen learning rate,
 * median over seeds, up to the last step every seed reached), from the steps' diagnostics. Constant
 * lines for fixed damping; the Levenberg-Marquardt rule's trajectory for adaptive damping. Methods
 * without a damping setting (the baselines, Shampoo) are left out.
 */
public final class DampingPlot {
    private DampingPlot() {
    }

    /** The PNG bytes. */
    public static byte[] render(AblationResult result) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BitmapEncoder.saveBitmap(chart(result), out, BitmapEncoder.BitmapFormat.PNG);
        return out.toByteArray();
    }

    /** The chart. */
    public static XYChart chart(AblationResult result) {
        AblationConfig config = result.config();
        XYChart chart = Charts.chart("Damping λ: " + config.data() + ", " + Charts.model(result.model()) + " ("
                + config.engine() + ")", "step (batch " + config.batch() + ", median over "
                + Charts.seeds(config.seeds().size()) + ")", "damping λ");
        double lo = Double.POSITIVE_INFINITY;
        double hi = 0;
        int colour = 0;
        for (AblationResult.MethodRuns m : result.methods()) {
            if (!hasDamping(m)) {
                continue;
            }
            double[][] curve = curve(m.chosen().runs());
            if (curve[0].length == 0) {
                continue;
            }
            Charts.style(chart.addSeries(m.method().label(), curve[0], curve[1]),
                    Charts.PALETTE[colour++ % Charts.PALETTE.length]);
            for (double v : curve[1]) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        if (colour == 0) {
            chart.setTitle("Damping λ: no method reported one (baselines only)");
            Charts.style(chart.addSeries("none", new double[] {1}, new double[] {1}), Color.LIGHT_GRAY);
            lo = 1;
            hi = 1;
        }
        Charts.scale(chart, lo, hi);
        return chart;
    }

    /** Whether the method has a damping setting (the K-FAC family; not Shampoo, not the baselines). */
    static boolean hasDamping(AblationResult.MethodRuns m) {
        return !m.method().isBaseline() && m.method().settings().containsKey("damping");
    }

    /**
     * Steps and the per-step median damping over the runs, up to the last step at which every run
     * has a finite positive damping; empty when some run reported none at its first step.
     */
    static double[][] curve(List<RunResult> runs) {
        int length = Integer.MAX_VALUE;
        for (RunResult r : runs) {
            double[] d = r.damping();
            int n = 0;
            while (n < d.length && Double.isFinite(d[n]) && d[n] > 0) {
                n++;
            }
            length = Math.min(length, n);
        }
        if (runs.isEmpty() || length == 0 || length == Integer.MAX_VALUE) {
            return new double[][] {new double[0], new double[0]};
        }
        List<double[]> all = new ArrayList<>();
        runs.forEach(r -> all.add(r.damping()));
        double[] steps = new double[length];
        double[] median = new double[length];
        for (int t = 0; t < length; t++) {
            double[] at = new double[all.size()];
            for (int i = 0; i < at.length; i++) {
                at[i] = all.get(i)[t];
            }
            steps[t] = t + 1;
            median[t] = Stats.median(at);
        }
        return new double[][] {steps, median};
    }
}
