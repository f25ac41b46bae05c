package org.kron4j.api.optim;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.kron4j.api.CurvatureApproximation;
import org.kron4j.api.CurvatureEstimator;
import org.kron4j.api.EstimatorContext;
import org.kron4j.api.Statistics;
import org.kron4j.api.capture.CaptureField;
import org.kron4j.api.capture.LayerCapture;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.capture.StepPlan;
import org.kron4j.api.capture.TargetSource;
import org.kron4j.api.checkpoint.AtomicFiles;
import org.kron4j.api.checkpoint.CheckpointFormatException;
import org.kron4j.api.checkpoint.StateReader;
import org.kron4j.api.checkpoint.StateWriter;
import org.kron4j.api.linalg.LinearAlgebras;
import org.kron4j.api.linalg.SymmetricLinearAlgebra;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.model.ModelSpec;
import org.kron4j.api.settings.OptimizerConfig;
import org.kron4j.api.settings.Setting;
import org.kron4j.api.settings.Settings;
import org.kron4j.api.optim.transform.AddWeightDecay;
import org.kron4j.api.optim.transform.ChainSetup;
import org.kron4j.api.optim.transform.ClipByKl;
import org.kron4j.api.optim.adaptive.LevenbergMarquardt;
import org.kron4j.api.optim.transform.HeavyBallMomentum;
import org.kron4j.api.optim.transform.LevenbergMarquardtDamping;
import org.kron4j.api.optim.transform.QuadraticModelStep;
import org.kron4j.api.optim.transform.ParameterSlot;
import org.kron4j.api.optim.transform.PreconditionByCurvature;
import org.kron4j.api.optim.transform.RecordDirections;
import org.kron4j.api.optim.transform.ScaleByLearningRate;
import org.kron4j.api.optim.transform.TransformChain;
import org.kron4j.api.optim.transform.UpdateChainFactory;
import org.kron4j.api.optim.transform.UpdateContext;
import org.kron4j.api.optim.transform.UpdateTransform;
import org.kron4j.api.refresh.RefreshJob;
import org.kron4j.api.store.FactorStore;
import org.kron4j.api.support.NdArrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The optimizer driver shared by every variant: it decides when statistics are collected (every
 * {@code tCov} steps) and decompositions refreshed (every {@code tInv} steps, and at step 0),
 * guards against non-finite input, and turns the gradients into updates with a
 * {@link TransformChain} — by default ({@link #defaultChain}) weight decay, preconditioning
 * through the variant's {@link CurvatureEstimator}, the KL norm constraint, momentum and the
 * learning rate; a builder may give another ({@link Builder#updateChain}). It never asks which
 * variant it holds.
 *
 * <p>A step, from an engine's side:
 * <pre>{@code
 * StepPlan plan = optimizer.plan();                 // what this step needs
 * ModelCapture capture = engine.capture(batch, plan);
 * StepResult result = optimizer.step(capture);
 * engine.addToParameters(result.updates());          // or precondition in place with result.directions()
 * }</pre>
 *
 * <p><b>Guards.</b> A step whose gradients, parameters, statistics inputs or collected
 * statistics hold NaN or ±∞ is skipped before anything changes: the step counter, every factor,
 * decomposition and momentum buffer stay bit-identical; the skip is logged and counted
 * ({@link #skippedSteps()}). A decomposition that fails keeps the last good one (the
 * store's fallback chain, counted in {@code store().counters()}). A preconditioned direction that
 * overflows to ±∞ (finite inputs, too little damping) withholds the update: the momentum buffers
 * and the step counter stay as they were, the step's finite statistics and refresh are kept, and
 * the skip is logged and counted the same way. A transform of the chain may reject a step
 * ({@link UpdateContext#reject}) with the same effect: nothing the chain staged is applied
 * (momentum buffers, damping, learning rate, step counter stay bit-identical), while the
 * statistics folded in and the refresh done before the chain ran are kept — unless a stage
 * declares {@link UpdateTransform#mayRejectSteps()}: then the driver checkpoints its state in
 * memory before the statistics and refresh of a step and restores it on any rejection, so every
 * byte of state is as before the step (the store's decomposition counters, diagnostics, still
 * count the refresh). An exception thrown by a block or transform during a step is caught, logged and
 * counted ({@link #failedSteps()}, {@link #skippedSteps()}); the step is skipped and the state put
 * back bit for bit from the in-memory copy the driver keeps during statistics and refresh steps
 * (other steps change nothing before their chain commits). {@link IllegalArgumentException} and
 * {@link IllegalStateException} (a capture that lacks a planned field, misuse) are rethrown after
 * the state is put back.
 *
 * <p><b>Adaptive K-FAC</b> (Martens and Grosse 2015, §6.5 and §7; the K-FAC family's default,
 * {@code adaptiveStep} and {@code adaptiveDamping}, see {@link OptimizerSettings#ADAPTIVE}). With
 * {@code adaptiveStep} the chain ends in {@link QuadraticModelStep}: the update is δ = −αΔ + μδ₀ with
 * α, μ minimising the damped quadratic model of the batch (exact Gauss-Newton products from the
 * engine's {@link org.kron4j.api.capture.BatchOracle}, or the blocks' curvature with
 * {@code quadraticModel=approximate}); learningRate, momentum and klClip are then unused. With
 * {@code adaptiveDamping} a {@link LevenbergMarquardtDamping} stage runs last: every
 * {@code dampingInterval} steps ρ = (h(θ+δ) − h(θ)) / (M(δ) − M(0)) on the same batch moves λ by
 * {@code dampingDecay^dampingInterval} within [minDamping, maxDamping]; on those steps and the first
 * {@code guardSteps}, a step whose loss would rise past {@code rejectionThreshold}·|h(θ)| is re-solved
 * on the model's plane at a larger λ (up to {@code stepRetries} times) and, when it still fails,
 * rejected (all state bit-identical; only the grown λ is kept). <b>The factors' damping follows λ</b> (kfac-jax's rule, not M&amp;G's separate
 * γ): γ = λ + η (η the weight decay) — applied at once in eigen mode and EKFAC (the damping enters
 * each solve), at the next refresh (every tInv steps) in factored mode. Both switches off give the
 * fixed chain above, bit for bit. The plan asks for BATCH_LOSS and BATCH_ORACLE when these stages
 * need them; {@link StepResult#diagnostics()} reports λ, ρ, α and μ.
 *
 * <p><b>Asynchronous refresh</b> ({@code asyncRefresh}, {@link OptimizerSettings#ASYNC_REFRESH}; on by
 * default, off in the build's tests and wherever {@code -Dkron4j.asyncRefresh=false} or
 * {@code asyncRefresh=false} asks for the deterministic schedule). A refresh step snapshots the
 * averaged factors ({@link CurvatureEstimator#prepareRefresh}) and hands the computation to one
 * daemon thread ("kron4j-refresh-N"); steps go on preconditioning with the decompositions in use.
 * The refresh of step t is installed by the training thread at the start of step
 * t + {@code refreshLag} ({@link OptimizerSettings#REFRESH_LAG}, default 1), all blocks in one
 * call, never in the middle of a step, and at the latest at the next refresh step; when it has not
 * finished by then the step waits for it (the wait is the stall reported in
 * {@link StepDiagnostics#refreshStallMillis()}, waits at a due refresh counted in
 * {@link #refreshWaits()}). Since the install step never depends on timing, an asynchronous run is
 * deterministic: the same inputs give the same numbers bit for bit, run after run (they differ
 * from the synchronous schedule's, whose decompositions are refreshLag steps fresher). The
 * decompositions in use are never more than one refresh behind the synchronous schedule: their age
 * ({@link StepDiagnostics#decompositionAge()}) is at most tInv − 1 + min(refreshLag, tInv) steps. The first refresh is
 * waited for (no step preconditions without decompositions). The λ of a background refresh is the
 * one of its refresh step (factored damping: (A + π√λ I)⁻¹ with π and λ of that step; eigen mode and
 * EKFAC apply the current λ at each step anyway). A step rolled back (rejection with
 * adaptive damping, an exception) drops the background refresh it submitted, since its snapshot
 * holds the statistics that were undone; the repeated step submits its own with the grown λ.
 * Decomposition failures in the background go through the store's fallback chain at install
 * (kept last good, counted, logged); a computation that throws keeps every decomposition, logged
 * and counted ({@link #backgroundRefreshFailures()}). {@link #save} waits for a refresh in flight
 * and installs it before writing, so a checkpoint is never half-swapped; {@link #restore} drops it.
 * With refreshLag = 1 that install is the one the next step would do, so a run saved and restored
 * between any two steps continues bit for bit; with a longer lag a save installs that refresh early.
 * The in-memory rollback copy is consistent: the background thread reads only its own copies.
 *
 * <p>Not thread-safe: one training loop drives it. Memory: the store's factors plus the chain's
 * state (by default one momentum buffer per layer when momentum is on).
 */
public final class KroneckerOptimizer {
    private static final Logger LOG = LoggerFactory.getLogger(KroneckerOptimizer.class);

    private final OptimizerConfig config;
    private final CurvatureApproximation variant;
    private final ModelSpec model;
    private final Settings settings;
    private final FactorStore store;
    private final CurvatureEstimator estimator;
    private final TransformChain chain;
    private final RefreshRunner refreshRunner;
    private final int tCov;
    private final int tInv;
    private final TargetSource targets;
    private final DataType storageType;
    private double learningRate;
    private double damping;
    private long step;
    private long skippedSteps;
    private long failedSteps;
    private double lastKlScale = Double.NaN;
    private final double dampingOffset;
    private final BackgroundRefresh background;
    private final int refreshLag;
    /** The step whose averages the decompositions in use were computed from; -1 before any. */
    private long decompositionStep = -1;
    private double longestRefreshStallMillis;

    private KroneckerOptimizer(OptimizerConfig config, ModelSpec model, SymmetricLinearAlgebra linearAlgebra,
            UpdateChainFactory chainFactory, RefreshTestHooks hooks, RefreshRunner refreshRunner) {
        this.refreshRunner = refreshRunner;
        this.config = config;
        this.variant = config.variant();
        this.model = model;
        this.settings = config.settings();
        this.tCov = config.driverValue(OptimizerSettings.T_COV);
        this.tInv = config.driverValue(OptimizerSettings.T_INV);
        this.targets = config.driverValue(OptimizerSettings.TARGETS);
        this.learningRate = config.driverValue(OptimizerSettings.LEARNING_RATE);
        this.damping = config.driverValue(OptimizerSettings.DAMPING);
        this.store = new FactorStore(config.driverValue(OptimizerSettings.STORAGE_PRECISION),
                config.driverValue(OptimizerSettings.DECOMPOSITION_PRECISION),
                config.driverValue(OptimizerSettings.STATISTICS_DECAY), linearAlgebra);
        this.storageType = store.storagePrecision().dataType();
        this.estimator = NdArrays.detached(() -> variant.createEstimator(new EstimatorContext(model, settings, store)));
        if (estimator.blocks().size() != model.size()) {
            throw new IllegalStateException("variant '" + variant.name() + "' made " + estimator.blocks().size()
                    + " blocks for " + model.size() + " layers");
        }
        // a refresh runner computes the jobs elsewhere, synchronously: no background thread then
        this.background = config.driverValue(OptimizerSettings.ASYNC_REFRESH) && refreshRunner == null
                ? new BackgroundRefresh(hooks, store.counters()) : null;
        this.refreshLag = config.driverValue(OptimizerSettings.REFRESH_LAG);
        this.dampingOffset = adaptiveStep(config) || adaptiveDamping(config)
                ? config.driverValue(OptimizerSettings.WEIGHT_DECAY) : 0.0;
        this.chain = Objects.requireNonNull(chainFactory.create(new ChainSetup(model, config, store)),
                "the update chain factory returned null");
        if (adaptiveStep(config)) {
            List<String> ignored = new ArrayList<>();
            for (Setting<?> fixed : List.of(OptimizerSettings.LEARNING_RATE, OptimizerSettings.MOMENTUM,
                    OptimizerSettings.KL_CLIP)) {
                if (config.isSet(fixed)) {
                    ignored.add(fixed.name());
                }
            }
            if (!ignored.isEmpty()) {
                LOG.warn("{} set, but adaptiveStep=true chooses the learning rate and momentum from the quadratic "
                        + "model and ignores them; add adaptiveStep=false to use them", ignored);
            }
        }
        if (tInv < tCov) {
            LOG.warn("tInv={} < tCov={}: some refreshes will recompute decompositions of unchanged statistics",
                    tInv, tCov);
        }
        LOG.info("kron4j optimizer '{}' for {} layers ({} parameters): {}; update {}", variant.name(), model.size(),
                model.parameterCount(), settings, chain);
    }

    /**
     * The driver's default update. With adaptiveStep: {@link AddWeightDecay} →
     * {@link PreconditionByCurvature} at λ + η → {@link RecordDirections} → {@link QuadraticModelStep}
     * (store role "previousUpdate"); with adaptiveDamping, {@link LevenbergMarquardtDamping} last.
     * Otherwise (fixed settings): {@link AddWeightDecay} (weightDecay) →
     * {@link PreconditionByCurvature} → {@link ClipByKl} (klClip) → {@link RecordDirections} →
     * {@link HeavyBallMomentum} (momentum, store role "momentum"; only when momentum &gt; 0) →
     * {@link ScaleByLearningRate}.
     */
    public static TransformChain defaultChain(ChainSetup setup) {
        return new TransformChain(defaultTransforms(setup));
    }

    /** The stages of {@link #defaultChain}, for factories that insert their own among them. */
    public static List<UpdateTransform> defaultTransforms(ChainSetup setup) {
        OptimizerConfig config = setup.config();
        boolean adaptiveStep = adaptiveStep(config);
        boolean adaptiveDamping = adaptiveDamping(config);
        double weightDecay = config.driverValue(OptimizerSettings.WEIGHT_DECAY);
        QuadraticModelKind kind = config.driverValue(OptimizerSettings.QUADRATIC_MODEL);
        List<UpdateTransform> transforms = new ArrayList<>();
        transforms.add(new AddWeightDecay(weightDecay));
        transforms.add(adaptiveStep || adaptiveDamping ? new PreconditionByCurvature(weightDecay)
                : new PreconditionByCurvature());
        if (adaptiveStep) {
            transforms.add(new RecordDirections());
            transforms.add(new QuadraticModelStep(setup.store(), ParameterSlot.of(setup.model()), weightDecay, kind));
        } else {
            transforms.add(new ClipByKl(config.driverValue(OptimizerSettings.KL_CLIP)));
            transforms.add(new RecordDirections());
            double momentum = config.driverValue(OptimizerSettings.MOMENTUM);
            if (momentum > 0) {
                transforms.add(new HeavyBallMomentum(setup.store(), ParameterSlot.of(setup.model()), "momentum",
                        momentum));
            }
            transforms.add(new ScaleByLearningRate());
        }
        if (adaptiveDamping) {
            LevenbergMarquardt rule = new LevenbergMarquardt(config.driverValue(OptimizerSettings.DAMPING_DECAY),
                    config.driverValue(OptimizerSettings.DAMPING_INTERVAL), 0.25, 0.75,
                    config.driverValue(OptimizerSettings.MIN_DAMPING), config.driverValue(OptimizerSettings.MAX_DAMPING));
            transforms.add(new LevenbergMarquardtDamping(rule,
                    config.driverValue(OptimizerSettings.REJECTION_THRESHOLD), weightDecay, kind,
                    config.driverValue(OptimizerSettings.GUARD_STEPS),
                    config.driverValue(OptimizerSettings.STEP_RETRIES)));
        }
        return transforms;
    }

    /** Whether the configuration asks for the quadratic-model learning rate and momentum (K-FAC family). */
    public static boolean adaptiveStep(OptimizerConfig config) {
        return OptimizerConfig.applies(config.variant(), OptimizerSettings.ADAPTIVE_STEP)
                && config.driverValue(OptimizerSettings.ADAPTIVE_STEP);
    }

    /** Whether the configuration asks for Levenberg-Marquardt damping (K-FAC family). */
    public static boolean adaptiveDamping(OptimizerConfig config) {
        return OptimizerConfig.applies(config.variant(), OptimizerSettings.ADAPTIVE_DAMPING)
                && config.driverValue(OptimizerSettings.ADAPTIVE_DAMPING);
    }

    /** A builder for an optimizer of the given variant. */
    public static Builder builder(CurvatureApproximation variant) {
        return new Builder(variant);
    }

    /** A builder for an optimizer of a configuration (parsed once from a spec, or built typed). */
    public static Builder builder(OptimizerConfig config) {
        return new Builder(config);
    }

    /**
     * Every setting an optimizer of this variant accepts, with the variant's defaults: see
     * {@link OptimizerConfig#schema}.
     */
    public static List<Setting<?>> schema(CurvatureApproximation variant) {
        return OptimizerConfig.schema(variant);
    }

    /** What the engine must capture for the next step. */
    public StepPlan plan() {
        EnumSet<CaptureField> fields = EnumSet.of(CaptureField.GRADIENT);
        fields.addAll(chain.requiredFields());
        if (isStatisticsStep()) {
            fields.addAll(estimator.statisticsFields());
        }
        return new StepPlan(step, fields, targets);
    }

    private boolean isStatisticsStep() {
        return step % tCov == 0;
    }

    private boolean isRefreshStep() {
        return step % tInv == 0;
    }

    /**
     * Runs one step on a capture that holds at least the fields of {@link #plan()}.
     *
     * @throws IllegalArgumentException when the capture does not match the model (layer count,
     *     gradient shapes) or lacks a planned field
     */
    public StepResult step(ModelCapture capture) {
        return step(capture, null);
    }

    /**
     * {@link #step(ModelCapture)} for a data-parallel engine that collected this step's statistics
     * elsewhere: {@code collected} is the sum of {@code estimator().collect} over the shards of the
     * batch (additive form), used instead of collecting from {@code capture}, which then needs only
     * the fields beyond the statistics (gradient, and loss/oracle/parameters when planned). Null
     * collects from the capture as {@link #step(ModelCapture)} does. Ignored on steps that are not
     * statistics steps.
     */
    public StepResult step(ModelCapture capture, Statistics collected) {
        Objects.requireNonNull(capture, "capture");
        checkShapes(capture);
        boolean statisticsStep = isStatisticsStep();
        String problem = findNonFinite(capture, statisticsStep);
        if (problem != null) {
            return skip(problem);
        }
        long stallStart = System.nanoTime();
        if (background != null && background.hasPending()
                && (step >= background.pendingSnapshotStep() + refreshLag || isRefreshStep())) {
            // a background refresh goes in refreshLag steps after its refresh step, before anything of this
            // step, whether or not it finished early (waiting if not): when it is installed never depends on
            // timing, so an asynchronous run is as reproducible as a synchronous one; a refresh that is due
            // waits for the previous one (never more than one refresh behind)
            try {
                installPending(true);
            } catch (IllegalArgumentException | IllegalStateException e) {
                throw e;
            } catch (RuntimeException e) {
                failedSteps++;
                LOG.error("step {}: installing a background refresh failed; the step is skipped and the optimizer "
                        + "state put back", step, e);
                return skip("installing a background refresh failed: " + e);
            }
        }
        long installNanos = System.nanoTime() - stallStart;
        // statistics and refresh steps change the store before the chain runs: keep the state in
        // memory so that a rejection or an exception from a block puts every byte back
        StateReader before = statisticsStep || isRefreshStep() ? snapshot() : null;
        long decompositionBefore = decompositionStep;
        try {
            return guardedStep(capture, statisticsStep, before, decompositionBefore, installNanos, collected);
        } catch (IllegalArgumentException | IllegalStateException e) {
            rollBack(before, decompositionBefore);
            throw e; // the capture does not fit the plan (a lacking field...): the caller's error, not a fault
        } catch (RuntimeException e) {
            rollBack(before, decompositionBefore);
            failedSteps++;
            LOG.error("step {}: a block failed; the step is skipped and the optimizer state put back", step, e);
            return skip("a block failed: " + e);
        } finally {
            if (before != null) {
                before.release();
            }
        }
    }

    /**
     * Puts the state back as it was before the step's statistics and refresh: the store from the
     * in-memory copy, and a background refresh submitted by this step dropped (its snapshot holds
     * the statistics just undone; the repeated step submits its own, with the λ it then has).
     */
    private void rollBack(StateReader before, long decompositionBefore) {
        if (before != null) {
            apply(before);
        }
        if (background != null && background.hasPending() && background.pendingSnapshotStep() == step) {
            background.discard();
        }
        decompositionStep = decompositionBefore;
    }

    /**
     * Waits for the background refresh in flight and installs it, all blocks at once; an install
     * that throws leaves the state as before it.
     */
    private void installPending(boolean countWait) {
        StateReader beforeInstall = snapshot();
        try {
            NdArrays.detached(() -> {
                long snapshotStep = background.awaitAndInstall(estimator, countWait);
                if (snapshotStep >= 0) {
                    decompositionStep = snapshotStep;
                }
            });
        } catch (RuntimeException e) {
            apply(beforeInstall);
            throw e;
        } finally {
            beforeInstall.release();
        }
    }

    /**
     * The refresh of a refresh step: synchronous, or snapshot and submission to the background
     * (waiting for it at once on the first refresh, so that no step preconditions without
     * decompositions, and under the {@link RefreshTestHooks#awaitEachRefresh} hook).
     */
    private void refresh(long current) {
        double requested = damping + dampingOffset;
        if (refreshRunner != null) {
            // an engine's runner computes the jobs (e.g. on its workers) and hands back the results
            estimator.install(refreshRunner.run(estimator.prepareRefresh(requested), requested));
            decompositionStep = current;
            return;
        }
        if (background == null) {
            // the estimator's own refresh (for split blocks, install(prepareRefresh(λ).compute()) block by
            // block): an estimator that wraps another and overrides refresh keeps working as before
            estimator.refresh(requested);
            decompositionStep = current;
            return;
        }
        background.submit(estimator.prepareRefresh(requested), current);
        if (decompositionStep < 0 || background.awaitEachRefresh()) {
            long snapshotStep = background.awaitAndInstall(estimator, false);
            if (snapshotStep >= 0) {
                decompositionStep = snapshotStep;
            }
        }
    }

    private StepResult guardedStep(ModelCapture capture, boolean statisticsStep, StateReader before,
            long decompositionBefore, long installNanos, Statistics collected) {
        return NdArrays.detached(() -> {
            Statistics statistics = null;
            if (statisticsStep) {
                statistics = collected != null ? collected : estimator.collect(capture);
                if (!statistics.isFinite()) {
                    return skip("the collected curvature statistics are not finite");
                }
            }
            long current = step;
            if (statistics != null) {
                estimator.absorb(statistics);
            }
            boolean refreshStep = isRefreshStep();
            long refreshStart = System.nanoTime();
            if (refreshStep) {
                refresh(current);
            }
            double stallMillis = (installNanos + System.nanoTime() - refreshStart) / 1e6;
            longestRefreshStallMillis = Math.max(longestRefreshStallMillis, stallMillis);
            long age = decompositionStep < 0 ? -1 : current - decompositionStep;
            List<INDArray> gradients = new ArrayList<>(model.size());
            for (int i = 0; i < model.size(); i++) {
                gradients.add(NdArrays.as(capture.layer(i).gradient(), storageType));
            }
            UpdateContext context = UpdateContext.builder(current, gradients).capture(capture).model(model)
                    .estimator(estimator).damping(damping).learningRate(learningRate).build();
            TransformChain.Outcome outcome = chain.run(context);
            if (!outcome.committed()) {
                if (chain.mayRejectSteps()) {
                    rollBack(before, decompositionBefore);
                }
                double used = damping;
                context.dampingAfterRejection().ifPresent(value -> damping = value);
                return skip(outcome.rejection(), new StepDiagnostics(capture.batchLoss(), used,
                        context.get(LevenbergMarquardtDamping.RATIO).orElse(Double.NaN), Double.NaN, Double.NaN,
                        age, stallMillis));
            }
            List<INDArray> chosen = context.get(RecordDirections.DIRECTIONS).orElse(outcome.updates());
            double scale = context.get(ClipByKl.SCALE).orElse(1.0);
            List<INDArray> directions = new ArrayList<>(model.size());
            List<INDArray> updates = new ArrayList<>(model.size());
            for (int i = 0; i < model.size(); i++) {
                DataType engineType = capture.layer(i).gradient().dataType();
                updates.add(NdArrays.as(outcome.updates().get(i), engineType));
                directions.add(NdArrays.as(chosen.get(i), engineType));
            }
            StepDiagnostics diagnostics = new StepDiagnostics(capture.batchLoss(), damping,
                    context.get(LevenbergMarquardtDamping.RATIO).orElse(Double.NaN),
                    context.get(QuadraticModelStep.ALPHA).orElse(learningRate * scale),
                    context.get(QuadraticModelStep.MU).orElse(config.driverValue(OptimizerSettings.MOMENTUM)),
                    age, stallMillis);
            damping = context.damping();
            learningRate = context.learningRate();
            lastKlScale = scale;
            step++;
            return new StepResult(current, true, null, directions, updates, scale, statistics != null, refreshStep,
                    diagnostics);
        });
    }

    private StepResult skip(String reason) {
        return skip(reason, StepDiagnostics.unknown(damping));
    }

    private StepResult skip(String reason, StepDiagnostics diagnostics) {
        skippedSteps++;
        LOG.warn("step {} skipped, optimizer state unchanged: {}", step, reason);
        return StepResult.skipped(step, reason, diagnostics);
    }

    private void checkShapes(ModelCapture capture) {
        if (capture.layers().size() != model.size()) {
            throw new IllegalArgumentException("the capture has " + capture.layers().size() + " layers, the model "
                    + model.size());
        }
        for (int i = 0; i < model.size(); i++) {
            LayerSpec layer = model.layer(i);
            INDArray gradient = capture.layer(i).gradient();
            if (!java.util.Arrays.equals(gradient.shape(), layer.gradientShape())) {
                throw new IllegalArgumentException("layer '" + layer.name() + "': gradient shape "
                        + java.util.Arrays.toString(gradient.shape()) + ", expected "
                        + java.util.Arrays.toString(layer.gradientShape()));
            }
        }
    }

    /** The first non-finite input of this step, described; null when all are finite. */
    private String findNonFinite(ModelCapture capture, boolean statisticsStep) {
        for (int i = 0; i < model.size(); i++) {
            LayerCapture layer = capture.layer(i);
            for (Map.Entry<CaptureField, INDArray> field : layer.fields().entrySet()) {
                boolean checked = field.getKey() == CaptureField.GRADIENT || field.getKey() == CaptureField.PARAMETERS
                        || statisticsStep;
                if (checked && !NdArrays.isFinite(field.getValue())) {
                    return "layer '" + model.layer(i).name() + "': " + field.getKey() + " holds NaN or infinity";
                }
            }
        }
        if (statisticsStep && capture.outputHessian() != null && !NdArrays.isFinite(capture.outputHessian())) {
            return "OUTPUT_HESSIAN holds NaN or infinity";
        }
        return null;
    }

    /** Steps taken (skipped steps do not count). */
    public long steps() {
        return step;
    }

    /** Steps refused by the guards since this optimizer was created (diagnostic, not checkpointed). */
    public long skippedSteps() {
        return skippedSteps;
    }

    /**
     * Steps skipped because a block or transform threw (counted in {@link #skippedSteps} too; the
     * state was put back bit for bit). Diagnostic, not checkpointed.
     */
    public long failedSteps() {
        return failedSteps;
    }

    /** Whether refreshes run on the background thread ({@link OptimizerSettings#ASYNC_REFRESH}). */
    public boolean asyncRefresh() {
        return background != null;
    }

    /**
     * The longest time one step's refresh work held the training thread, in milliseconds, since
     * this optimizer was created (see {@link StepDiagnostics#refreshStallMillis()}). Diagnostic.
     */
    public double longestRefreshStallMillis() {
        return longestRefreshStallMillis;
    }

    /**
     * How often a due refresh found the previous background refresh unfinished and the training
     * thread waited for it (0 when synchronous). Diagnostic, not checkpointed.
     */
    public long refreshWaits() {
        return background == null ? 0 : background.waits();
    }

    /**
     * Background refreshes whose computation threw (counted in the store's counters as kept last
     * good too; decomposition failures go through the store's chain and are counted there). Diagnostic.
     */
    public long backgroundRefreshFailures() {
        return background == null ? 0 : background.failures();
    }

    /**
     * Waits for the background refresh in flight, if any, and installs it now (between steps): what
     * {@link #save} does first. A no-op when synchronous or nothing is in flight.
     */
    public void awaitRefresh() {
        if (background != null && background.hasPending()) {
            installPending(false);
        }
    }

    /** The KL-clip factor of the last applied step (NaN before the first). */
    public double lastKlScale() {
        return lastKlScale;
    }

    public double learningRate() {
        return learningRate;
    }

    /** Changes η for the following steps (schedules). */
    public void setLearningRate(double learningRate) {
        this.learningRate = OptimizerSettings.LEARNING_RATE.validate(learningRate);
    }

    public double damping() {
        return damping;
    }

    /** Changes λ for the following steps; factored damping picks it up at the next refresh. */
    public void setDamping(double damping) {
        this.damping = OptimizerSettings.DAMPING.validate(damping);
    }

    public CurvatureApproximation variant() {
        return variant;
    }

    public ModelSpec model() {
        return model;
    }

    /** Every effective setting (the applicable driver settings and the variant's). */
    public Settings settings() {
        return settings;
    }

    /** The configuration this optimizer was built with. */
    public OptimizerConfig config() {
        return config;
    }

    public FactorStore store() {
        return store;
    }

    public CurvatureEstimator estimator() {
        return estimator;
    }

    /** The update chain this optimizer runs every step. */
    public TransformChain updateChain() {
        return chain;
    }

    /** Writes the complete optimizer state (step, learning rate, damping, every factor and buffer). */
    public void save(OutputStream out) {
        save(out, writer -> { });
    }

    /**
     * Writes the optimizer state followed by an engine's own entries ({@code extra}, keys outside
     * "store/" and the optimizer's names, e.g. "engine/..."), all in one checksummed state.
     */
    public void save(OutputStream out, Consumer<StateWriter> extra) {
        awaitRefresh(); // never half-swapped: a refresh in flight is waited for and installed first
        try (StateWriter writer = new StateWriter(out)) {
            write(writer);
            extra.accept(writer);
        }
    }

    private void write(StateWriter writer) {
        writer.putString("variant", variant.name());
        writer.putString("model", model.layers().toString());
        writer.putLong("step", step);
        writer.putDouble("learningRate", learningRate);
        writer.putDouble("damping", damping);
        writer.putLong("decompositionStep", decompositionStep);
        store.write(writer, "store/");
    }

    /** The whole state copied in memory (native copies, no encoding), for rolling a step back. */
    private StateReader snapshot() {
        StateWriter writer = StateWriter.inMemory();
        write(writer);
        writer.close();
        return writer.toReader();
    }

    /** {@link #save} to a file, atomically ({@link AtomicFiles}): the file is never left half written. */
    public void save(Path file) {
        AtomicFiles.write(file, this::save);
    }

    /** The state {@link #save} writes, as bytes (bit-identical states give identical bytes). */
    public byte[] stateBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        save(bytes);
        return bytes.toByteArray();
    }

    /**
     * Restores state written by {@link #save} of an optimizer with the same variant, model and
     * precision. Nothing changes when the state does not match or is damaged: the whole stream is
     * verified (checksums, see {@link StateReader}) before anything is restored.
     *
     * @throws CheckpointFormatException when it does not match or is not a whole kron4j state
     */
    public void restore(InputStream in) {
        restore(in, reader -> { });
    }

    /**
     * {@link #restore(InputStream)}, then hands the verified state to {@code extra} for the
     * engine's own entries; if {@code extra} refuses it, the optimizer is put back as it was.
     */
    public void restore(InputStream in, Consumer<StateReader> extra) {
        StateReader reader = StateReader.read(in);
        String savedVariant = reader.getString("variant");
        if (!savedVariant.equals(variant.name())) {
            throw new CheckpointFormatException("the checkpoint is for variant '" + savedVariant + "', not '"
                    + variant.name() + "'");
        }
        if (!reader.getString("model").equals(model.layers().toString())) {
            throw new CheckpointFormatException("the checkpoint is for another model: " + reader.getString("model")
                    + ", this optimizer's is " + model.layers());
        }
        if (background != null) {
            background.discard(); // its snapshot is of the state being replaced
        }
        StateReader before = snapshot();
        long decompositionBefore = decompositionStep;
        try {
            apply(reader);
            extra.accept(reader);
            if (!reader.has("decompositionStep")) {
                // a checkpoint of an earlier version: its decompositions are at most as old as its step
                decompositionStep = step > 0 ? step : -1;
            }
        } catch (RuntimeException e) {
            apply(before);
            decompositionStep = decompositionBefore;
            throw e;
        } finally {
            before.release();
        }
    }

    private void apply(StateReader reader) {
        store.read(reader, "store/");
        step = reader.getLong("step");
        learningRate = reader.getDouble("learningRate");
        damping = reader.getDouble("damping");
        if (reader.has("decompositionStep")) {
            decompositionStep = reader.getLong("decompositionStep");
        }
    }

    /** {@link #restore(InputStream)} from a file written by {@link #save(Path)}. */
    public void restore(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            restore(new BufferedInputStream(in, 1 << 16));
        } catch (IOException e) {
            throw new UncheckedIOException("reading the checkpoint " + file + " failed", e);
        } catch (CheckpointFormatException e) {
            throw new CheckpointFormatException(file + ": " + e.getMessage());
        }
    }

    @Override
    public String toString() {
        return "KroneckerOptimizer{variant=" + variant.name() + ", step=" + step + ", " + settings + "}";
    }

    /**
     * Computes the jobs of one refresh step ({@link CurvatureEstimator#prepareRefresh}, one per block
     * in model order) and returns their results in the same order, for
     * {@link CurvatureEstimator#install}. Called on the training thread inside {@link #step}, after
     * the step's statistics were absorbed; the optimizer's state ({@link #stateBytes}) is then the
     * one the jobs were prepared from, so a runner may also rebuild a block's job elsewhere from that
     * state and {@code damping} ({@code blocks().get(i).prepareRefresh(damping)}), bit for bit.
     */
    @FunctionalInterface
    public interface RefreshRunner {
        java.util.List<org.kron4j.api.refresh.RefreshResult> run(List<RefreshJob> jobs, double damping);
    }

    /**
     * Builds an optimizer: the variant or a whole {@link OptimizerConfig}, the model, then typed
     * settings (each validated as it is set: out of range → {@link IllegalArgumentException}
     * naming the setting and its range; a setting that does not apply to the variant →
     * {@link IllegalArgumentException} naming both; set twice → {@link IllegalStateException}).
     * Spec strings are parsed by {@link OptimizerConfig#parse}, never here.
     */
    public static final class Builder {
        private final OptimizerConfig.Builder settings;
        private ModelSpec model;
        private SymmetricLinearAlgebra linearAlgebra;
        private UpdateChainFactory chainFactory;
        private RefreshRunner refreshRunner;
        private RefreshTestHooks refreshHooks = RefreshTestHooks.NONE;

        private Builder(CurvatureApproximation variant) {
            this.settings = OptimizerConfig.builder(variant);
        }

        private Builder(OptimizerConfig config) {
            this.settings = config.toBuilder();
        }

        public Builder model(ModelSpec model) {
            if (this.model != null) {
                throw new IllegalStateException("model was already set");
            }
            this.model = Objects.requireNonNull(model, "model");
            return this;
        }

        public <T> Builder set(Setting<T> setting, T value) {
            settings.set(setting, value);
            return this;
        }

        public Builder set(String name, Object value) {
            settings.set(name, value);
            return this;
        }

        public Builder learningRate(double value) {
            return set(OptimizerSettings.LEARNING_RATE, value);
        }

        public Builder momentum(double value) {
            return set(OptimizerSettings.MOMENTUM, value);
        }

        public Builder damping(double value) {
            return set(OptimizerSettings.DAMPING, value);
        }

        /**
         * Switches adaptive K-FAC (both {@code adaptiveStep} and {@code adaptiveDamping}) on or off;
         * off gives the fixed learning rate, momentum, KL clip and damping. For a variant that does
         * not declare the adaptive settings, {@code false} changes nothing.
         *
         * @throws IllegalArgumentException when {@code on} and the variant has no adaptive settings
         */
        public Builder adaptive(boolean on) {
            if (!on && !OptimizerConfig.applies(settings.variant(), OptimizerSettings.ADAPTIVE_STEP)) {
                return this;
            }
            return set(OptimizerSettings.ADAPTIVE_STEP, on).set(OptimizerSettings.ADAPTIVE_DAMPING, on);
        }

        public Builder periods(int tCov, int tInv) {
            return set(OptimizerSettings.T_COV, tCov).set(OptimizerSettings.T_INV, tInv);
        }

        /** The decomposition kernels; by default {@link LinearAlgebras#forCurrentBackend()}. */
        public Builder linearAlgebra(SymmetricLinearAlgebra linearAlgebra) {
            if (this.linearAlgebra != null) {
                throw new IllegalStateException("linearAlgebra was already set");
            }
            this.linearAlgebra = Objects.requireNonNull(linearAlgebra, "linearAlgebra");
            return this;
        }

        /**
         * The update chain; by default {@link KroneckerOptimizer#defaultChain}. The factory runs
         * once in {@link #build()}, after the variant's blocks registered their state.
         */
        public Builder updateChain(UpdateChainFactory factory) {
            if (this.chainFactory != null) {
                throw new IllegalStateException("updateChain was already set");
            }
            this.chainFactory = Objects.requireNonNull(factory, "factory");
            return this;
        }

        /** Test hooks of asynchronous refresh ({@link RefreshTestHooks}); none by default. */
        public Builder refreshTestHooks(RefreshTestHooks hooks) {
            this.refreshHooks = Objects.requireNonNull(hooks, "hooks");
            return this;
        }

        /**
         * Where a refresh step's decomposition jobs run; by default the driver's own schedule
         * (synchronous, or the background thread of {@code asyncRefresh}). A distributed engine
         * computes them on its workers (see {@link RefreshRunner}); the refresh is then synchronous
         * whatever {@code asyncRefresh} says.
         */
        public Builder refreshRunner(RefreshRunner runner) {
            if (this.refreshRunner != null) {
                throw new IllegalStateException("refreshRunner was already set");
            }
            this.refreshRunner = Objects.requireNonNull(runner, "runner");
            return this;
        }

        /**
         * @throws IllegalStateException when no model was given
         * @throws org.kron4j.api.UnsupportedModelException when the variant cannot handle the model
         */
        public KroneckerOptimizer build() {
            if (model == null) {
                throw new IllegalStateException("an optimizer needs a model: call model(ModelSpec)");
            }
            SymmetricLinearAlgebra kernels = linearAlgebra != null ? linearAlgebra : LinearAlgebras.forCurrentBackend();
            UpdateChainFactory chains = chainFactory != null ? chainFactory : KroneckerOptimizer::defaultChain;
            return new KroneckerOptimizer(settings.build(), model, kernels, chains, refreshHooks, refreshRunner);
        }
    }
}
