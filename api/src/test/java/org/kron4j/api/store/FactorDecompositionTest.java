package org.kron4j.api.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.kron4j.api.linalg.LinearAlgebras;
import org.kron4j.api.refresh.RefreshResult;
import org.kron4j.api.testing.SwitchableLinearAlgebra;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/** The store's fallback chain split into a pure computation from a snapshot and an install. */
class FactorDecompositionTest {
    private SwitchableLinearAlgebra kernels;
    private FactorStore store;
    private SymmetricFactor factor;

    @BeforeEach
    void setUp() {
        kernels = new SwitchableLinearAlgebra(LinearAlgebras.forCurrentBackend());
        store = new FactorStore(Precision.FLOAT, Precision.DOUBLE, 0.9, kernels);
        factor = store.symmetricFactor("layer", "A", 3);
        factor.absorb(Nd4j.create(new double[][] {{4, 1, 0}, {1, 3, 1}, {0, 1, 2}}).castTo(DataType.FLOAT), 1);
    }

    @Test
    void inverseOnAnotherThread_thenInstall_equalsRefreshInverse() {
        SymmetricFactor other = store.symmetricFactor("layer", "B", 3);
        other.absorb(factor.average(), 1);
        other.refreshInverse(0.1);
        FactorSnapshot snapshot = factor.snapshot();
        FactorDecomposition computed = CompletableFuture.supplyAsync(
                () -> FactorDecomposition.inverse(snapshot, 0.1, kernels)).join();
        assertThat(factor.inverse()).isEmpty();
        assertThat(factor.install(computed)).isEqualTo(RefreshOutcome.FRESH);
        assertThat(factor.inverse().orElseThrow()).isEqualTo(other.inverse().orElseThrow());
        assertThat(factor.inverseDamping()).isEqualTo(0.1);
    }

    @Test
    void snapshot_isACopy() {
        FactorSnapshot snapshot = factor.snapshot();
        factor.absorb(Nd4j.eye(3).castTo(DataType.FLOAT), 1);
        assertThat(snapshot.average().getDouble(0, 0)).isEqualTo(4.0);
        assertThat(factor.average().getDouble(0, 0)).isNotEqualTo(4.0);
    }

    @Test
    void failedDecomposition_installKeepsLastGood_countsAndLeavesItBitIdentical() {
        factor.refreshEigen();
        var vectors = factor.eigenvectors().orElseThrow();
        kernels.failAlways();
        FactorDecomposition failed = FactorDecomposition.eigen(factor.snapshot(), kernels);
        assertThat(failed.succeeded()).isFalse();
        assertThat(failed.failures()).hasSize(2); // configured precision, then the other one
        long before = store.counters().count(RefreshOutcome.KEPT_LAST_GOOD);
        assertThat(factor.install(failed)).isEqualTo(RefreshOutcome.KEPT_LAST_GOOD);
        assertThat(store.counters().count(RefreshOutcome.KEPT_LAST_GOOD)).isEqualTo(before + 1);
        assertThat(factor.eigenvectors().orElseThrow()).isSameAs(vectors);
    }

    @Test
    void failedBeforeAnySuccess_isNoneAvailable() {
        kernels.failAlways();
        assertThat(factor.install(FactorDecomposition.inverse(factor.snapshot(), 0.1, kernels)))
                .isEqualTo(RefreshOutcome.NONE_AVAILABLE);
        assertThat(factor.inverse()).isEmpty();
    }

    @Test
    void refreshResultRoundTrip_keepsArraysOutcomeAndDamping() {
        FactorDecomposition inverse = FactorDecomposition.inverse(factor.snapshot(), 0.25, kernels);
        FactorDecomposition eigen = FactorDecomposition.eigen(factor.snapshot(), kernels);
        RefreshResult.Builder builder = RefreshResult.builder("layer");
        inverse.writeTo(builder, "A.");
        eigen.writeTo(builder, "B.");
        RefreshResult result = builder.build();
        FactorDecomposition readInverse = FactorDecomposition.readFrom(result, "A.");
        FactorDecomposition readEigen = FactorDecomposition.readFrom(result, "B.");
        assertThat(readInverse.inverse()).isEqualTo(inverse.inverse());
        assertThat(readInverse.inverseDamping()).isEqualTo(0.25);
        assertThat(readInverse.outcome()).contains(RefreshOutcome.FRESH);
        assertThat(readEigen.eigenvectors()).isEqualTo(eigen.eigenvectors());
        assertThat(readEigen.kind()).isEqualTo(FactorDecomposition.Kind.EIGEN);
        assertThatThrownBy(() -> FactorDecomposition.readFrom(result, "C."))
                .hasMessageContaining("no decomposition 'C.'");
    }

    @Test
    void installOfWrongShape_isRefused() {
        SymmetricFactor small = store.symmetricFactor("layer", "S", 2);
        small.absorb(Nd4j.eye(2).castTo(DataType.FLOAT), 1);
        FactorDecomposition two = FactorDecomposition.inverse(small.snapshot(), 0.1, kernels);
        assertThatThrownBy(() -> factor.install(two)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("layer/A");
    }
}
