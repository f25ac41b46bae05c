package org.kron4j.spark;

import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.TaskContext;
import org.apache.spark.broadcast.Broadcast;
import org.kron4j.api.CurvatureEstimator;
import org.kron4j.api.capture.BatchOracle;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.capture.StepPlan;
import org.kron4j.api.capture.TargetSource;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.refresh.RefreshJob;
import org.kron4j.api.settings.OptimizerConfig;
import org.kron4j.api.support.NdArrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The code that runs inside Spark tasks. A task is a pure function of its partition and the
 * step's broadcast: it sets its engine's parameters from the broadcast, computes and returns its
 * shard's sums, and changes nothing else — no accumulators, no shared state besides a cache of
 * engines. That is what makes Spark's re-execution of a failed or lost task safe: the driver sums
 * only the results of successful attempts, so nothing is counted twice.
 */
final class ShardTasks {
    /** Engines and statistics collectors per (job, partition) on this executor JVM. */
    private static final Map<String, Worker> WORKERS = new ConcurrentHashMap<>();

    private ShardTasks() {
    }

    /**
     * A cached engine with an optimizer of the job's configuration, used only for its estimator's
     * pure {@code collect}, and the version of the driver's optimizer state it holds. Some variants
     * collect in the basis of their last refresh (EKFAC projects per-example gradients onto the
     * factors' eigenvectors), so after each refresh the driver's state is shipped and restored here.
     */
    static final class Worker {
        final ShardEngine engine;
        final KroneckerOptimizer optimizer;
        long stateVersion;

        Worker(ShardEngine engine, KroneckerOptimizer optimizer) {
            this.engine = engine;
            this.optimizer = optimizer;
        }

        ShardEngine engine() {
            return engine;
        }

        CurvatureEstimator collector() {
            return optimizer.estimator();
        }

        /** Brings the estimator to the driver's state of {@code version} (no-op when it is there). */
        synchronized void sync(long version, Broadcast<byte[]> state) {
            if (version != stateVersion) {
                optimizer.restore(new ByteArrayInputStream(state.value()));
                stateVersion = version;
            }
        }
    }

    static Worker worker(JobSpec job, int partition) {
        return WORKERS.computeIfAbsent(job.jobId() + "/" + partition, key -> NdArrays.detached(() -> {
            ShardEngine engine = job.model().create();
            // the collector never refreshes on its own; a runner keeps it free of a background thread
            KroneckerOptimizer optimizer = KroneckerOptimizer.builder(OptimizerConfig.parse(job.configSpec()))
                    .model(engine.modelSpec()).refreshRunner((jobs, damping) -> RefreshJob.computeAll(jobs)).build();
            return new Worker(engine, optimizer);
        }));
    }

    /** Drops the cached engines of a job on this JVM (the driver's, in local mode). */
    static void forget(String jobId) {
        WORKERS.keySet().removeIf(key -> key.startsWith(jobId + "/"));
    }

    /** One step's work on one partition. */
    static Iterator<ShardResult> step(JobSpec job, StepOrder order, Broadcast<byte[]> state, int partition,
            Iterator<ShardData> data) {
        ShardResult result = ShardResult.EMPTY;
        while (data.hasNext()) {
            ShardData shard = data.next();
            result = result.plus(NdArrays.detached(() -> stepOn(job, order, state, partition, shard)));
        }
        injectFault(job, partition);
        return List.of(result).iterator();
    }

    private static ShardResult stepOn(JobSpec job, StepOrder order, Broadcast<byte[]> state, int partition,
            ShardData shard) {
        long start = System.nanoTime();
        INDArray[] xy = shard.batch(order.window(), order.batchSize());
        if (xy == null) {
            return ShardResult.EMPTY;
        }
        Worker worker = worker(job, partition);
        worker.engine().setParameters(ArrayPayload.toArrays(order.parameters()));
        StepPlan plan = order.shardPlan(order.step());
        int rows = (int) xy[0].rows();
        ModelCapture capture;
        if (plan.targets() == TargetSource.MC_FISHER && plan.collectsStatistics()) {
            try (Random random = Nd4j.getRandomFactory().getNewRandomInstance(samplingSeed(job.seed(), order.step(),
                    shard.shard()))) {
                capture = worker.engine().capture(xy[0], xy[1], plan, random);
            } catch (Exception e) {
                throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
            }
        } else {
            capture = worker.engine().capture(xy[0], xy[1], plan, null);
        }
        List<ArrayPayload> gradients = new ArrayList<>(capture.layers().size());
        for (int l = 0; l < capture.layers().size(); l++) {
            gradients.add(ArrayPayload.of(capture.layer(l).gradient().mul(rows)));
        }
        StatisticsPayload statistics = null;
        if (plan.collectsStatistics()) {
            worker.sync(order.stateVersion(), state);
            statistics = StatisticsPayload.of(worker.collector().collect(capture));
        }
        long nanos = System.nanoTime() - start;
        return new ShardResult(rows, rows * capture.batchLoss(), gradients, statistics, nanos, nanos);
    }

    /** One oracle question on one partition, at the step's parameters. */
    static Iterator<OracleAnswer> oracle(JobSpec job, StepOrder order, OracleRequest request, int partition,
            Iterator<ShardData> data) {
        OracleAnswer answer = OracleAnswer.EMPTY;
        while (data.hasNext()) {
            ShardData shard = data.next();
            answer = answer.plus(NdArrays.detached(() -> oracleOn(job, order, request, partition, shard)));
        }
        injectFault(job, partition);
        return List.of(answer).iterator();
    }

    private static OracleAnswer oracleOn(JobSpec job, StepOrder order, OracleRequest request, int partition,
            ShardData shard) {
        long start = System.nanoTime();
        INDArray[] xy = shard.batch(order.window(), order.batchSize());
        if (xy == null) {
            return OracleAnswer.EMPTY;
        }
        Worker worker = worker(job, partition);
        worker.engine().setParameters(ArrayPayload.toArrays(order.parameters()));
        int rows = (int) xy[0].rows();
        BatchOracle oracle = worker.engine().oracle(xy[0], xy[1]);
        List<List<INDArray>> vectors = new ArrayList<>();
        request.vectors().forEach(v -> vectors.add(ArrayPayload.toArrays(v)));
        OracleAnswer answer = switch (request.kind()) {
            case LOSS_AT -> new OracleAnswer(rows, new double[] {rows * oracle.lossAt(vectors.get(0))}, null, 0);
            case GN_TIMES -> {
                List<INDArray> product = oracle.gaussNewtonTimes(vectors.get(0));
                List<ArrayPayload> scaled = new ArrayList<>(product.size());
                product.forEach(p -> scaled.add(ArrayPayload.of(p.mul(rows))));
                yield new OracleAnswer(rows, null, scaled, 0);
            }
            case GRAM -> {
                double[][] gram = oracle.gaussNewtonGram(vectors);
                int n = gram.length;
                double[] flat = new double[n * n];
                for (int a = 0; a < n; a++) {
                    for (int b = 0; b < n; b++) {
                        flat[a * n + b] = rows * gram[a][b];
                    }
                }
                yield new OracleAnswer(rows, flat, null, 0);
            }
        };
        return new OracleAnswer(answer.examples(), answer.values(), answer.vector(), System.nanoTime() - start);
    }

    /**
     * A refresh step's decompositions of the blocks this partition owns: the collector optimizer is
     * brought to the driver's state of the step (statistics absorbed), and each owned block's job
     * is prepared from it and computed here, exactly as the driver would have.
     */
    static Iterator<RefreshPayload> refresh(JobSpec job, Broadcast<byte[]> state, long version, int[] owners,
            double damping, int partition, Iterator<ShardData> data) {
        while (data.hasNext()) {
            data.next(); // the partition's data is not needed; Spark schedules the task by it
        }
        List<RefreshPayload> out = new ArrayList<>();
        boolean owns = false;
        for (int owner : owners) {
            owns |= owner == partition;
        }
        if (owns) {
            NdArrays.detached(() -> {
                Worker worker = worker(job, partition);
                worker.sync(version, state);
                List<org.kron4j.api.CurvatureBlock> blocks = worker.collector().blocks();
                for (int i = 0; i < owners.length; i++) {
                    if (owners[i] == partition) {
                        out.add(RefreshPayload.of(i, blocks.get(i).prepareRefresh(damping).compute()));
                    }
                }
            });
        }
        injectFault(job, partition);
        return out.iterator();
    }

    /** The MC Fisher sampling seed of one shard at one step (distinct per shard and step). */
    static long samplingSeed(long seed, long step, int shard) {
        long h = seed * 0x9E3779B97F4A7C15L + step * 0xBF58476D1CE4E5B9L + shard * 0x94D049BB133111EBL;
        return h ^ (h >>> 31);
    }

    private static void injectFault(JobSpec job, int partition) {
        TaskContext context = TaskContext.get();
        if (partition == job.failFirstAttemptOf() && context != null && context.attemptNumber() == 0) {
            throw new IllegalStateException("injected failure: first attempt of partition " + partition
                    + " (stage " + context.stageId() + ")");
        }
    }
}
