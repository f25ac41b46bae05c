package org.kron4j.kfra;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.Function;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.kron4j.api.model.ModelSpec;
import org.kron4j.api.optim.DampingMode;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.optim.OptimizerSettings;
import org.kron4j.api.optim.RefreshTestHooks;
import org.kron4j.testkit.refresh.RefreshRuns;

/** KFRA's refresh (K-FAC's, on the recursion's H̄) in the background, awaited: the synchronous run bit for bit. */
class KfraAsyncRefreshTest {

    private static Function<ModelSpec, KroneckerOptimizer.Builder> kfra(DampingMode mode, boolean async,
            RefreshTestHooks hooks) {
        return model -> KroneckerOptimizer.builder(new KfraApproximation()).model(model).adaptive(false)
                .set(OptimizerSettings.DAMPING_MODE, mode).periods(1, 3)
                .set(OptimizerSettings.ASYNC_REFRESH, async).refreshTestHooks(hooks);
    }

    @ParameterizedTest
    @CsvSource({"FACTORED", "EIGEN"})
    void awaitedBackgroundRefresh_reproducesSynchronousRun_bitForBit(DampingMode mode) {
        var synchronous = RefreshRuns.train(kfra(mode, false, RefreshTestHooks.NONE), 20, 7);
        var awaited = RefreshRuns.train(kfra(mode, true, new RefreshTestHooks(true, () -> { })), 20, 7);
        assertThat(RefreshRuns.firstDifference(awaited, synchronous)).isEmpty();
    }
}
