package org.kron4j.cli.report;

import org.kron4j.cli.ablation.AblationRunner;
import java.io.PrintStream;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * The ablation's progress bar on stderr (total steps of every run, the current method, rate and
 * seed, the current batch loss, the estimated time left), or nothing with {@code --quiet}.
 */
public final class Progress implements AblationRunner.Listener, AutoCloseable {
    private final PrintStream err;
    private final boolean enabled;
    private ProgressBar bar;
    private String run = "";

    public Progress(PrintStream err, boolean enabled) {
        this.err = err;
        this.enabled = enabled;
    }

    @Override
    public void started(long totalSteps) {
        if (!enabled) {
            return;
        }
        bar = new ProgressBarBuilder().setTaskName("ablate").setInitialMax(totalSteps)
                .setStyle(ProgressBarStyle.ASCII).setUpdateIntervalMillis(500).setUnit(" steps", 1)
                .setConsumer(new ConsoleProgressBarConsumer(err, 130)).build();
    }

    @Override
    public void run(String label, double learningRate, long seed, boolean warmup) {
        if (bar != null) {
            run = String.format(Locale.ROOT, "%s%s lr=%s seed %d", warmup ? "warm-up " : "", label,
                    ReportWriter.fmt(learningRate), seed);
            bar.setExtraMessage(run);
        }
    }

    @Override
    public void loss(double loss) {
        if (bar != null) {
            bar.setExtraMessage(run + " loss " + formatLoss(loss));
        }
    }

    /** A batch loss in four significant digits ("206.4", "0.04312", "NaN"). */
    public static String formatLoss(double loss) {
        if (!Double.isFinite(loss)) {
            return String.valueOf(loss);
        }
        return String.format(Locale.ROOT, "%.4g", loss);
    }

    @Override
    public void step() {
        if (bar != null) {
            bar.step();
        }
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.setExtraMessage("done");
            bar.close();
            bar = null;
        }
    }
}
