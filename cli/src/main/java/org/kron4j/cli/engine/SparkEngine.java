package org.kron4j.cli.engine;

import java.util.Locale;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.kron4j.api.optim.StepDiagnostics;
import org.kron4j.api.registry.VariantRegistry;
import org.kron4j.api.settings.OptimizerConfig;
import org.kron4j.cli.ablation.MethodConfig;
import org.kron4j.spark.CommunicationModel;
import org.kron4j.spark.Dl4jShardModel;
import org.kron4j.spark.ShardEngine;
import org.kron4j.spark.SparkKfacTrainer;
import org.kron4j.spark.StepTimes;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.NoOp;

/**
 * Apache Spark as the ablation engine ({@code --engine spark --workers N}): kron4j variants train
 * the DL4J network of {@link Dl4jEngine#network} data-parallel with
 * {@link SparkKfacTrainer} — every batch split over N partitions, gradients and statistics summed
 * on the driver, one update computed there and broadcast (kron4j applies its own learning rate and
 * momentum, as on the reference engine). Baselines run in the driver process on the DL4J engine.
 *
 * <p>The master is {@code local[N]} unless a master URL is given ({@code --spark-master
 * spark://host:7077}, or {@code yarn}; the executors need the kron4j jars and the same
 * {@code --add-opens} flags, see spark/README.md; not tested here). One SparkContext serves every
 * run of the ablation. The runner hands each step's batch to the trainer, so batches travel with
 * the tasks (counted as traffic). {@link #describe()}, called when the runs are done, reports the
 * mean step time split into compute, communication, decompositions and the driver's update, and
 * the bytes moved per step.
 */
public final class SparkEngine implements TrainingEngine {
    public static final String NAME = "spark";

    private final Dl4jEngine baselines;
    private final int workers;
    private final int refreshWorkers;
    private final String master;
    private JavaSparkContext context;
    private final Totals totals = new Totals();
    private CommunicationModel sizes;

    /**
     * @param registry the variants
     * @param workers  N ≥ 1, partitions of every batch
     * @param master   a Spark master URL, or null for local[N]
     */
    public SparkEngine(VariantRegistry registry, int workers, String master) {
        this(registry, workers, master, 0);
    }

    /**
     * @param refreshWorkers G in [0, N]: decompositions sharded by layer over G workers (0: on the driver)
     */
    public SparkEngine(VariantRegistry registry, int workers, String master, int refreshWorkers) {
        if (workers < 1 || workers > 1024) {
            throw new IllegalArgumentException("--workers must be in [1, 1024], got " + workers);
        }
        if (refreshWorkers < 0 || refreshWorkers > workers) {
            throw new IllegalArgumentException("--refresh-workers must be in [0, " + workers + "] (0: decompositions "
                    + "on the driver; G: sharded by layer over G of the workers), got " + refreshWorkers);
        }
        this.refreshWorkers = refreshWorkers;
        this.baselines = new Dl4jEngine(registry);
        this.workers = workers;
        this.master = master != null ? master : "local[" + workers + "]";
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String describe() {
        String base = "Apache Spark (" + master + ", " + workers + " workers, decompositions "
                + (refreshWorkers == 0 ? "on the driver" : "sharded over " + refreshWorkers + " workers")
                + "): kron4j variants train a DL4J "
                + "MultiLayerNetwork (float32) data-parallel, gradients and statistics summed on the driver, one update "
                + "broadcast (kron4j applies its learning rate and momentum); baselines run on the DL4J engine";
        if (totals.steps == 0) {
            return base;
        }
        return base + String.format(Locale.ROOT, ". Per step (mean of %d): compute %.1f ms, communication %.1f ms, "
                + "driver update %.1f ms; decompositions %.1f ms per refresh step (%d); %.2f MB down, %.2f MB up",
                totals.steps, totals.compute / 1e6 / totals.steps, totals.communication / 1e6 / totals.steps,
                totals.driver / 1e6 / totals.steps,
                totals.refreshes == 0 ? 0.0 : totals.decomposition / 1e6 / totals.refreshes, totals.refreshes,
                totals.down / 1e6 / totals.steps, totals.up / 1e6 / totals.steps)
                + (sizes == null ? "" : String.format(Locale.ROOT, " (float32 gradient %.2f MB, K-FAC factors %.2f MB; "
                        + "the volume per step is derived in spark/README.md)", 4e-6 * sizes.parameters(),
                        4e-6 * sizes.factorEntries()));
    }

    @Override
    public Trainer create(ModelShape model, MethodConfig method, double learningRate, long seed) {
        if (method.baseline().isPresent()) {
            return baselines.create(model, method, learningRate, seed);
        }
        OptimizerConfig config = method.config(learningRate);
        Dl4jShardModel shards = Dl4jShardModel.of(Dl4jEngine.network(model, new NoOp(), seed)
                .getLayerWiseConfigurations(), config);
        SparkKfacTrainer trainer = SparkKfacTrainer.builder(context(), shards, config).workers(workers).seed(seed)
                .refreshWorkers(refreshWorkers).build();
        sizes = CommunicationModel.of(trainer.optimizer().model());
        return new SparkTrainer(trainer, totals);
    }

    private synchronized JavaSparkContext context() {
        if (context == null) {
            SparkConf conf = new SparkConf().setMaster(master).setAppName("kron4j ablate")
                    .set("spark.ui.showConsoleProgress", "false");
            if (master.startsWith("local")) {
                conf.set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1")
                        .set("spark.driver.bindAddress", "127.0.0.1");
            }
            context = new JavaSparkContext(conf);
        }
        return context;
    }

    /** Sums of every Spark step of the ablation. */
    private static final class Totals {
        long steps;
        long refreshes;
        long compute;
        long communication;
        long decomposition;
        long driver;
        long down;
        long up;

        synchronized void add(StepTimes t) {
            steps++;
            refreshes += t.refreshed() ? 1 : 0;
            compute += t.computeNanos();
            communication += t.communicationNanos();
            decomposition += t.decompositionNanos();
            driver += t.driverNanos();
            down += t.bytesDown();
            up += t.bytesUp();
        }
    }

    private static final class SparkTrainer implements Trainer {
        private final SparkKfacTrainer trainer;
        private final Totals totals;

        SparkTrainer(SparkKfacTrainer trainer, Totals totals) {
            this.trainer = trainer;
            this.totals = totals;
        }

        @Override
        public double step(INDArray x, INDArray y) {
            StepTimes times = trainer.step(x, y);
            totals.add(times);
            return times.loss();
        }

        @Override
        public double meanLoss(INDArray x, INDArray y) {
            return trainer.evaluator().loss(x, y);
        }

        @Override
        public INDArray predict(INDArray x) {
            ShardEngine engine = trainer.evaluator();
            return engine.predict(x);
        }

        @Override
        public long factorBytes() {
            return trainer.optimizer().store().bytes();
        }

        @Override
        public long skippedSteps() {
            return trainer.optimizer().skippedSteps();
        }

        @Override
        public StepDiagnostics lastDiagnostics() {
            return trainer.lastResult() == null ? null : trainer.lastResult().diagnostics();
        }

        @Override
        public void close() {
            trainer.close();
        }
    }
}
