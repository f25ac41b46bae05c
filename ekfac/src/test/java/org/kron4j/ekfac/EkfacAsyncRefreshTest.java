package org.kron4j.ekfac;

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
 * EKFAC's eigenbasis refresh in the background (its scalings stay synchronous per step): awaited,
 * it reproduces the synchronous run bit for bit; with real asynchrony the basis in use stays
 * within one refresh of the synchronous schedule.
 */
class EkfacAsyncRefreshTest {

    private static Function<ModelSpec, KroneckerOptimizer.Builder> ekfac(boolean adaptive, int tInv, boolean async,
            RefreshTestHooks hooks) {
        return model -> KroneckerOptimizer.builder(new EkfacApproximation()).model(model).adaptive(adaptive)
                .periods(1, tInv).set(OptimizerSettings.ASYNC_REFRESH, async).refreshTestHooks(hooks);
    }

    @ParameterizedTest
    @CsvSource({"false", "true"})
    void awaitedBackgroundRefresh_reproducesSynchronousRun_bitForBit(boolean adaptive) {
        var synchronous = RefreshRuns.train(ekfac(adaptive, 3, false, RefreshTestHooks.NONE), 25, 7);
        var awaited = RefreshRuns.train(ekfac(adaptive, 3, true, new RefreshTestHooks(true, () -> { })), 25, 7);
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
        var run = RefreshRuns.train(ekfac(false, tInv, true, hooks), 150, 3);
        for (StepResult result : run.results()) {
            assertThat(result.applied()).isTrue();
            assertThat(result.diagnostics().decompositionAge()).isBetween(0L, 2L * tInv - 1);
        }
        assertThat(run.optimizer().store().counters().failures()).isZero();
    }
}
