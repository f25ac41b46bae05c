package org.kron4j.shampoo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.kron4j.api.model.ModelSpec;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.optim.OptimizerSettings;
import org.kron4j.api.optim.RefreshTestHooks;
import org.kron4j.api.optim.StepResult;
import org.kron4j.testkit.refresh.RefreshRuns;

/**
 * Shampoo's inverse roots computed off the training thread: awaited, the synchronous run bit for
 * bit (both root methods); with real asynchrony, roots in use within one refresh of the schedule.
 */
class ShampooAsyncRefreshTest {

    private static Function<ModelSpec, KroneckerOptimizer.Builder> shampoo(RootMethod method, int tInv, boolean async,
            RefreshTestHooks hooks) {
        return model -> KroneckerOptimizer.builder(new ShampooApproximation()).model(model)
                .set(ShampooApproximation.ROOT_METHOD, method)
                .set(ShampooApproximation.START_PRECONDITIONING_STEP, 2).periods(1, tInv)
                .set(OptimizerSettings.ASYNC_REFRESH, async).refreshTestHooks(hooks);
    }

    @ParameterizedTest
    @CsvSource({"EIGEN", "COUPLED_NEWTON"})
    void awaitedBackgroundRefresh_reproducesSynchronousRun_bitForBit(RootMethod method) {
        var synchronous = RefreshRuns.train(shampoo(method, 3, false, RefreshTestHooks.NONE), 20, 7);
        var awaited = RefreshRuns.train(shampoo(method, 3, true, new RefreshTestHooks(true, () -> { })), 20, 7);
        assertThat(RefreshRuns.firstDifference(awaited, synchronous)).isEmpty();
    }

    @ParameterizedTest
    @CsvSource({"1", "3"})
    void realAsynchrony_staysWithinOneRefreshBehind(int tInv) {
        java.util.Random delays = new java.util.Random(5);
        RefreshTestHooks hooks = new RefreshTestHooks(false, () -> {
            try {
                Thread.sleep(delays.nextInt(4));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        var run = RefreshRuns.train(shampoo(RootMethod.EIGEN, tInv, true, hooks), 120, 3);
        for (StepResult result : run.results()) {
            assertThat(result.applied()).isTrue();
            assertThat(result.diagnostics().decompositionAge()).isBetween(0L, 2L * tInv - 1);
        }
        assertThat(((ShampooBlock) run.optimizer().estimator().blocks().get(0)).rootFailures()).isZero();
    }
}
