package org.kron4j.cli.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.util.Locale;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * What loss.png and damping.png share: the chart style, the palette, and a y axis that is
 * labelled at any scale. XChart's logarithmic axis labels decades only, so a curve that stays
 * within one decade (an autoencoder's loss between 100 and 250) got a single tick label; here
 * data spanning at most {@value #LINEAR_SPAN}× is drawn on a linear axis with explicit bounds and
 * a tick format precise enough for its step, and wider data on a logarithmic axis in plain decimals,
 * with ticks at 1…9 × 10ᵏ up to a span of {@value #DECADES_ONLY_SPAN}× and at decades beyond.
 */
final class Charts {
    static final int WIDTH = 760;
    static final int HEIGHT = 520;
    /** Largest max/min ratio drawn on a linear axis. */
    static final double LINEAR_SPAN = 30;
    /** Smallest max/min ratio whose logarithmic axis is labelled at decades only. */
    static final double DECADES_ONLY_SPAN = 1e4;
    /** Longest chart title; XChart does not wrap titles, so longer ones are cut with an ellipsis. */
    static final int MAX_TITLE = 72;
    static final Color[] PALETTE = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
        new Color(0x9467bd), new Color(0xff7f0e), new Color(0x8c564b), new Color(0xe377c2), new Color(0x7f7f7f),
        new Color(0xbcbd22), new Color(0x17becf)};

    private Charts() {
    }

    /** The y axis of positive data in [min, max]: linear with bounds and a decimal pattern, or logarithmic. */
    record YAxis(boolean logarithmic, double min, double max, String pattern) {
    }

    static YAxis yAxis(double min, double max) {
        if (!(min > 0) || !Double.isFinite(max) || max < min) {
            return new YAxis(false, 0, 1, "0.0");
        }
        if (max / min > LINEAR_SPAN) {
            int decimals = (int) Math.max(0, -Math.floor(Math.log10(min)));
            return new YAxis(true, Math.pow(10, Math.floor(Math.log10(min))),
                    Math.pow(10, Math.ceil(Math.log10(max))), decimals == 0 ? "#,##0" : "#,##0." + "#".repeat(decimals));
        }
        double span = max - min;
        if (span <= 0) {
            span = Math.abs(max) * 0.1;
        }
        // a nice step (1, 2 or 5 × 10ᵏ) giving about 5 to 10 intervals; bounds on multiples of it
        double decade = Math.pow(10, Math.floor(Math.log10(span / 5)));
        double unit = span / decade <= 10 ? decade : span / decade <= 20 ? 2 * decade : 5 * decade;
        double lower = Math.max(0, Math.floor((min - 0.02 * span) / unit) * unit);
        double upper = Math.ceil((max + 0.02 * span) / unit) * unit;
        // XChart may place ticks at half the step: one decimal more than the step needs
        int decimals = (int) Math.max(0, -Math.floor(Math.log10(unit)) + 1);
        String pattern = decimals == 0 ? "#,##0" : "#,##0." + "0".repeat(decimals);
        return new YAxis(false, lower, upper, pattern);
    }

    static XYChart chart(String title, String xAxis, String yAxis) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(shorten(title)).xAxisTitle(xAxis)
                .yAxisTitle(yAxis).build();
        Styler styler = chart.getStyler();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        chart.getStyler().setMarkerSize(0);
        chart.getStyler().setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 13));
        chart.getStyler().setXAxisTickMarkSpacingHint(90); // step numbers up to 5 digits without overlap
        styler.setChartBackgroundColor(Color.WHITE);
        styler.setAntiAlias(true);
        return chart;
    }

    /** Applies the y axis for data within [min, max]. */
    static YAxis scale(XYChart chart, double min, double max) {
        YAxis axis = yAxis(min, max);
        var styler = chart.getStyler();
        styler.setYAxisLogarithmic(axis.logarithmic());
        styler.setYAxisDecimalPattern(axis.pattern());
        if (axis.logarithmic()) {
            // 1…9 × 10ᵏ ticks crowd over many decades; beyond four decades, decades alone give three labels or more
            styler.setYAxisLogarithmicDecadeOnly(max / min > DECADES_ONLY_SPAN);
        } else {
            styler.setYAxisMin(axis.min());
            styler.setYAxisMax(axis.max());
        }
        return axis;
    }

    static String shorten(String title) {
        return title.length() <= MAX_TITLE ? title : title.substring(0, MAX_TITLE - 1) + "…";
    }

    static void style(XYSeries series, Color colour) {
        series.setMarker(SeriesMarkers.NONE);
        series.setLineColor(colour);
        series.setLineStyle(new BasicStroke(2f));
    }

    /** "784-1000-500-250-30-250-500-1000-784" → "784-1000-500-250-30 (mirrored)" for autoencoders. */
    static String model(org.kron4j.cli.engine.ModelShape model) {
        if (!model.isAutoencoder()) {
            return model.widths();
        }
        int[] sizes = model.sizes();
        StringBuilder sb = new StringBuilder("autoencoder ");
        for (int i = 0; i <= sizes.length / 2; i++) {
            sb.append(i == 0 ? "" : "-").append(sizes[i]);
        }
        return sb.toString();
    }

    static String seeds(int n) {
        return String.format(Locale.ROOT, "%d seed%s", n, n == 1 ? "" : "s");
    }
}
