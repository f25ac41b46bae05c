package org.kron4j.spark;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.kron4j.api.Statistics;
import org.kron4j.api.capture.CaptureField;
import org.kron4j.api.capture.LayerCapture;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.capture.StepPlan;
import org.kron4j.api.checkpoint.AtomicFiles;
import org.kron4j.api.checkpoint.StateReader;
import org.kron4j.api.model.ModelSpec;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.optim.StepResult;
import org.kron4j.api.settings.OptimizerConfig;
import org.kron4j.api.support.NdArrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Synchronous data-parallel training of one model with a K-FAC-family optimizer on Spark (see the
 * package documentation for the design). The driver holds the only {@link KroneckerOptimizer} and
 * the parameters; each step it broadcasts the parameters and the plan, every partition computes
 * its shard's gradient, loss and (on statistics steps) statistics, the driver sums them in
 * partition order, runs the optimizer step on the sum and applies the update. One update is
 * computed, so every worker starts the next step from identical parameters.
 *
 * <p>Not thread-safe; one training loop drives it. {@link #close()} releases the cached data and
 * the executors' engines of this job (the SparkContext stays the caller's).
 */
public final class SparkKfacTrainer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SparkKfacTrainer.class);
    static final String PARAMETER_KEY = "engine/spark/parameters/";
    static final String ITERATION_KEY = "engine/spark/iteration";

    private final JavaSparkContext sc;
    private final JobSpec job;
    private final KroneckerOptimizer optimizer;
    private final ShardEngine driverEngine;
    private final List<INDArray> parameters;
    /** The resident training set (null when the caller hands every batch to {@link #step(INDArray, INDArray)}). */
    private final JavaRDD<ShardData> resident;
    /** The data of the step in progress: the resident set, or the partitions of the caller's batch. */
    private JavaRDD<ShardData> shards;
    private final int workers;
    private final int refreshWorkers;
    private final DecompositionPlan plan;
    /** The jobs of the step in progress (the refresh runner adds its own to them). */
    private Traffic traffic;
    private final int batchSize;
    private final int aggregationDepth;
    private final int checkpointEvery;
    private final Path checkpoint;
    private long iteration;
    private StepTimes last;
    private StepResult lastResult;
    /** Bytes of the step's batch when the caller hands it over (every job of the step ships it again). */
    private long dataBytes;
    /** The array bytes of the last step job's task results. */
    private long resultBytes;
    /** The driver's optimizer state as the tasks' collectors need it, and its version (see ShardTasks.Worker). */
    private Broadcast<byte[]> state;
    private long stateVersion;
    /** The step whose averages the driver's decompositions came from, as last seen (-1: none yet). */
    private long decomposedAt = -1;
    private boolean stateShipped = true;

    private SparkKfacTrainer(Builder b) {
        this.sc = b.sc;
        OptimizerConfig config = b.config;
        this.job = new JobSpec(UUID.randomUUID().toString(), b.model, config.spec(), b.seed, b.failFirstAttemptOf);
        this.driverEngine = b.model.create();
        ModelSpec spec = driverEngine.modelSpec();
        this.refreshWorkers = b.refreshWorkers;
        KroneckerOptimizer.Builder optimizerBuilder = KroneckerOptimizer.builder(config).model(spec);
        if (refreshWorkers > 0) {
            optimizerBuilder.refreshRunner(this::refreshOnWorkers);
        }
        this.optimizer = optimizerBuilder.build();
        this.parameters = new ArrayList<>(driverEngine.parameters());
        this.workers = b.workers > 0 ? b.workers : sc.defaultParallelism();
        if (refreshWorkers > workers) {
            throw new IllegalArgumentException("refreshWorkers (" + refreshWorkers + ") must be <= workers (" + workers
                    + ")");
        }
        this.plan = refreshWorkers > 0 ? DecompositionPlan.of(spec, refreshWorkers) : null;
        this.batchSize = b.batchSize;
        if (b.x != null && batchSize < workers) {
            throw new IllegalArgumentException("batchSize (" + batchSize + ") must be >= workers (" + workers + ")");
        }
        if (b.partitions != null && batchSize < workers) {
            throw new IllegalArgumentException("batchSize (" + batchSize + ") must be >= workers (" + workers + ")");
        }
        if (b.x != null && batchSize > b.x.rows()) {
            throw new IllegalArgumentException("batchSize (" + batchSize + ") must be <= the number of examples ("
                    + b.x.rows() + ")");
        }
        this.aggregationDepth = b.aggregationDepth;
        this.checkpointEvery = b.checkpointEvery;
        this.checkpoint = b.checkpoint;
        if (b.partitions != null && b.partitions.getNumPartitions() != workers) {
            throw new IllegalArgumentException("the data has " + b.partitions.getNumPartitions() + " partitions, the "
                    + "trainer " + workers + " workers");
        }
        this.resident = b.partitions != null ? b.partitions.cache()
                : b.x == null ? null : sc.parallelize(ShardData.split(b.x, b.y, workers), workers).cache();
        LOG.info("Spark K-FAC trainer: {} on {} workers (master {}), batch {}, {}", b.model.describe(), workers,
                sc.master(), batchSize, config.spec());
    }

    public static Builder builder(JavaSparkContext sc, ShardModel model, OptimizerConfig config) {
        return new Builder(sc, model, config);
    }

    /**
     * One synchronous step on the next global batch of the resident data (the window
     * {@link ShardData#window} of this step); returns its times, traffic and loss.
     */
    public StepTimes step() {
        if (resident == null) {
            throw new IllegalStateException("this trainer has no resident data: call step(x, y), or data(...) when "
                    + "building it");
        }
        shards = resident;
        return NdArrays.detached(() -> stepDetached(iteration, batchSize, 0));
    }

    /**
     * One synchronous step on a global batch the caller holds on the driver (a batch schedule of
     * its own): the batch is split into the workers' partitions and shipped with the step's tasks
     * (its bytes are counted as traffic).
     */
    public StepTimes step(INDArray x, INDArray y) {
        int rows = (int) x.rows();
        if (rows < workers) {
            throw new IllegalArgumentException("the batch has " + rows + " rows, fewer than the " + workers
                    + " workers");
        }
        List<ShardData> parts = ShardData.split(x, y, workers);
        long dataBytes = 0;
        for (ShardData part : parts) {
            dataBytes += part.x().bytes() + part.y().bytes();
        }
        shards = sc.parallelize(parts, workers);
        long data = dataBytes;
        return NdArrays.detached(() -> stepDetached(0, rows, data));
    }

    private StepTimes stepDetached(long window, int batchSize, long dataBytes) {
        this.dataBytes = dataBytes;
        StepPlan plan = optimizer.plan();
        long stateBytes = 0;
        if (plan.collectsStatistics() && !stateShipped) {
            byte[] bytes = optimizer.stateBytes();
            if (state != null) {
                state.destroy(false);
            }
            state = sc.broadcast(bytes);
            stateShipped = true;
            stateBytes = (long) bytes.length * workers;
        }
        StepOrder order = StepOrder.of(iteration, window, batchSize, plan, ArrayPayload.of(parameters), stateVersion);
        Broadcast<StepOrder> broadcast = sc.broadcast(order);
        traffic = new Traffic();
        try {
            long start = System.nanoTime();
            ShardResult total = runStep(broadcast);
            traffic.job(System.nanoTime() - start, total.computeNanos(), order.bytes() * workers + stateBytes
                    + dataBytes, resultBytes);
            if (total.examples() != batchSize) {
                throw new IllegalStateException("the shards returned " + total.examples() + " examples, the batch has "
                        + batchSize);
            }
            double loss = total.lossSum() / batchSize;
            ModelCapture capture = driverCapture(plan, total, batchSize, loss, broadcast, traffic);
            Statistics statistics = total.statistics() == null ? null : total.statistics().toStatistics();
            long before = System.nanoTime();
            StepResult result = optimizer.step(capture, statistics);
            lastResult = result;
            long optimizerNanos = System.nanoTime() - before;
            if (result.applied()) {
                for (int l = 0; l < parameters.size(); l++) {
                    parameters.get(l).addi(NdArrays.as(result.updates().get(l), parameters.get(l).dataType()));
                }
            }
            iteration++;
            // the collectors need the decompositions the driver uses: a refresh step (synchronous) or the
            // install of a background refresh at a later step start (asyncRefresh) changes them
            long age = result.diagnostics() == null ? -1 : result.diagnostics().decompositionAge();
            long decomposed = age < 0 ? -1 : result.step() - age;
            if (result.refreshed() || (age >= 0 && decomposed != decomposedAt)) {
                decomposedAt = age >= 0 ? decomposed : decomposedAt;
                stateChanged();
            }
            long decomposition = !result.refreshed() ? 0
                    : traffic.refreshNanos > 0 ? traffic.refreshNanos : optimizerNanos;
            last = new StepTimes(loss, result.applied(), result.collectedStatistics(), result.refreshed(),
                    traffic.compute, traffic.communication, decomposition, Math.max(0, optimizerNanos - decomposition),
                    traffic.down, traffic.up, traffic.jobs);
            if (checkpoint != null && checkpointEvery > 0 && iteration % checkpointEvery == 0) {
                save(checkpoint);
            }
            return last;
        } finally {
            broadcast.destroy(false);
        }
    }

    /**
     * The refresh runner of layer-sharded decompositions: ships the driver's state of this step
     * (statistics absorbed) to the decomposition workers, each prepares and computes the jobs of the
     * blocks the {@link DecompositionPlan} gives it, and the results come back in block order.
     */
    private List<org.kron4j.api.refresh.RefreshResult> refreshOnWorkers(List<org.kron4j.api.refresh.RefreshJob> jobs,
            double damping) {
        long start = System.nanoTime();
        byte[] bytes = optimizer.stateBytes();
        if (state != null) {
            state.destroy(false);
        }
        state = sc.broadcast(bytes);
        stateVersion++;
        stateShipped = true; // the tasks get this state now; the step's refresh bumps the version again
        Broadcast<byte[]> shipped = state;
        long version = stateVersion;
        int[] owners = plan.owners();
        JobSpec spec = job;
        List<RefreshPayload> parts = shards.mapPartitionsWithIndex(
                (partition, data) -> ShardTasks.refresh(spec, shipped, version, owners, damping, partition, data), true)
                .collect();
        org.kron4j.api.refresh.RefreshResult[] results = new org.kron4j.api.refresh.RefreshResult[jobs.size()];
        long up = 0;
        for (RefreshPayload part : parts) {
            results[part.block()] = part.toResult();
            up += part.bytes();
        }
        for (int i = 0; i < results.length; i++) {
            if (results[i] == null) {
                throw new IllegalStateException("no worker returned the decomposition of block " + i);
            }
        }
        if (traffic != null) {
            traffic.refreshNanos += System.nanoTime() - start;
            traffic.down += (long) bytes.length * refreshWorkers + dataBytes;
            traffic.up += up;
            traffic.jobs++;
        }
        return List.of(results);
    }

    /** The collectors' basis changed (a refresh or a restore): ship the state before the next statistics. */
    private void stateChanged() {
        stateVersion++;
        stateShipped = false;
    }

    private ShardResult runStep(Broadcast<StepOrder> broadcast) {
        JobSpec spec = job;
        Broadcast<byte[]> shipped = state;
        JavaRDD<ShardResult> results = shards.mapPartitionsWithIndex(
                (partition, data) -> ShardTasks.step(spec, broadcast.value(), shipped, partition, data), true);
        if (aggregationDepth >= 2) {
            ShardResult total = results.treeAggregate(ShardResult.EMPTY, ShardResult::plus, ShardResult::plus,
                    aggregationDepth);
            resultBytes = total.bytes() * workers; // every task sends a result of the total's size
            return total;
        }
        ShardResult total = ShardResult.EMPTY;
        resultBytes = 0;
        for (ShardResult r : results.collect()) { // partition order: the same sum whatever finished first
            total = total.plus(r);
            resultBytes += r.bytes();
        }
        return total;
    }

    private OracleAnswer runOracle(Broadcast<StepOrder> broadcast, OracleRequest request, Traffic traffic) {
        JobSpec spec = job;
        Broadcast<OracleRequest> question = sc.broadcast(request);
        try {
            long start = System.nanoTime();
            List<OracleAnswer> answers = shards.mapPartitionsWithIndex(
                    (partition, data) -> ShardTasks.oracle(spec, broadcast.value(), question.value(), partition, data),
                    true).collect();
            OracleAnswer total = OracleAnswer.EMPTY;
            long up = 0;
            for (OracleAnswer a : answers) {
                total = total.plus(a);
                up += a.bytes();
            }
            traffic.job(System.nanoTime() - start, total.computeNanos(), request.bytes() * workers + dataBytes, up);
            return total;
        } finally {
            question.destroy(false);
        }
    }

    private ModelCapture driverCapture(StepPlan plan, ShardResult total, int batchSize, double loss,
            Broadcast<StepOrder> broadcast, Traffic traffic) {
        List<INDArray> sums = total.gradients();
        List<LayerCapture> layers = new ArrayList<>(sums.size());
        for (int l = 0; l < sums.size(); l++) {
            LayerCapture.Builder layer = LayerCapture.builder().gradient(sums.get(l).divi(batchSize));
            if (plan.needs(CaptureField.PARAMETERS)) {
                layer.parameters(parameters.get(l).dup());
            }
            layers.add(layer.build());
        }
        ModelCapture capture = new ModelCapture(batchSize, layers, null, loss, null);
        if (plan.needs(CaptureField.BATCH_ORACLE)) {
            capture = capture.withOracle(new SparkBatchOracle(batchSize, loss,
                    request -> runOracle(broadcast, request, traffic)));
        }
        return capture;
    }

    /** Accumulates one step's jobs. */
    private static final class Traffic {
        long compute;
        long communication;
        long down;
        long up;
        int jobs;
        long refreshNanos;

        void job(long wallNanos, long computeNanos, long bytesDown, long bytesUp) {
            long c = Math.min(wallNanos, computeNanos);
            compute += c;
            communication += wallNanos - c;
            down += bytesDown;
            up += bytesUp;
            jobs++;
        }
    }

    /** Writes the optimizer state, the parameters and the batch counter (K4JS, atomically). */
    public void save(Path file) {
        AtomicFiles.write(file, out -> optimizer.save(out, writer -> {
            writer.putLong(ITERATION_KEY, iteration);
            for (int l = 0; l < parameters.size(); l++) {
                writer.putArray(PARAMETER_KEY + l, parameters.get(l));
            }
        }));
        LOG.info("checkpoint after batch {} written to {}", iteration, file);
    }

    /** Restores a state {@link #save} wrote for the same model, variant and configuration. */
    public void restore(Path file) {
        try (java.io.InputStream in = new java.io.BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            optimizer.restore(in, this::restoreEngine);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("reading the checkpoint " + file + " failed", e);
        }
        LOG.info("resumed from {} at batch {}", file, iteration);
    }

    /** Restores from the trainer's checkpoint file when it exists; returns whether it did. */
    public boolean resumeIfPresent() {
        if (checkpoint != null && Files.isRegularFile(checkpoint)) {
            restore(checkpoint);
            return true;
        }
        return false;
    }

    private void restoreEngine(StateReader reader) {
        List<INDArray> restored = new ArrayList<>(parameters.size());
        for (int l = 0; l < parameters.size(); l++) {
            INDArray p = reader.array(PARAMETER_KEY + l);
            if (!java.util.Arrays.equals(p.shape(), parameters.get(l).shape())) {
                throw new org.kron4j.api.checkpoint.CheckpointFormatException("parameters of layer " + l + " have shape "
                        + java.util.Arrays.toString(p.shape()) + ", expected "
                        + java.util.Arrays.toString(parameters.get(l).shape()));
            }
            restored.add(p);
        }
        long saved = reader.getLong(ITERATION_KEY);
        for (int l = 0; l < parameters.size(); l++) {
            parameters.get(l).assign(restored.get(l));
        }
        iteration = saved;
        stateChanged();
    }

    /** Copies of the current parameters, kron4j's layout. */
    public List<INDArray> parameters() {
        List<INDArray> out = new ArrayList<>(parameters.size());
        parameters.forEach(p -> out.add(p.dup()));
        return out;
    }

    /** The driver's engine with the current parameters (for evaluation on the driver). */
    public ShardEngine evaluator() {
        driverEngine.setParameters(parameters);
        return driverEngine;
    }

    public KroneckerOptimizer optimizer() {
        return optimizer;
    }

    /** Batches attempted so far (applied or skipped). */
    public long iteration() {
        return iteration;
    }

    public int workers() {
        return workers;
    }

    /** The optimizer's result of the last step (diagnostics: λ, ρ, α, μ), or null before the first. */
    public StepResult lastResult() {
        return lastResult;
    }

    /** The last step's times and traffic, or null before the first. */
    public StepTimes lastStep() {
        return last;
    }

    @Override
    public void close() {
        if (state != null) {
            state.destroy(false);
        }
        if (resident != null) {
            resident.unpersist(false);
        }
        ShardTasks.forget(job.jobId());
    }

    /** Settings of a trainer; the data, the batch size and the model are required. */
    public static final class Builder {
        private final JavaSparkContext sc;
        private final ShardModel model;
        private final OptimizerConfig config;
        private INDArray x;
        private INDArray y;
        private int batchSize;
        private int workers;
        private long seed = 1;
        private int aggregationDepth = 1;
        private int checkpointEvery;
        private Path checkpoint;
        private int failFirstAttemptOf = -1;
        private int refreshWorkers;
        private JavaRDD<ShardData> partitions;

        private Builder(JavaSparkContext sc, ShardModel model, OptimizerConfig config) {
            this.sc = Objects.requireNonNull(sc, "sc");
            this.model = Objects.requireNonNull(model, "model");
            this.config = Objects.requireNonNull(config, "config");
        }

        /**
         * The training set (rows are examples), split into the workers' partitions and kept there
         * (cached) for {@link SparkKfacTrainer#step()}; without it the caller hands every batch to
         * {@link SparkKfacTrainer#step(INDArray, INDArray)}.
         */
        public Builder data(INDArray features, INDArray targets) {
            this.x = Objects.requireNonNull(features, "features");
            this.y = Objects.requireNonNull(targets, "targets");
            return this;
        }

        /**
         * The training set as an RDD already split into the workers' partitions, partition k holding
         * the {@link ShardData} of shard k (e.g. built on the executors from a distributed source, or
         * {@code sc.parallelize(ShardData.split(x, y, N), N)}); cached for the run. Replaces
         * {@link #data}.
         */
        public Builder partitions(JavaRDD<ShardData> value) {
            this.partitions = Objects.requireNonNull(value, "partitions");
            return this;
        }

        /** B, the global batch size (≥ workers). */
        public Builder batchSize(int value) {
            if (value < 1) {
                throw new IllegalArgumentException("batchSize must be >= 1, got " + value);
            }
            this.batchSize = value;
            return this;
        }

        /** N, the number of partitions (shards of every batch); default the context's parallelism. */
        public Builder workers(int value) {
            if (value < 1) {
                throw new IllegalArgumentException("workers must be >= 1, got " + value);
            }
            this.workers = value;
            return this;
        }

        /** The seed of the MC Fisher sampling (per shard and step). */
        public Builder seed(long value) {
            this.seed = value;
            return this;
        }

        /**
         * 1 (default): the driver collects the partitions' results and sums them in partition
         * order, the same bits whatever finished first. ≥ 2: Spark's treeAggregate with that depth
         * (fewer results reach the driver when there are many partitions; the order of the sums,
         * and so the last bits, may then vary between runs).
         */
        public Builder aggregationDepth(int value) {
            if (value < 1 || value > 8) {
                throw new IllegalArgumentException("aggregationDepth must be in [1, 8], got " + value);
            }
            this.aggregationDepth = value;
            return this;
        }

        /** Writes a checkpoint to {@code file} after every {@code every} batches (0: never). */
        public Builder checkpoint(Path file, int every) {
            if (every < 0) {
                throw new IllegalArgumentException("checkpoint interval must be >= 0, got " + every);
            }
            this.checkpoint = Objects.requireNonNull(file, "file");
            this.checkpointEvery = every;
            return this;
        }

        /**
         * Layer-sharded decompositions: at refresh steps the blocks' decompositions are computed by
         * {@code value} of the workers, assigned by {@link DecompositionPlan} (balanced Σ n³), and
         * sent to the driver; 0 (default) computes every decomposition on the driver, where the
         * update is computed (nothing moves). See the package documentation for how this maps to
         * KAISA's grad-worker fraction.
         */
        public Builder refreshWorkers(int value) {
            if (value < 0) {
                throw new IllegalArgumentException("refreshWorkers must be >= 0, got " + value);
            }
            this.refreshWorkers = value;
            return this;
        }

        /** Test hook: the first attempt of this partition's task throws, every job. */
        Builder failFirstAttemptOf(int partition) {
            this.failFirstAttemptOf = partition;
            return this;
        }

        public SparkKfacTrainer build() {
            if (x != null && partitions != null) {
                throw new IllegalStateException("give the data once: data(features, targets) or partitions(rdd)");
            }
            if ((x != null || partitions != null) && batchSize == 0) {
                throw new IllegalStateException("a trainer with resident data needs a batch size: call batchSize(B)");
            }
            return new SparkKfacTrainer(this);
        }
    }
}
