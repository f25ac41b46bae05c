/**
 * Distributed K-FAC-family training on Apache Spark: synchronous data parallelism over the
 * partitions of an RDD, statistics and gradients summed on the driver, layer-sharded
 * decompositions.
 *
 * <p><b>A step</b> ({@link org.kron4j.spark.SparkKfacTrainer}). The driver holds the only
 * {@link org.kron4j.api.optim.KroneckerOptimizer} and the parameters. It asks the optimizer for its
 * plan, broadcasts the parameters and the plan ({@code StepOrder}), and runs one Spark job over the
 * N partitions of the data: each task takes its shard of the global batch, sets its cached
 * engine's parameters, back-propagates, and returns B_k times its shard's mean gradient and loss
 * and, on statistics steps, its shard's {@link org.kron4j.api.Statistics} — additive sums and
 * counts, so that the sum over shards is the statistics of the whole batch. The driver adds the
 * results, divides by B, hands the sum to
 * {@link org.kron4j.api.optim.KroneckerOptimizer#step(org.kron4j.api.capture.ModelCapture,
 * org.kron4j.api.Statistics)} and applies the update. "The preconditioned update is identical on
 * every worker" holds trivially: it is computed once and the next step's broadcast carries it.
 *
 * <p><b>Summation: collect in partition order, not treeAggregate by default, not barrier mode.</b>
 * The driver collects the N results and adds them in partition order, so a run gives the same
 * bits whatever task finished first, retried or not — which is what makes the failure and resume
 * tests bit-exact, and is cheap for the worker counts of a K-FAC job (the driver receives N
 * results either way; treeAggregate with depth ≥ 2, {@code aggregationDepth}, trades that
 * reproducibility for less driver fan-in when N is in the hundreds). Barrier execution would gang
 * schedule the tasks and let them all-reduce among themselves, but a failed task then restarts
 * the whole stage and the driver must still receive one copy of the statistics to run the
 * optimizer; a plain job lets Spark retry only the lost task. Tasks are pure functions of their
 * partition and the broadcast (no accumulators, no side effects but an engine cache), so a
 * retried or speculative attempt cannot count a shard twice: only successful attempts' results
 * reach the sum.
 *
 * <p><b>Adaptive K-FAC</b> needs exact batch quantities of the update candidates: the driver's
 * {@link org.kron4j.api.capture.BatchOracle} ({@code SparkBatchOracle}) answers each question —
 * the Gauss-Newton Gram matrix of the candidates, the loss at the chosen update every
 * {@code dampingInterval} steps — with one more Spark job whose tasks answer for their shard
 * (sums over examples again), so an adaptive step costs one to two extra round trips. Fixed and
 * adaptive damping both work.
 *
 * <p><b>State the tasks need.</b> Some variants collect statistics in the basis of their last
 * refresh (EKFAC projects per-example gradients on the factors' eigenvectors). After every refresh
 * the driver's optimizer state (K4JS bytes, {@link org.kron4j.api.optim.KroneckerOptimizer#stateBytes})
 * is broadcast before the next statistics step and restored into each executor's collector.
 *
 * <p><b>Layer-sharded decompositions</b> ({@code refreshWorkers}, {@link
 * org.kron4j.spark.DecompositionPlan}). At a refresh step the optimizer hands its refresh jobs to a
 * {@link org.kron4j.api.optim.KroneckerOptimizer.RefreshRunner}; the trainer's runner ships the
 * state of the step (statistics absorbed) to the tasks, each decomposes the blocks the plan gives
 * its partition — greedy longest-processing-time over the blocks' Σ n³ — and the results come
 * back to the driver, which installs them in block order: bit for bit what the driver computes
 * itself. KAISA's grad-worker fraction runs between "every worker decomposes every layer and
 * preconditions locally" (communication-optimal) and "one worker per layer, results broadcast"
 * (memory-optimal). Here the update is computed once, on the driver, so the communication-optimal
 * end is {@code refreshWorkers=0}: the driver decomposes every layer and no decomposition moves;
 * {@code refreshWorkers=G} spreads the layers over G workers (G = N: one worker per layer group,
 * the least decomposition work per machine, the decompositions sent to the driver); the fraction
 * G/N is the knob.
 *
 * <p><b>Checkpoints</b> are K4JS states ({@link org.kron4j.api.optim.KroneckerOptimizer#save}
 * with the parameters and the batch counter as engine entries), written atomically every K
 * steps; a killed job resumes from the last one. Java serialization is used only for Spark's task
 * transport: arrays travel as {@link org.kron4j.spark.ArrayPayload}s (plain Java arrays, the
 * sender's ordering and precision).
 *
 * <p><b>Engines.</b> {@link org.kron4j.spark.ShardModel} rebuilds the model on every executor:
 * {@link org.kron4j.spark.Dl4jShardModel} (a DL4J {@code MultiLayerNetwork} from its JSON, through
 * {@link org.kron4j.dl4j.Dl4jStepEngine}) and {@link org.kron4j.spark.ReferenceShardModel}. MC
 * Fisher targets are sampled per shard from a seed of (job seed, step, shard), so a run is
 * reproducible but its samples differ from a one-process run's; with empirical or exact targets
 * N workers reproduce one process up to the order of floating-point sums.
 */
package org.kron4j.spark;
