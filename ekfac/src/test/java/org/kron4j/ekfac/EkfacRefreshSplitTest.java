package org.kron4j.ekfac;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.kron4j.api.BlockStatistics;
import org.kron4j.api.linalg.LinearAlgebras;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.refresh.RefreshJob;
import org.kron4j.api.store.FactorStore;
import org.kron4j.api.store.Precision;
import org.kron4j.core.DenseStatistics;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * EKFAC's eigenbasis refresh through the refresh API: computed on another thread (eigenbases and
 * squared overlaps), installed with the scalings restated, bit for bit as the synchronous refresh;
 * scalings absorbed between prepare and install are rotated at install, as the synchronous
 * refresh at that moment would rotate them.
 */
class EkfacRefreshSplitTest {
    private static final LayerSpec LAYER = LayerSpec.dense("hidden", 6, 4, true, Activation.TANH);

    private static EkfacBlock block(ScalingsAfterRefresh after) {
        FactorStore store = new FactorStore(Precision.FLOAT, Precision.DOUBLE, 0.9, LinearAlgebras.forCurrentBackend());
        return new EkfacBlock(LAYER, store, DenseStatistics::new, after);
    }

    private static BlockStatistics statistics(long seed, boolean scalings) {
        Nd4j.getRandom().setSeed(seed);
        INDArray inputs = Nd4j.randn(DataType.FLOAT, 10, LAYER.augmentedInputs());
        INDArray outputs = Nd4j.randn(DataType.FLOAT, 10, LAYER.outputs());
        Map<String, INDArray> sums = new LinkedHashMap<>();
        sums.put("A", inputs.transpose().mmul(inputs));
        sums.put("G", outputs.transpose().mmul(outputs));
        if (scalings) {
            sums.put(EkfacBlock.SCALINGS, Nd4j.rand(DataType.FLOAT, LAYER.gradientShape()).muli(10));
        }
        return BlockStatistics.of(10, sums);
    }

    private static INDArray[] state(EkfacBlock block) {
        return new INDArray[] {block.factors().input().eigenvectors().orElseThrow(),
                block.factors().output().eigenvectors().orElseThrow(), block.scalings()};
    }

    @ParameterizedTest
    @EnumSource(ScalingsAfterRefresh.class)
    void installOfJobComputedOnAnotherThread_equalsRefresh_bitForBit(ScalingsAfterRefresh after) {
        EkfacBlock synchronous = block(after);
        EkfacBlock split = block(after);
        for (long seed = 1; seed <= 3; seed++) {
            BlockStatistics statistics = statistics(seed, seed > 1);
            synchronous.absorb(statistics);
            split.absorb(statistics);
            synchronous.refresh(1e-2);
            RefreshJob job = split.prepareRefresh(1e-2);
            split.install(CompletableFuture.supplyAsync(job::compute).join());
            assertThat(state(split)).isEqualTo(state(synchronous));
        }
    }

    @org.junit.jupiter.api.Test
    void scalingsAbsorbedWhileTheJobRuns_areRotatedAtInstall() {
        EkfacBlock split = block(ScalingsAfterRefresh.ROTATE);
        split.absorb(statistics(1, false));
        split.refresh(1e-2);
        split.absorb(statistics(2, true));
        RefreshJob job = split.prepareRefresh(1e-2);
        split.absorb(statistics(3, true)); // S moves on in the old basis while the job runs
        INDArray oldInput = split.factors().input().eigenvectors().orElseThrow().dup();
        INDArray oldOutput = split.factors().output().eigenvectors().orElseThrow().dup();
        INDArray scalingsAtInstall = split.scalings().dup();
        split.install(job.compute());
        INDArray expected = EkfacBlock.rotate(scalingsAtInstall,
                EkfacBlock.squaredOverlap(split.factors().output().eigenvectors().orElseThrow(), oldOutput),
                EkfacBlock.squaredOverlap(split.factors().input().eigenvectors().orElseThrow(), oldInput));
        // the same float32 products in the same order: equal bit for bit
        assertThat(split.scalings()).isEqualTo(expected);
        assertThat(split.scalings()).isNotEqualTo(scalingsAtInstall);
    }
}
