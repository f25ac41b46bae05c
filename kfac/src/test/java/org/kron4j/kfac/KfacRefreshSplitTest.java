package org.kron4j.kfac;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.kron4j.api.BlockStatistics;
import org.kron4j.api.linalg.LinearAlgebras;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.optim.DampingMode;
import org.kron4j.api.refresh.RefreshJob;
import org.kron4j.api.refresh.RefreshResult;
import org.kron4j.api.store.FactorStore;
import org.kron4j.api.store.Precision;
import org.kron4j.core.DenseStatistics;
import org.kron4j.core.KfacBlock;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The refresh API's contract on K-FAC blocks: {@code install(prepareRefresh(λ).compute())}, with
 * compute on another thread, equals {@code refresh(λ)} bit for bit, and a job computes from its
 * snapshot whatever the block absorbs meanwhile.
 */
class KfacRefreshSplitTest {
    private static final LayerSpec LAYER = LayerSpec.dense("hidden", 6, 4, true, Activation.TANH);

    private static KfacBlock block(DampingMode mode) {
        FactorStore store = new FactorStore(Precision.FLOAT, Precision.DOUBLE, 0.9, LinearAlgebras.forCurrentBackend());
        return KfacBlock.create(LAYER, store, DenseStatistics::new, mode);
    }

    /** Σ x xᵀ of B random rows for A ((n+1)²) and G (m²), count B. */
    private static BlockStatistics statistics(long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray inputs = Nd4j.randn(DataType.FLOAT, 10, LAYER.augmentedInputs());
        INDArray outputs = Nd4j.randn(DataType.FLOAT, 10, LAYER.outputs());
        return BlockStatistics.of(10, Map.of("A", inputs.transpose().mmul(inputs), "G",
                outputs.transpose().mmul(outputs)));
    }

    private static INDArray[] decompositions(KfacBlock block) {
        if (block.dampingMode() == DampingMode.FACTORED) {
            return new INDArray[] {block.factors().input().inverse().orElseThrow(),
                    block.factors().output().inverse().orElseThrow()};
        }
        return new INDArray[] {block.factors().input().eigenvalues().orElseThrow(),
                block.factors().input().eigenvectors().orElseThrow(),
                block.factors().output().eigenvalues().orElseThrow(),
                block.factors().output().eigenvectors().orElseThrow()};
    }

    @ParameterizedTest
    @EnumSource(DampingMode.class)
    void installOfJobComputedOnAnotherThread_equalsRefresh_bitForBit(DampingMode mode) {
        KfacBlock synchronous = block(mode);
        KfacBlock split = block(mode);
        for (long seed = 1; seed <= 3; seed++) {
            synchronous.absorb(statistics(seed));
            split.absorb(statistics(seed));
            synchronous.refresh(1e-2 * seed);
            RefreshJob job = split.prepareRefresh(1e-2 * seed);
            RefreshResult result = CompletableFuture.supplyAsync(job::compute).join();
            split.install(result);
            assertThat(decompositions(split)).isEqualTo(decompositions(synchronous));
            assertThat(split.dampingInUse()).isEqualTo(synchronous.dampingInUse());
        }
    }

    @ParameterizedTest
    @EnumSource(DampingMode.class)
    void job_computesFromItsSnapshot_notFromStatisticsAbsorbedAfterIt(DampingMode mode) {
        KfacBlock reference = block(mode);
        KfacBlock split = block(mode);
        reference.absorb(statistics(1));
        split.absorb(statistics(1));
        RefreshJob job = split.prepareRefresh(1e-2);
        split.absorb(statistics(2)); // lands in the averages while the job would be running
        reference.refresh(1e-2);
        split.install(job.compute());
        assertThat(decompositions(split)).isEqualTo(decompositions(reference));
    }

    @ParameterizedTest
    @EnumSource(DampingMode.class)
    void result_holdsNamedArraysOnly_inStoragePrecision(DampingMode mode) {
        KfacBlock block = block(mode);
        block.absorb(statistics(1));
        RefreshResult result = block.prepareRefresh(1e-2).compute();
        assertThat(result.block()).isEqualTo("hidden");
        assertThat(result.arrays().keySet()).containsExactlyElementsOf(mode == DampingMode.FACTORED
                ? java.util.List.of("A.inverse", "G.inverse")
                : java.util.List.of("A.eigenvalues", "A.eigenvectors", "G.eigenvalues", "G.eigenvectors"));
        assertThat(result.arrays().values()).allMatch(a -> a.dataType() == DataType.FLOAT);
        assertThat(result.text("A.outcome")).contains("FRESH");
        // nothing installed until install: the block still has no decomposition
        assertThat(block.factors().input().inverse()).isEmpty();
        assertThat(block.factors().input().eigenvectors()).isEmpty();
    }
}
