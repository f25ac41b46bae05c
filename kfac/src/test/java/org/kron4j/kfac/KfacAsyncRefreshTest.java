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
        assertThat(RefreshRuns.firstDifference(awaited, synchronous)).isEmpty();
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


    /** Real kernels that fail every call once broken. */
    private static final class Breakable implements org.kron4j.api.linalg.SymmetricLinearAlgebra {
        private final org.kron4j.api.linalg.SymmetricLinearAlgebra real =
                org.kron4j.api.linalg.LinearAlgebras.forCurrentBackend();
        private volatile boolean broken;

        @Override
        public String name() {
            return "breakable";
        }

        @Override
        public org.kron4j.api.linalg.EigenDecomposition eigh(org.nd4j.linalg.api.ndarray.INDArray a) {
            return broken ? org.kron4j.api.linalg.EigenDecomposition.failed("forced") : real.eigh(a);
        }

        @Override
        public org.kron4j.api.linalg.SpdInverse spdInverse(org.nd4j.linalg.api.ndarray.INDArray a) {
            return broken ? org.kron4j.api.linalg.SpdInverse.failed("forced") : real.spdInverse(a);
        }
    }

    @ParameterizedTest
    @CsvSource({"FACTORED", "EIGEN"})
    void decompositionFailingInTheBackground_keepsLastGood_countedAtInstall(DampingMode mode) {
        Breakable kernels = new Breakable();
        Object[] inUse = new Object[1];
        long[] failuresBefore = new long[1];
        // refreshes at steps 0, 2, 4, 6: the kernels break before step 4's refresh
        Run run = RefreshRuns.train(model -> kfac(mode, false, 2, true, RefreshTestHooks.NONE).apply(model)
                .linearAlgebra(kernels), 8, 9, (t, optimizer) -> {
                    if (t == 4) {
                        optimizer.awaitRefresh(); // step 2's refresh, computed with working kernels, goes in
                        inUse[0] = decomposition(optimizer, mode);
                        failuresBefore[0] = optimizer.store().counters().failures();
                        kernels.broken = true;
                    }
                });
        KroneckerOptimizer optimizer = run.optimizer(); // train() saved: every refresh is installed
        assertThat(run.results()).allMatch(StepResult::applied);
        // the refreshes of steps 4 and 6 failed in the background: both factors of every layer, kept last good
        assertThat(optimizer.store().counters().count(org.kron4j.api.store.RefreshOutcome.KEPT_LAST_GOOD)
                - failuresBefore[0]).isEqualTo(2L * 2 * RefreshRuns.model().size());
        assertThat(decomposition(optimizer, mode)).isSameAs(inUse[0]);
        assertThat(optimizer.backgroundRefreshFailures()).isZero(); // the chain handled it: nothing threw
    }

    private static Object decomposition(KroneckerOptimizer optimizer, DampingMode mode) {
        var factor = ((org.kron4j.core.KfacBlock) optimizer.estimator().blocks().get(0)).factors().input();
        return mode == DampingMode.FACTORED ? factor.inverse().orElseThrow() : factor.eigenvectors().orElseThrow();
    }
}
