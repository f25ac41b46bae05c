package org.kron4j.cli.ablation;

import org.kron4j.cli.BadInputException;
import org.kron4j.cli.data.TrainingData;
import org.kron4j.cli.engine.ModelShape;
import org.kron4j.cli.engine.TrainingEngine;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.BooleanSupplier;
import org.kron4j.cli.checkpoint.ResumableRandom;
import org.kron4j.cli.checkpoint.RunKey;
import org.kron4j.cli.checkpoint.RunProgress;
import org.kron4j.cli.checkpoint.StudyCheckpoints;
import org.kron4j.cli.checkpoint.StudyStopped;
import org.kron4j.cli.checkpoint.TestPause;
import org.kron4j.api.optim.StepDiagnostics;
import org.kron4j.reference.train.TrainingResult;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs an ablation: every method at every rate of its sweep on every seed, each run on a freshly
 * initialised network for the same fixed step budget.
 *
 * <p><b>Fairness.</b> For a seed every method starts from the same initial weights (the engine
 * seeds the initialisation with it) and sees the same batches: as many rows as the batch schedule says
 * (drawn uniformly with replacement from {@code new java.util.Random(seed)}, through the checkpointable
 * {@link ResumableRandom} that draws the same numbers), as in kron4j-reference's
 * {@code TrainingRun}. Runs are interleaved seed by seed so that a slow patch of a shared machine
 * does not hit one method only, and every method takes a few untimed warm-up steps first (JIT,
 * ND4J's first kernel calls), which also proves each one can train the model before anything is
 * timed. Timing covers drawing the batch and the step; evaluation is not timed.
 *
 * <p><b>Checkpoints.</b> With {@link #checkpointing} every run writes a checkpoint every N steps
 * (its history, the batch generator's position and the trainer's whole state, see
 * {@link TrainingEngine.Trainer#save}) and a record when it finishes; a runner given the same
 * checkpoints reads finished runs back and continues the interrupted one from its checkpoint, so
 * that the study computes exactly what an uninterrupted one computes (timings aside). A stop
 * request is honoured at the next step boundary: the run's checkpoint is written, then
 * {@link StudyStopped} is thrown. Trainers that cannot be checkpointed rerun from their first step.
 *
 * <p>Single-threaded from the caller's view; the engine's native kernels use the machine's
 * cores. Prints nothing; reports through {@link Listener}.
 */
public final class AblationRunner {
    private static final Logger LOG = LoggerFactory.getLogger(AblationRunner.class);
    /** Untimed steps each method takes before the measured runs. */
    public static final int WARMUP_STEPS = 3;
    /** Diagnostics of a step whose trainer reported none (baselines). */
    private static final StepDiagnostics NONE = new StepDiagnostics(Double.NaN, Double.NaN, Double.NaN, Double.NaN,
            Double.NaN);
    /** Rows per forward pass when evaluating. */
    private static final int EVAL_CHUNK = 2_000;

    /** Hears about progress (the progress bar); every method is called from the runner's thread. */
    public interface Listener {
        /** Total steps the ablation will take, warm-up included. */
        default void started(long totalSteps) {
        }

        /** A run (or a warm-up) begins. */
        default void run(String label, double learningRate, long seed, boolean warmup) {
        }

        default void step() {
        }

        /** The batch loss of the step just taken (called before {@link #step()}). */
        default void loss(double loss) {
        }

        Listener NONE = new Listener() {
        };
    }

    private final AblationConfig config;
    private final ModelShape model;
    private final TrainingData data;
    private final TrainingEngine engine;
    private StudyCheckpoints checkpoints;
    private BooleanSupplier stopRequested = () -> false;

    public AblationRunner(AblationConfig config, ModelShape model, TrainingData data, TrainingEngine engine) {
        this.config = config;
        this.model = model;
        this.data = data;
        this.engine = engine;
    }

    /** Total steps {@link #run} takes (for progress bars). */
    public long totalSteps() {
        return (long) config.runCount() * config.steps() + (long) config.methods().size() * warmupSteps();
    }

    private int warmupSteps() {
        return Math.min(WARMUP_STEPS, config.steps());
    }

    /**
     * Builds every method once on the model (seed of the first run) and takes its warm-up steps.
     *
     * @throws BadInputException when a method cannot be built for this model (an unsupported
     *     layer or loss, a setting the engine refuses)
     */
    public void warmUp(Listener listener) {
        long seed = config.seeds().get(0);
        for (MethodConfig method : config.methods()) {
            listener.run(method.label(), method.learningRates().get(0), seed, true);
            TrainingEngine.Trainer trainer;
            try {
                trainer = engine.create(model, method, method.learningRates().get(0), seed);
            } catch (IllegalArgumentException | IllegalStateException | UnsupportedOperationException e) {
                throw new BadInputException(method.label() + " cannot train " + model.describe() + " on the "
                        + engine.name() + " engine: " + e.getMessage(), e);
            }
            try (trainer) {
                java.util.Random batches = new java.util.Random(seed ^ 0x5DEECE66DL);
                for (int s = 0; s < warmupSteps(); s++) {
                    if (stopRequested.getAsBoolean()) {
                        throw new StudyStopped("stopped during the warm-up of " + method.label());
                    }
                    INDArray[] batch = batch(batches, s);
                    trainer.step(batch[0], batch[1]);
                    listener.step();
                }
            }
        }
    }

    /**
     * Checkpoints every run into {@code checkpoints} (null: none) and stops at the next step
     * boundary once {@code stopRequested} says so, by throwing {@link StudyStopped} after writing
     * the current run's checkpoint. Call before {@link #warmUp} / {@link #runAll}.
     */
    public AblationRunner checkpointing(StudyCheckpoints checkpoints, BooleanSupplier stopRequested) {
        this.checkpoints = checkpoints;
        this.stopRequested = stopRequested;
        return this;
    }

    /**
     * Runs every method, rate and seed, after {@link #warmUp}. With checkpoints, runs that finished
     * before are read back instead of run, and a run with a checkpoint continues from it.
     *
     * @throws StudyStopped when a stop was requested (the runs so far are recorded)
     */
    public List<RunResult> runAll(Listener listener) {
        List<RunResult> results = new ArrayList<>();
        int index = 0;
        for (long seed : config.seeds()) {
            for (MethodConfig method : config.methods()) {
                for (double rate : method.learningRates()) {
                    RunKey key = new RunKey(index++, method.label(), rate, seed);
                    Optional<RunResult> done = checkpoints == null ? Optional.empty() : checkpoints.finished(key);
                    if (done.isPresent()) {
                        LOG.info("{}: finished before, read from its record", key.describe());
                        results.add(done.get());
                        advance(listener, config.steps());
                        continue;
                    }
                    stopIfRequested(key, "before it started");
                    listener.run(method.label(), rate, seed, false);
                    RunResult result = run(key, method, listener);
                    if (checkpoints != null) {
                        checkpoints.finish(key, result);
                    }
                    results.add(result);
                }
            }
        }
        return results;
    }

    /** The runs in the order {@link #runAll} takes them. */
    public List<RunKey> runKeys() {
        List<RunKey> keys = new ArrayList<>();
        for (long seed : config.seeds()) {
            for (MethodConfig method : config.methods()) {
                for (double rate : method.learningRates()) {
                    keys.add(new RunKey(keys.size(), method.label(), rate, seed));
                }
            }
        }
        return keys;
    }

    private void stopIfRequested(RunKey key, String where) {
        if (stopRequested.getAsBoolean()) {
            throw new StudyStopped("stopped at " + key.describe() + ", " + where);
        }
    }

    private static void advance(Listener listener, int steps) {
        for (int s = 0; s < steps; s++) {
            listener.step();
        }
    }

    /** One run, not checkpointed. */
    public RunResult run(MethodConfig method, double rate, long seed, Listener listener) {
        return run(new RunKey(-1, method.label(), rate, seed), method, listener);
    }

    private RunResult run(RunKey key, MethodConfig method, Listener listener) {
        double rate = key.learningRate();
        long seed = key.seed();
        int budget = config.steps();
        double[] losses = new double[budget];
        double[] seconds = new double[budget];
        int[] sizes = new int[budget];
        List<StepDiagnostics> diagnostics = new ArrayList<>(budget);
        int taken = 0;
        boolean diverged = false;
        ResumableRandom batches = new ResumableRandom(seed);
        try (TrainingEngine.Trainer trainer = engine.create(model, method, rate, seed)) {
            boolean saving = checkpoints != null && key.index() >= 0 && trainer.checkpointable();
            double elapsedBefore = 0;
            long cpuBefore = 0;
            long skippedBefore = 0;
            Optional<RunProgress> resumed = saving ? checkpoints.resume(key, trainer) : Optional.empty();
            if (resumed.isPresent()) {
                RunProgress p = resumed.get();
                taken = p.steps();
                System.arraycopy(p.losses(), 0, losses, 0, taken);
                System.arraycopy(p.seconds(), 0, seconds, 0, taken);
                System.arraycopy(p.batchSizes(), 0, sizes, 0, taken);
                diagnostics.addAll(p.diagnostics());
                batches = ResumableRandom.at(p.batchState());
                elapsedBefore = p.elapsedSeconds();
                cpuBefore = p.cpuNanos();
                skippedBefore = p.skippedSteps() - trainer.skippedSteps();
                advance(listener, taken);
            }
            long cpuStart = processCpuNanos();
            long start = System.nanoTime();
            for (int s = taken; s < budget; s++) {
                INDArray[] batch = batch(batches, s);
                double loss = trainer.step(batch[0], batch[1]);
                losses[taken] = loss;
                seconds[taken] = elapsedBefore + (System.nanoTime() - start) / 1e9;
                sizes[taken] = (int) batch[0].rows();
                StepDiagnostics d = trainer.lastDiagnostics();
                diagnostics.add(d != null ? d : NONE);
                taken++;
                listener.loss(loss);
                listener.step();
                if (!Double.isFinite(loss)) {
                    diverged = true;
                    LOG.warn("{} (lr={}, seed {}): batch loss {} at step {}, run stopped", method.label(), rate, seed,
                            loss, taken);
                    advance(listener, budget - taken);
                    break;
                }
                TestPause.at("step", key.index(), taken, stopRequested);
                boolean stop = stopRequested.getAsBoolean();
                if (taken < budget && saving && (stop || checkpoints.due(taken))) {
                    long cpu = cpuBefore + Math.max(0, processCpuNanos() - cpuStart);
                    checkpoints.save(key, new RunProgress(java.util.Arrays.copyOf(losses, taken),
                            java.util.Arrays.copyOf(seconds, taken), java.util.Arrays.copyOf(sizes, taken),
                            diagnostics, batches.state(), cpu, skippedBefore + trainer.skippedSteps(),
                            resumed.map(r -> r.dampingAfterResume(trainer.dampingInUse()))
                                    .orElseGet(trainer::dampingInUse)), trainer);
                }
                if (stop && taken < budget) {
                    throw new StudyStopped("stopped at step " + taken + " of " + key.describe()
                            + (saving ? " (checkpoint written)" : " (this run cannot be checkpointed: it restarts)"));
                }
            }
            long cpu = cpuBefore + processCpuNanos() - cpuStart;
            double[] ownLosses = java.util.Arrays.copyOf(losses, taken);
            double[] ownSeconds = java.util.Arrays.copyOf(seconds, taken);
            OptionalInt reached = TrainingResult.stepsToReach(ownLosses, config.target(), config.window());
            int stepsToTarget = reached.orElse(-1);
            double secondsToTarget = reached.isPresent() ? ownSeconds[stepsToTarget - 1] : Double.NaN;
            double msPerStep = taken == 0 ? Double.NaN : ownSeconds[taken - 1] * 1e3 / taken;
            double cpuMsPerStep = taken == 0 || cpu < 0 ? Double.NaN : cpu / 1e6 / taken;
            double finalLoss = Double.NaN;
            double testAccuracy = Double.NaN;
            double testLoss = Double.NaN;
            if (!diverged) {
                finalLoss = meanLoss(trainer, data.evalX(), data.evalY());
                testLoss = meanLoss(trainer, data.testX(), data.testY());
                if (!model.isAutoencoder()) {
                    testAccuracy = accuracy(trainer, data.testX(), data.testY());
                }
            }
            RunResult result = new RunResult(method.label(), seed, rate, ownLosses, ownSeconds, stepsToTarget,
                    secondsToTarget, finalLoss, testAccuracy, testLoss, msPerStep, cpuMsPerStep, trainer.factorBytes(),
                    skippedBefore + trainer.skippedSteps(), diverged, java.util.Arrays.copyOf(sizes, taken),
                    diagnostics, resumed.map(r -> r.dampingAfterResume(trainer.dampingInUse()))
                            .orElseGet(trainer::dampingInUse));
            LOG.info("{} lr={} seed={}: steps to target {}, final loss {}, {} ms/step", method.label(), rate, seed,
                    stepsToTarget, finalLoss, msPerStep);
            return result;
        }
    }

    /** CPU time of every thread of the process (native kernel threads included); -1 when unavailable. */
    private static long processCpuNanos() {
        if (java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    /** The batch of the 0-based step k: as many rows as the schedule says, drawn with replacement. */
    private INDArray[] batch(java.util.Random batches, int step) {
        int n = data.trainSize();
        int[] rows = new int[config.batch().at(step)];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = batches.nextInt(n);
        }
        return new INDArray[] {Nd4j.pullRows(data.trainX(), 1, rows), Nd4j.pullRows(data.trainY(), 1, rows)};
    }

    /** The mean loss over all rows, in chunks (a weighted mean of chunk means). */
    private static double meanLoss(TrainingEngine.Trainer trainer, INDArray x, INDArray y) {
        long n = x.rows();
        double sum = 0;
        for (long from = 0; from < n; from += EVAL_CHUNK) {
            long to = Math.min(n, from + EVAL_CHUNK);
            INDArray cx = x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to),
                    org.nd4j.linalg.indexing.NDArrayIndex.all());
            INDArray cy = y.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to),
                    org.nd4j.linalg.indexing.NDArrayIndex.all());
            sum += trainer.meanLoss(cx.dup(), cy.dup()) * (to - from);
        }
        return sum / n;
    }

    private static double accuracy(TrainingEngine.Trainer trainer, INDArray x, INDArray y) {
        long n = x.rows();
        long correct = 0;
        for (long from = 0; from < n; from += EVAL_CHUNK) {
            long to = Math.min(n, from + EVAL_CHUNK);
            INDArray cx = x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to),
                    org.nd4j.linalg.indexing.NDArrayIndex.all()).dup();
            INDArray cy = y.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(from, to),
                    org.nd4j.linalg.indexing.NDArrayIndex.all());
            INDArray predicted = trainer.predict(cx).argMax(1);
            correct += predicted.eq(cy.argMax(1)).castTo(DataType.INT32).sumNumber().longValue();
        }
        return (double) correct / n;
    }
}
