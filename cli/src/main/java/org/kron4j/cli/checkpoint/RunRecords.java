package org.kron4j.cli.checkpoint;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kron4j.api.DampingInUse;
import org.kron4j.api.checkpoint.CheckpointFormatException;
import org.kron4j.api.checkpoint.StateReader;
import org.kron4j.api.checkpoint.StateWriter;
import org.kron4j.api.optim.StepDiagnostics;
import org.kron4j.cli.ablation.RunResult;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A run's history and results as K4JS entries: {@link RunProgress} (a run checkpoint's own part)
 * and {@link RunResult} (a finished run). Numbers are stored as float64 arrays, so every value comes
 * back bit for bit.
 */
final class RunRecords {
    /**
     * The {@link RunResult} components {@link #writeResult} and {@link #readResult} carry, in order; a
     * test compares it with the record, so a component added to RunResult cannot be silently dropped
     * by a resume.
     */
    static final java.util.List<String> RESULT_COMPONENTS = java.util.List.of("label", "seed", "learningRate",
            "losses", "seconds", "stepsToTarget", "secondsToTarget", "finalTrainLoss", "testAccuracy", "testLoss",
            "msPerStep", "cpuMsPerStep", "factorBytes", "skippedSteps", "diverged", "batchSizes", "diagnostics",
            "dampingInUse");

    private RunRecords() {
    }

    static void writeProgress(StateWriter w, RunProgress p) {
        writeHistory(w, p.losses(), p.seconds(), p.batchSizes(), p.diagnostics());
        w.putLong("run/batchState", p.batchState());
        w.putLong("run/cpuNanos", p.cpuNanos());
        w.putLong("run/skippedSteps", p.skippedSteps());
        writeDamping(w, "run/", p.dampingInUse());
    }

    static RunProgress readProgress(StateReader r) {
        int steps = steps(r);
        return new RunProgress(doubles(r, "run/losses", steps), doubles(r, "run/seconds", steps),
                ints(r, "run/batchSizes", steps), diagnostics(r, steps), r.getLong("run/batchState"),
                r.getLong("run/cpuNanos"), r.getLong("run/skippedSteps"), readDamping(r, "run/"));
    }

    static void writeResult(StateWriter w, RunResult x) {
        writeHistory(w, x.losses(), x.seconds(), x.batchSizes(), x.diagnostics());
        w.putLong("result/stepsToTarget", x.stepsToTarget());
        w.putDouble("result/secondsToTarget", x.secondsToTarget());
        w.putDouble("result/finalTrainLoss", x.finalTrainLoss());
        w.putDouble("result/testAccuracy", x.testAccuracy());
        w.putDouble("result/testLoss", x.testLoss());
        w.putDouble("result/msPerStep", x.msPerStep());
        w.putDouble("result/cpuMsPerStep", x.cpuMsPerStep());
        w.putLong("result/factorBytes", x.factorBytes());
        w.putLong("result/skippedSteps", x.skippedSteps());
        w.putLong("result/diverged", x.diverged() ? 1 : 0);
        writeDamping(w, "", x.dampingInUse());
    }

    private static void writeDamping(StateWriter w, String prefix, Map<String, DampingInUse> damping) {
        w.putLong(prefix + "damping/layers", damping.size());
        int i = 0;
        for (Map.Entry<String, DampingInUse> e : damping.entrySet()) {
            String p = prefix + "damping/" + i++ + "/";
            DampingInUse d = e.getValue();
            w.putString(p + "layer", e.getKey());
            w.putDouble(p + "requested", d.requested());
            w.putDouble(p + "applied", d.applied());
            w.putLong(p + "factors", d.factors().size());
            int f = 0;
            for (Map.Entry<String, Double> factor : new java.util.TreeMap<>(d.factors()).entrySet()) {
                w.putString(p + "factor." + f + ".name", factor.getKey());
                w.putDouble(p + "factor." + f + ".value", factor.getValue());
                f++;
            }
        }
    }

    private static Map<String, DampingInUse> readDamping(StateReader r, String prefix) {
        Map<String, DampingInUse> damping = new LinkedHashMap<>();
        long layers = r.getLong(prefix + "damping/layers");
        for (int i = 0; i < layers; i++) {
            String p = prefix + "damping/" + i + "/";
            Map<String, Double> factors = new LinkedHashMap<>();
            long count = r.getLong(p + "factors");
            for (int f = 0; f < count; f++) {
                factors.put(r.getString(p + "factor." + f + ".name"), r.getDouble(p + "factor." + f + ".value"));
            }
            damping.put(r.getString(p + "layer"), new DampingInUse(r.getDouble(p + "requested"),
                    r.getDouble(p + "applied"), factors));
        }
        return damping;
    }

    static RunResult readResult(StateReader r, RunKey key) {
        int steps = steps(r);
        Map<String, DampingInUse> damping = readDamping(r, "");
        return new RunResult(key.label(), key.seed(), key.learningRate(), doubles(r, "run/losses", steps),
                doubles(r, "run/seconds", steps), Math.toIntExact(r.getLong("result/stepsToTarget")),
                r.getDouble("result/secondsToTarget"), r.getDouble("result/finalTrainLoss"),
                r.getDouble("result/testAccuracy"), r.getDouble("result/testLoss"), r.getDouble("result/msPerStep"),
                r.getDouble("result/cpuMsPerStep"), r.getLong("result/factorBytes"), r.getLong("result/skippedSteps"),
                r.getLong("result/diverged") != 0, ints(r, "run/batchSizes", steps), diagnostics(r, steps), damping);
    }

    private static void writeHistory(StateWriter w, double[] losses, double[] seconds, int[] sizes,
            List<StepDiagnostics> diagnostics) {
        int n = losses.length;
        w.putLong("run/steps", n);
        putDoubles(w, "run/losses", losses);
        putDoubles(w, "run/seconds", seconds);
        double[] batch = new double[n];
        double[][] d = new double[DIAGNOSTICS.length][n];
        for (int s = 0; s < n; s++) {
            batch[s] = sizes[s];
            StepDiagnostics x = diagnostics.get(s);
            d[0][s] = x.loss();
            d[1][s] = x.damping();
            d[2][s] = x.reductionRatio();
            d[3][s] = x.learningRate();
            d[4][s] = x.momentum();
            d[5][s] = x.decompositionAge(); // a step count: exact in a double
            d[6][s] = x.refreshStallMillis();
        }
        putDoubles(w, "run/batchSizes", batch);
        for (int k = 0; k < DIAGNOSTICS.length; k++) {
            putDoubles(w, "run/diagnostics." + DIAGNOSTICS[k], d[k]);
        }
    }

    private static final String[] DIAGNOSTICS = {"loss", "damping", "rho", "alpha", "mu", "age", "stallMillis"};

    private static int steps(StateReader r) {
        long steps = r.getLong("run/steps");
        if (steps < 0 || steps > Integer.MAX_VALUE) {
            throw new CheckpointFormatException("'run/steps' is " + steps);
        }
        return (int) steps;
    }

    private static List<StepDiagnostics> diagnostics(StateReader r, int steps) {
        double[][] d = new double[DIAGNOSTICS.length][];
        for (int k = 0; k < DIAGNOSTICS.length; k++) {
            d[k] = doubles(r, "run/diagnostics." + DIAGNOSTICS[k], steps);
        }
        List<StepDiagnostics> out = new ArrayList<>(steps);
        for (int s = 0; s < steps; s++) {
            out.add(new StepDiagnostics(d[0][s], d[1][s], d[2][s], d[3][s], d[4][s], (long) d[5][s], d[6][s]));
        }
        return out;
    }

    /** A float64 vector; the null marker for an empty one (ND4J has no empty vector to write). */
    private static void putDoubles(StateWriter w, String key, double[] values) {
        w.putArray(key, values.length == 0 ? null : Nd4j.createFromArray(values));
    }

    private static double[] doubles(StateReader r, String key, int steps) {
        if (steps == 0) {
            if (r.array(key) != null) {
                throw new CheckpointFormatException("'" + key + "' holds values for a run of no steps");
            }
            return new double[0];
        }
        INDArray a = r.array(key, DataType.DOUBLE, steps);
        return a.toDoubleVector();
    }

    private static int[] ints(StateReader r, String key, int steps) {
        double[] values = doubles(r, key, steps);
        int[] out = new int[steps];
        for (int s = 0; s < steps; s++) {
            out[s] = (int) values[s];
        }
        return out;
    }
}
