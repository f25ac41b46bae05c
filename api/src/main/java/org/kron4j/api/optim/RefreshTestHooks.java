package org.kron4j.api.optim;

import java.util.Objects;

/**
 * Hooks into asynchronous refresh for tests ({@link KroneckerOptimizer.Builder#refreshTestHooks}).
 * Production code leaves them at {@link #NONE}.
 *
 * @param awaitEachRefresh when true, a refresh step waits for its own background job and installs
 *                         the result before preconditioning: the synchronous schedule, with every
 *                         decomposition still computed on the background thread from snapshots
 * @param beforeCompute    runs on the background thread before each refresh's computation (to
 *                         inject delays or failures: an exception it throws is a failed background
 *                         refresh)
 */
public record RefreshTestHooks(boolean awaitEachRefresh, Runnable beforeCompute) {
    /** No hooks. */
    public static final RefreshTestHooks NONE = new RefreshTestHooks(false, () -> { });

    public RefreshTestHooks {
        Objects.requireNonNull(beforeCompute, "beforeCompute");
    }
}
