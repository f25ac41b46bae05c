package org.kron4j.api.optim;

import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.kron4j.api.CurvatureEstimator;
import org.kron4j.api.refresh.RefreshJob;
import org.kron4j.api.refresh.RefreshResult;
import org.kron4j.api.store.DecompositionCounters;
import org.kron4j.api.store.RefreshOutcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The driver's asynchronous refresh: at most one refresh in flight on one named daemon thread,
 * computed from the jobs' snapshots while steps go on with the decompositions in use, and
 * installed by the training thread only, between steps, all blocks in one call.
 *
 * <p>Not thread-safe: the optimizer's thread calls every method; only the jobs' {@code compute}
 * runs on the background thread, and it reads nothing but the jobs' own copies.
 */
final class BackgroundRefresh {
    private static final Logger LOG = LoggerFactory.getLogger(BackgroundRefresh.class);
    private static final AtomicInteger THREADS = new AtomicInteger();

    /** A refresh in flight: the step whose averages it snapshotted, and its computation. */
    private record Pending(long snapshotStep, Future<List<RefreshResult>> results) {
    }

    private final RefreshTestHooks hooks;
    private final DecompositionCounters counters;
    private ExecutorService executor;
    private Pending pending;
    private long waits;
    private long failures;

    BackgroundRefresh(RefreshTestHooks hooks, DecompositionCounters counters) {
        this.hooks = hooks;
        this.counters = counters;
    }

    private ExecutorService executor() {
        if (executor == null) {
            ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                    work -> {
                        Thread thread = new Thread(work, "kron4j-refresh-" + THREADS.incrementAndGet());
                        thread.setDaemon(true);
                        return thread;
                    });
            pool.allowCoreThreadTimeOut(true); // no thread lingers while no refresh is running
            executor = pool;
        }
        return executor;
    }

    boolean hasPending() {
        return pending != null;
    }

    /** The step whose averages the refresh in flight snapshotted. */
    long pendingSnapshotStep() {
        return pending.snapshotStep();
    }

    /** Submits the jobs of one refresh; none may be in flight. */
    void submit(List<RefreshJob> jobs, long snapshotStep) {
        if (pending != null) {
            throw new IllegalStateException("a refresh is already in flight (snapshot of step " + pending.snapshotStep()
                    + ")");
        }
        Runnable before = hooks.beforeCompute();
        pending = new Pending(snapshotStep, executor().submit(() -> {
            before.run();
            return RefreshJob.computeAll(jobs);
        }));
    }

    /**
     * Waits for the refresh in flight and installs it through {@code estimator}; a computation that
     * threw is logged and counted (the decompositions in use stay). Clears the refresh in flight
     * either way.
     *
     * @return the snapshot step of the installed results; -1 when the computation failed
     */
    long awaitAndInstall(CurvatureEstimator estimator, boolean countWait) {
        Pending current = pending;
        pending = null;
        if (countWait && !current.results().isDone()) {
            waits++;
        }
        List<RefreshResult> results;
        try {
            results = awaitUninterruptibly(current.results());
        } catch (ExecutionException | CancellationException e) {
            failures++;
            counters.record(RefreshOutcome.KEPT_LAST_GOOD);
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            LOG.error("the background refresh of step {} failed; keeping the decompositions in use",
                    current.snapshotStep(), cause);
            return -1;
        }
        estimator.install(results);
        return current.snapshotStep();
    }

    private static <T> T awaitUninterruptibly(Future<T> future) throws ExecutionException {
        boolean interrupted = false;
        try {
            while (true) {
                try {
                    return future.get();
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Drops the refresh in flight, if any, without installing it (its snapshot no longer matches the state). */
    void discard() {
        if (pending != null) {
            pending.results().cancel(false);
            pending = null;
        }
    }

    /** Times a due refresh found the previous one still running and the training thread waited. */
    long waits() {
        return waits;
    }

    /** Background computations that threw (not decomposition failures: the store's chain handles those). */
    long failures() {
        return failures;
    }

    boolean awaitEachRefresh() {
        return hooks.awaitEachRefresh();
    }
}
