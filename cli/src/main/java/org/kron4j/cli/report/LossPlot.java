package org.kron4j.cli.report;

import org.kron4j.cli.ablation.AblationConfig;
import org.kron4j.cli.ablation.AblationResult;
import org.kron4j.cli.ablation.RunResult;
import org.kron4j.cli.ablation.Stats;
import java.awt.BasicStroke;
import java.awt.Color;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * loss.png: the training loss against steps (left) and against wall-clock seconds (right), one
 * line per method at its chosen learning rate. A line is the per-step median over seeds of the
 * moving mean of the last {@code window} batch losses (the quantity the target is judged on; the
 * median, like the report's, so that one seed's spike does not stand for the method),
 * plotted where every seed still has a finite loss; the seconds axis uses the per-step median of
 * the seeds' elapsed times. The loss axis is linear when the curves stay within a factor of
 * {@value Charts#LINEAR_SPAN}, else logarithmic, labelled at any scale; the target is a dashed
 * line. Rendered headless with XChart.
 */
public final class LossPlot {
    public static final int WIDTH = Charts.WIDTH;
    public static final int HEIGHT = Charts.HEIGHT;

    private LossPlot() {
    }

    /** The PNG bytes of both charts side by side. */
    public static byte[] render(AblationResult result) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BitmapEncoder.saveBitmap(charts(result), 1, 2, out, BitmapEncoder.BitmapFormat.PNG);
        return out.toByteArray();
    }

    /** The two charts: loss vs steps, loss vs seconds. */
    public static List<XYChart> charts(AblationResult result) {
        AblationConfig config = result.config();
        String title = "Training loss: " + config.data() + ", " + Charts.model(result.model()) + " (" + config.engine()
                + ")";
        String setup = "batch " + config.batch() + ", " + Charts.seeds(config.seeds().size());
        XYChart bySteps = Charts.chart(title, "step (" + setup + ")", "training loss (moving mean)");
        XYChart bySeconds = Charts.chart("Training loss vs wall time", "seconds", "training loss (moving mean)");
        int colour = 0;
        double maxSeconds = 0;
        double lo = config.target();
        double hi = config.target();
        for (AblationResult.MethodRuns m : result.methods()) {
            Curve curve = curve(m.chosen().runs(), config.window());
            if (curve.steps.length == 0) {
                continue;
            }
            String name = m.method().label() + (m.method().isSweep() ? " (lr " + m.chosen().rate() + ")" : "");
            Color c = Charts.PALETTE[colour++ % Charts.PALETTE.length];
            Charts.style(bySteps.addSeries(name, curve.steps, curve.loss), c);
            Charts.style(bySeconds.addSeries(name, curve.seconds, curve.loss), c);
            maxSeconds = Math.max(maxSeconds, curve.seconds[curve.seconds.length - 1]);
            for (double v : curve.loss) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        target(bySteps, config.target(), 1, config.steps());
        target(bySeconds, config.target(), 0, Math.max(maxSeconds, 1e-3));
        Charts.scale(bySteps, lo, hi);
        Charts.scale(bySeconds, lo, hi);
        return List.of(bySteps, bySeconds);
    }

    private static void target(XYChart chart, double target, double from, double to) {
        XYSeries line = chart.addSeries("target " + target, new double[] {from, to}, new double[] {target, target});
        line.setMarker(SeriesMarkers.NONE);
        line.setLineColor(Color.GRAY);
        line.setLineStyle(new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f},
                0f));
    }

    private record Curve(double[] steps, double[] seconds, double[] loss) {
    }

    /** The median over seeds of the moving-mean loss, up to the last step every seed reached with a finite loss. */
    public static Curve curve(List<RunResult> runs, int window) {
        int length = Integer.MAX_VALUE;
        for (RunResult r : runs) {
            int finite = 0;
            while (finite < r.losses().length && Double.isFinite(r.losses()[finite]) && r.losses()[finite] > 0) {
                finite++;
            }
            length = Math.min(length, finite);
        }
        if (runs.isEmpty() || length == 0 || length == Integer.MAX_VALUE) {
            return new Curve(new double[0], new double[0], new double[0]);
        }
        List<double[]> points = new ArrayList<>();
        for (int t = 0; t < length; t++) {
            double[] movingMeans = new double[runs.size()];
            double[] times = new double[runs.size()];
            for (int i = 0; i < runs.size(); i++) {
                double[] l = runs.get(i).losses();
                int from = Math.max(0, t + 1 - window);
                double sum = 0;
                for (int j = from; j <= t; j++) {
                    sum += l[j];
                }
                movingMeans[i] = sum / (t + 1 - from);
                times[i] = runs.get(i).seconds()[t];
            }
            points.add(new double[] {t + 1, Stats.median(times), Stats.median(movingMeans)});
        }
        double[] steps = new double[points.size()];
        double[] seconds = new double[points.size()];
        double[] loss = new double[points.size()];
        for (int i = 0; i < points.size(); i++) {
            steps[i] = points.get(i)[0];
            seconds[i] = points.get(i)[1];
            loss[i] = points.get(i)[2];
        }
        return new Curve(steps, seconds, loss);
    }
}
