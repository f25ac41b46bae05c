package org.kron4j.cli.report;

import java.awt.BasicStroke;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.kron4j.cli.soak.MemorySample;

/**
 * soak.png: per variant, the process's resident memory (solid) and the factor store's bytes
 * (dashed), in MB, over the steps of a soak. A leak shows as a rising solid line.
 */
public final class SoakPlot {
    private static final double MB = 1024.0 * 1024.0;

    private SoakPlot() {
    }

    public static byte[] render(List<MemorySample> samples, String title) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BitmapEncoder.saveBitmap(chart(samples, title), out, BitmapEncoder.BitmapFormat.PNG);
        return out.toByteArray();
    }

    public static XYChart chart(List<MemorySample> samples, String title) {
        XYChart chart = Charts.chart(title, "step", "MB (solid: process RSS; dashed: factor store)");
        Map<String, List<MemorySample>> byVariant = new LinkedHashMap<>();
        samples.forEach(s -> byVariant.computeIfAbsent(s.variant(), v -> new ArrayList<>()).add(s));
        double lo = Double.POSITIVE_INFINITY;
        double hi = 0;
        int colour = 0;
        for (Map.Entry<String, List<MemorySample>> e : byVariant.entrySet()) {
            List<MemorySample> list = e.getValue();
            double[] steps = list.stream().mapToDouble(MemorySample::step).toArray();
            double[] rss = list.stream().mapToDouble(s -> (s.rssBytes() >= 0 ? s.rssBytes() : s.physicalBytes()) / MB)
                    .toArray();
            double[] store = list.stream().mapToDouble(s -> Math.max(s.storeBytes(), 1) / MB).toArray();
            var palette = Charts.PALETTE[colour++ % Charts.PALETTE.length];
            Charts.style(chart.addSeries(e.getKey() + " RSS", steps, rss), palette);
            XYSeries storeSeries = chart.addSeries(e.getKey() + " store", steps, store);
            Charts.style(storeSeries, palette);
            storeSeries.setLineStyle(new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
                    new float[] {6f, 4f}, 0f));
            for (double v : rss) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
            for (double v : store) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        if (byVariant.isEmpty()) {
            Charts.style(chart.addSeries("no samples", new double[] {0}, new double[] {1}), Charts.PALETTE[0]);
            lo = 1;
            hi = 1;
        }
        Charts.scale(chart, lo, hi);
        return chart;
    }
}
