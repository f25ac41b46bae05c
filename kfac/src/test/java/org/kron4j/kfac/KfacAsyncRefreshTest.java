package org.kron4j.kfac;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.kron4j.api.model.ModelSpec;
import org.kron4j.api.optim.DampingMode;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.optim.OptimizerSettings;
import org.kron4j.api.optim.RefreshTestHooks;
import org.kron4j.api.optim.StepResult;
import org.kron4j.testkit.refresh.RefreshRuns;
import org.kron4j.testkit.refresh.RefreshRuns.Run;

/**
 * Asynchronous refresh of K-FAC (issue 15, test 1): with each background refresh awaited before
 * preconditioning the run is the synchronous one bit for bit; with real asynchrony and random
 * delays in the background, the decompositions in use are never more than one refresh behind.
 */
class KfacAsyncRefreshTest {

    private static Function<ModelSpec, KroneckerOptimizer.Builder> kfac(DampingMode mode, boolean adaptive, int tInv,
            boolean async, RefreshTestHooks hooks) {
        return model -> KroneckerOptimizer.builder(new KfacApproximation()).model(model).adaptive(adaptive)
                .set(OptimizerSettings.DAMPING_MODE, mode).periods(1, tInv)
                .set(OptimizerSettings.ASYNC_REFRESH, async).refreshTestHooks(hooks);
    }

    @ParameterizedTest
    @CsvSource({"FACTORED,false", "EIGEN,false", "FACTORED,true", "EIGEN,true"})
    void awaitedBackgroundRefresh_reproducesSynchronousRun_bitForBit(DampingMode mode, boolean adaptive) {
        Run synchronous = RefreshRuns.train(kfac(mode, adaptive, 3, false, RefreshTestHooks.NONE), 25, 7);
        Run awaited = RefreshRuns.train(kfac(mode, adaptive, 3, true, new RefreshTestHooks(true, () -> { })), 25, 7);
        assertThat(awaited.optimizer().asyncRefresh()).isTrue();
        assertSameRun(awaited, synchronous);
    }

    static void assertSameRun(Run actual, Run expected) {
        assertThat(actual.results()).hasSameSizeAs(expected.results());
        for (int t = 0; t < expected.results().size(); t++) {
            StepResult a = actual.results().get(t);
            StepResult e = expected.results().get(t);
            assertThat(a.applied()).as("step %d applied", t).isEqualTo(e.applied());
            assertThat(a.updates()).as("step %d updates", t).isEqualTo(e.updates());
            assertThat(a.diagnostics().damping()).as("step %d damping", t).isEqualTo(e.diagnostics().damping());
            assertThat(a.diagnostics().decompositionAge()).isEqualTo(e.diagnostics().decompositionAge());
        }
        assertThat(actual.parameters()).isEqualTo(expected.parameters());
        assertThat(actual.state()).isEqualTo(expected.state());
    }

    @ParameterizedTest
    @CsvSource({"FACTORED,1", "EIGEN,1", "FACTORED,3"})
    void realAsynchrony_withRandomDelays_staysWithinOneRefreshBehind(DampingMode mode, int tInv) {
        Random delays = new Random(11);
        RefreshTestHooks hooks = new RefreshTestHooks(false, () -> {
            try {
                Thread.sleep(delays.nextInt(4)); // 0-3 ms: sometimes done before the next step, sometimes not
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Run run = RefreshRuns.train(kfac(mode, false, tInv, true, hooks), 300, 3);
        long maxAge = 2L * tInv - 1;
        for (StepResult result : run.results()) {
            assertThat(result.applied()).isTrue();
            long age = result.diagnostics().decompositionAge();
            assertThat(age).as("step %d", result.step()).isBetween(0L, maxAge);
            assertThat(result.updates()).allMatch(u -> org.kron4j.api.support.NdArrays.isFinite(u));
        }
        // the first refresh is awaited: step 0 preconditions with its own decompositions
        assertThat(run.results().get(0).diagnostics().decompositionAge()).isZero();
        assertThat(run.optimizer().backgroundRefreshFailures()).isZero();
        assertThat(run.optimizer().store().counters().failures()).isZero();
        assertThat(run.optimizer().longestRefreshStallMillis()).isPositive();
        // some steps used decompositions a refresh old: the background really ran behind
        assertThat(run.results().stream().map(r -> r.diagnostics().decompositionAge()).filter(a -> a >= tInv))
                .isNotEmpty();
    }

    @ParameterizedTest
    @CsvSource({"FACTORED", "EIGEN"})
    void checkpointDuringABackgroundRefresh_waitsForIt_andIsNeverHalfSwapped(DampingMode mode) {
        RefreshTestHooks slow = new RefreshTestHooks(false, () -> {
            try {
                Thread.sleep(30);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Run run = RefreshRuns.train(kfac(mode, false, 4, true, slow), 9, 5); // a refresh in flight from step 8
        // train() saved at the end: the in-flight refresh was waited for and installed first, so saving
        // again (nothing in flight) writes the same bytes
        assertThat(run.optimizer().stateBytes()).isEqualTo(run.state());
        KroneckerOptimizer restored = kfac(mode, false, 4, true, slow).apply(RefreshRuns.model()).build();
        restored.restore(new java.io.ByteArrayInputStream(run.state()));
        assertThat(restored.stateBytes()).isEqualTo(run.state());
    }

}
