package org.kron4j.cli.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.internal.chartpart.Chart;
import org.kron4j.api.Kron4j;
import org.kron4j.api.optim.StepDiagnostics;
import org.kron4j.cli.ablation.AblationConfig;
import org.kron4j.cli.ablation.AblationResult;
import org.kron4j.cli.ablation.MethodConfig;
import org.kron4j.cli.ablation.RunResult;
import org.kron4j.cli.engine.ModelShape;

/**
 * loss.png and damping.png on synthetic runs: the y axis carries several tick labels whatever the
 * scale (the autoencoder's loss between 100 and 250 used to get a single label on XChart's
 * decade-only log axis), the title fits, and the PNGs decode at the documented size.
 */
class PlotsTest {
    private static final int STEPS = 50;

    /** An autoencoder ablation whose losses fall from {@code from} to {@code to}; kfac's damping from 1 down by ×0.9 per step. */
    static AblationResult result(double from, double to) {
        List<MethodConfig> methods = MethodConfig.parseList("kfac;adam", Kron4j.variants(), true);
        AblationConfig config = new AblationConfig("mnist", null, "autoencoder", "tanh", "dl4j", 1000, STEPS, 120, 5,
                List.of(1L, 2L), 0.2, 0, 1000, 1, methods);
        ModelShape shape = ModelShape.resolve("autoencoder", "tanh", 784, 10, "mnist");
        List<RunResult> runs = new ArrayList<>();
        for (MethodConfig m : methods) {
            for (double rate : m.learningRates()) {
                for (long seed : config.seeds()) {
                    double[] losses = new double[STEPS];
                    double[] seconds = new double[STEPS];
                    int[] sizes = new int[STEPS];
                    List<StepDiagnostics> diagnostics = new ArrayList<>();
                    for (int s = 0; s < STEPS; s++) {
                        losses[s] = from + (to - from) * s / (STEPS - 1.0) + seed;
                        seconds[s] = 0.1 * (s + 1);
                        sizes[s] = 1000;
                        diagnostics.add(m.isBaseline()
                                ? new StepDiagnostics(Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN)
                                : new StepDiagnostics(losses[s], Math.pow(0.9, s), s % 5 == 0 ? 0.8 : Double.NaN,
                                        0.5, 0.3));
                    }
                    runs.add(new RunResult(m.label(), seed, rate, losses, seconds, -1, Double.NaN, to, Double.NaN, to,
                            100, 100, 0, 0, false, sizes, diagnostics, Map.of()));
                }
            }
        }
        return new AblationResult(config, shape, "synthetic", "dl4j", runs, 1.0, List.of());
    }

    /** The y-axis tick labels XChart drew (read from its axis after painting). */
    @SuppressWarnings("rawtypes")
    static List<String> yTickLabels(XYChart chart) throws ReflectiveOperationException {
        BitmapEncoder.getBufferedImage(chart); // lays out and paints the axes
        Field pair = Chart.class.getDeclaredField("axisPair");
        pair.setAccessible(true);
        Object axisPair = pair.get(chart);
        Method yAxis = axisPair.getClass().getDeclaredMethod("getYAxis");
        yAxis.setAccessible(true);
        Object axis = yAxis.invoke(axisPair);
        Object calculator = axis.getClass().getMethod("getAxisTickCalculator").invoke(axis);
        Method labels = calculator.getClass().getMethod("getTickLabels");
        labels.setAccessible(true);
        List<?> raw = (List) labels.invoke(calculator);
        List<String> out = new ArrayList<>();
        raw.forEach(l -> out.add(String.valueOf(l)));
        return out;
    }

    @Test
    void lossPlot_lossWithinOneDecade_hasSeveralDistinctTickLabelsAndAShortTitle() throws Exception {
        for (XYChart chart : LossPlot.charts(result(250, 100))) {
            List<String> labels = yTickLabels(chart);
            assertThat(labels.stream().filter(l -> !l.isBlank()).distinct().count()).as(labels.toString())
                    .isGreaterThanOrEqualTo(4);
            assertThat(labels).anySatisfy(l -> assertThat(l).isIn("100", "150", "200", "250"));
            assertThat(chart.getStyler().isYAxisLogarithmic()).isFalse();
            assertThat(chart.getTitle().length()).isLessThanOrEqualTo(Charts.MAX_TITLE);
        }
    }

    @Test
    void lossPlot_lossOverDecades_usesALogAxisWithLabelsBetweenDecades() throws Exception {
        XYChart bySteps = LossPlot.charts(result(50000, 0.5)).get(0); // moving means from 50000 to ~5000/49
        assertThat(bySteps.getStyler().isYAxisLogarithmic()).isTrue();
        List<String> labels = yTickLabels(bySteps);
        assertThat(labels.stream().filter(l -> !l.isBlank()).distinct().count()).as(labels.toString())
                .isGreaterThanOrEqualTo(3);
        assertThat(labels).contains("1,000", "10,000");
        XYChart narrower = Charts.chart("t", "x", "y"); // 40×: ticks between the decades too
        narrower.addSeries("s", new double[] {1, 2, 3}, new double[] {400, 60, 10});
        Charts.scale(narrower, 10, 400);
        assertThat(narrower.getStyler().isYAxisLogarithmic()).isTrue();
        assertThat(narrower.getStyler().isYAxisLogarithmicDecadeOnly()).isFalse();
        assertThat(yTickLabels(narrower).stream().filter(l -> !l.isBlank()).distinct().count())
                .isGreaterThanOrEqualTo(4);
    }

    @Test
    void lossPlot_smallLosses_areLabelledWithEnoughDecimals() throws Exception {
        List<String> labels = yTickLabels(LossPlot.charts(result(0.09, 0.04)).get(0));
        assertThat(labels.stream().filter(l -> !l.isBlank()).distinct().count()).as(labels.toString())
                .isGreaterThanOrEqualTo(4);
    }

    @Test
    void dampingPlot_plotsTheVariantsDampingOnly() throws Exception {
        AblationResult result = result(250, 100);
        XYChart chart = DampingPlot.chart(result);
        assertThat(chart.getSeriesMap().keySet()).containsExactly("kfac");
        double[] median = DampingPlot.curve(result.methods().get(0).chosen().runs())[1];
        assertThat(median).hasSize(STEPS);
        assertThat(median[0]).isEqualTo(1.0);
        assertThat(median[10]).isCloseTo(Math.pow(0.9, 10), org.assertj.core.data.Offset.offset(1e-12));
        List<String> labels = yTickLabels(chart);
        assertThat(labels.stream().filter(l -> !l.isBlank()).distinct().count()).as(labels.toString())
                .isGreaterThanOrEqualTo(3);
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(DampingPlot.render(result)));
        assertThat(image.getWidth()).isEqualTo(Charts.WIDTH);
        assertThat(image.getHeight()).isEqualTo(Charts.HEIGHT);
    }

    @Test
    void plots_writtenForViewing() throws IOException {
        // kept under target/ for a look with an image viewer
        Path dir = Files.createDirectories(Path.of("target", "plots"));
        Files.write(dir.resolve("loss-100-250.png"), LossPlot.render(result(250, 100)));
        Files.write(dir.resolve("loss-decades.png"), LossPlot.render(result(50000, 0.5)));
        Files.write(dir.resolve("loss-small.png"), LossPlot.render(result(0.09, 0.04)));
        Files.write(dir.resolve("damping.png"), DampingPlot.render(result(250, 100)));
        BufferedImage image = ImageIO.read(dir.resolve("loss-100-250.png").toFile());
        assertThat(image.getWidth()).isEqualTo(2 * LossPlot.WIDTH);
    }

    @Test
    void stepsCsv_formatsNumbersShortAndLeavesUnknownsEmpty() {
        assertThat(StepsCsv.number(Double.NaN)).isEmpty();
        assertThat(StepsCsv.number(206.4)).isEqualTo("206.4");
        assertThat(StepsCsv.number(1000)).isEqualTo("1000");
        assertThat(StepsCsv.number(1e-3)).isEqualTo("0.001");
        assertThat(StepsCsv.number(123.456789)).isEqualTo("123.4568");
    }
}
