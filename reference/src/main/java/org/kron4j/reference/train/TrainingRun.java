package org.kron4j.reference.train;

import java.util.List;
import java.util.Objects;
import org.kron4j.api.capture.StepPlan;
import org.kron4j.api.support.NdArrays;
import org.kron4j.reference.data.Dataset;
import org.kron4j.reference.mlp.ReferenceMlp;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A reusable training loop over a fixed data set: each step draws a mini-batch of
 * {@code batchSize} rows uniformly with replacement, asks the {@link StepFunction} for its plan,
 * has the {@link ReferenceMlp} capture the step, records the batch loss (measured before the
 * update, with the true targets), and adds the returned updates.
 *
 * <p>A run is defined by its settings, not by state: every {@link #run} call starts from
 * {@code new java.util.Random(seed)} for the batch indices and a fresh ND4J generator seeded
 * with {@code seed} for the MC Fisher targets, so two step functions trained from copies of the
 * same network see exactly the same batches.
 *
 * <pre>{@code
 * TrainingRun run = TrainingRun.on(Datasets.iris().standardize()).batchSize(32).maxSteps(500)
 *         .seed(7).targetLoss(0.1).build();
 * TrainingResult sgd = run.run(mlp.copy(), new SgdMomentum(0.1, 0.9));
 * TrainingResult kfac = run.run(mlp.copy(), StepFunction.of(optimizer));
 * }</pre>
 *
 * <p>The loop stops after {@code maxSteps}, when a batch loss is NaN or infinite (the result is
 * marked diverged), or — with {@code stopAtTarget} — once the moving mean of the last
 * {@code window} losses reaches the target.
 */
public final class TrainingRun {
    private static final Logger LOG = LoggerFactory.getLogger(TrainingRun.class);

    private final INDArray inputs;
    private final INDArray targets;
    private final int batchSize;
    private final int maxSteps;
    private final long seed;
    private final double targetLoss;
    private final int window;
    private final boolean stopAtTarget;
    private final StepObserver observer;

    private TrainingRun(Builder b) {
        this.inputs = b.inputs;
        this.targets = b.targets;
        this.batchSize = b.batchSize;
        this.maxSteps = b.maxSteps;
        this.seed = b.seed;
        this.targetLoss = b.targetLoss;
        this.window = b.window;
        this.stopAtTarget = b.stopAtTarget;
        this.observer = b.observer;
    }

    /** A run over a data set's features and one-hot labels. */
    public static Builder on(Dataset data) {
        return new Builder(data.features(), data.oneHot());
    }

    /** A run over inputs (N×d) and targets (N×k). */
    public static Builder on(INDArray inputs, INDArray targets) {
        return new Builder(inputs, targets);
    }

    /**
     * Trains {@code model} in place with {@code stepFunction}.
     *
     * @return the per-step losses and measurements
     */
    public TrainingResult run(ReferenceMlp model, StepFunction stepFunction) {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(stepFunction, "stepFunction");
        INDArray x = NdArrays.as(inputs, model.dataType());
        INDArray y = NdArrays.as(targets, model.dataType());
        int n = x.rows();
        java.util.Random batches = new java.util.Random(seed);
        double[] losses = new double[maxSteps];
        int taken = 0;
        int skipped = 0;
        boolean diverged = false;
        int[] rows = new int[batchSize];
        long start = System.nanoTime();
        Random sampler = Nd4j.getRandomFactory().getNewRandomInstance(seed);
        try {
            for (int step = 0; step < maxSteps; step++) {
                for (int i = 0; i < batchSize; i++) {
                    rows[i] = batches.nextInt(n);
                }
                INDArray bx = Nd4j.pullRows(x, 1, rows);
                INDArray by = Nd4j.pullRows(y, 1, rows);
                StepPlan plan = stepFunction.plan();
                ReferenceMlp.StepCapture captured = model.captureWithLoss(bx, by, plan, sampler);
                double loss = captured.loss();
                losses[taken++] = loss;
                if (!Double.isFinite(loss)) {
                    diverged = true;
                    LOG.warn("{}: batch loss {} at step {}, stopping", stepFunction.name(), loss, step);
                    break;
                }
                List<INDArray> updates = stepFunction.step(captured.capture());
                boolean applied = !updates.isEmpty();
                if (applied) {
                    model.addToParameters(updates);
                } else {
                    skipped++;
                }
                if (observer != null) {
                    observer.afterStep(taken, loss, applied, model);
                }
                if (stopAtTarget && taken >= window && meanOfLast(losses, taken, window) <= targetLoss) {
                    break;
                }
            }
        } finally {
            close(sampler);
        }
        long wall = System.nanoTime() - start;
        TrainingResult result = new TrainingResult(stepFunction.name(), java.util.Arrays.copyOf(losses, taken), skipped,
                diverged, wall, targetLoss, window);
        LOG.info("{}", result);
        return result;
    }

    private static double meanOfLast(double[] losses, int taken, int window) {
        double sum = 0.0;
        for (int i = taken - window; i < taken; i++) {
            sum += losses[i];
        }
        return sum / window;
    }

    private static void close(Random random) {
        try {
            random.close();
        } catch (Exception e) {
            LOG.debug("closing the ND4J generator failed", e);
        }
    }

    public int batchSize() {
        return batchSize;
    }

    public int maxSteps() {
        return maxSteps;
    }

    public long seed() {
        return seed;
    }

    /** Builds a {@link TrainingRun}; defaults: batch 32, 1000 steps, seed 0, no target, window 10. */
    public static final class Builder {
        private final INDArray inputs;
        private final INDArray targets;
        private int batchSize = 32;
        private int maxSteps = 1000;
        private long seed;
        private double targetLoss = Double.NaN;
        private int window = 10;
        private boolean stopAtTarget;
        private StepObserver observer;

        private Builder(INDArray inputs, INDArray targets) {
            this.inputs = Objects.requireNonNull(inputs, "inputs");
            this.targets = Objects.requireNonNull(targets, "targets");
            if (inputs.rank() != 2 || targets.rank() != 2 || inputs.rows() != targets.rows() || inputs.rows() < 1) {
                throw new IllegalArgumentException("inputs and targets must be matrices with the same, positive number "
                        + "of rows");
            }
        }

        public Builder batchSize(int value) {
            if (value < 1) {
                throw new IllegalArgumentException("batchSize must be >= 1, got " + value);
            }
            this.batchSize = value;
            return this;
        }

        public Builder maxSteps(int value) {
            if (value < 1) {
                throw new IllegalArgumentException("maxSteps must be >= 1, got " + value);
            }
            this.maxSteps = value;
            return this;
        }

        public Builder seed(long value) {
            this.seed = value;
            return this;
        }

        /** The training loss the steps-to-target measure is judged against. */
        public Builder targetLoss(double value) {
            this.targetLoss = value;
            return this;
        }

        /** The moving-mean window for the target (default 10). */
        public Builder window(int value) {
            if (value < 1) {
                throw new IllegalArgumentException("window must be >= 1, got " + value);
            }
            this.window = value;
            return this;
        }

        /** Stop as soon as the target is reached (default: run all {@code maxSteps}). */
        public Builder stopAtTarget(boolean value) {
            this.stopAtTarget = value;
            return this;
        }

        public Builder observer(StepObserver value) {
            this.observer = value;
            return this;
        }

        public TrainingRun build() {
            if (stopAtTarget && Double.isNaN(targetLoss)) {
                throw new IllegalStateException("stopAtTarget needs a targetLoss");
            }
            return new TrainingRun(this);
        }
    }
}
