package org.kron4j.cli.ablation;

import org.kron4j.cli.engine.ModelShape;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every run of an ablation and what the reports derive from them: per method the learning rate
 * the sweep chose and the runs at that rate, medians over seeds, and the best baseline.
 *
 * @param config      the configuration that ran
 * @param model       the resolved model
 * @param data        the data's one-line description
 * @param engine      the engine's one-line description
 * @param runs        every run, sweeps included, in the order they ran
 * @param wallSeconds wall time of the whole ablation (warm-up and evaluation included)
 * @param skippedMethods variants of the default list that are not on the class path
 */
public record AblationResult(AblationConfig config, ModelShape model, String data, String engine, List<RunResult> runs,
        double wallSeconds, List<String> skippedMethods) {

    public AblationResult {
        runs = List.copyOf(runs);
        skippedMethods = List.copyOf(skippedMethods);
    }

    /** One learning rate of a method: its runs and medians. */
    public record RateRuns(double rate, List<RunResult> runs) {
        public double medianSteps() {
            return Stats.median(runs, RunResult::stepsOrInfinity);
        }

        public double medianSeconds() {
            return Stats.median(runs, RunResult::secondsOrInfinity);
        }

        public double medianFinalLoss() {
            return Stats.median(runs, RunResult::lossOrInfinity);
        }

        public double medianTestAccuracy() {
            return Stats.median(runs, r -> Double.isNaN(r.testAccuracy()) ? Double.NEGATIVE_INFINITY : r.testAccuracy());
        }

        public double medianTestLoss() {
            return Stats.median(runs, r -> Double.isNaN(r.testLoss()) ? Double.POSITIVE_INFINITY : r.testLoss());
        }

        public double medianMsPerStep() {
            return Stats.median(runs, RunResult::msPerStep);
        }

        public double medianCpuMsPerStep() {
            return Stats.median(runs, RunResult::cpuMsPerStep);
        }

        public double medianFactorBytes() {
            return Stats.median(runs, r -> (double) r.factorBytes());
        }

        public long reached() {
            return runs.stream().filter(RunResult::reached).count();
        }

        public long diverged() {
            return runs.stream().filter(RunResult::diverged).count();
        }

        /** The sweep's order: fewer steps to target, then lower final training loss. */
        static final Comparator<RateRuns> BEST_FIRST = Comparator.comparingDouble(RateRuns::medianSteps)
                .thenComparingDouble(RateRuns::medianFinalLoss);
    }

    /** A method with every rate it tried and the one chosen. */
    public record MethodRuns(MethodConfig method, List<RateRuns> rates, RateRuns chosen) {
    }

    /** Per method, in config order. */
    public List<MethodRuns> methods() {
        List<MethodRuns> out = new ArrayList<>();
        for (MethodConfig method : config.methods()) {
            Map<Double, List<RunResult>> byRate = new LinkedHashMap<>();
            for (double rate : method.learningRates()) {
                byRate.put(rate, new ArrayList<>());
            }
            for (RunResult run : runs) {
                if (run.label().equals(method.label())) {
                    byRate.computeIfAbsent(run.learningRate(), r -> new ArrayList<>()).add(run);
                }
            }
            List<RateRuns> rates = new ArrayList<>();
            byRate.forEach((rate, list) -> {
                list.sort(Comparator.comparingInt(r -> config.seeds().indexOf(r.seed())));
                rates.add(new RateRuns(rate, list));
            });
            RateRuns chosen = rates.stream().min(RateRuns.BEST_FIRST).orElseThrow();
            out.add(new MethodRuns(method, rates, chosen));
        }
        return out;
    }

    /** The baseline with the fewest median steps to target (then lowest loss), if any baseline ran. */
    public Optional<MethodRuns> bestBaseline() {
        return methods().stream().filter(m -> m.method().isBaseline())
                .min(Comparator.comparing(MethodRuns::chosen, RateRuns.BEST_FIRST));
    }

    /** The runs results.csv lists: each method's chosen rate, seeds in config order. */
    public List<RunResult> reportedRuns() {
        List<RunResult> out = new ArrayList<>();
        methods().forEach(m -> out.addAll(m.chosen().runs()));
        return out;
    }
}
