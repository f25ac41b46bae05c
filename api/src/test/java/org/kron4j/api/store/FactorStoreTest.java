package org.kron4j.api.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import org.kron4j.api.checkpoint.StateReader;
import org.kron4j.api.checkpoint.StateWriter;
import org.kron4j.api.linalg.LinearAlgebras;
import org.kron4j.api.testing.SwitchableLinearAlgebra;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class FactorStoreTest {
    private SwitchableLinearAlgebra kernels;

    @BeforeEach
    void setUp() {
        kernels = new SwitchableLinearAlgebra(LinearAlgebras.forCurrentBackend());
    }

    private FactorStore store(Precision storage, Precision decomposition, double decay) {
        return new FactorStore(storage, decomposition, decay, kernels);
    }

    private static INDArray matrix(double[][] values) {
        return Nd4j.create(values);
    }

    private static byte[] bytesOf(FactorStore store) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (StateWriter writer = new StateWriter(out)) {
            store.write(writer, "");
        }
        return out.toByteArray();
    }

    @Test
    void constructor_decayOutOfRange_namesSetting() {
        assertThatThrownBy(() -> store(Precision.DOUBLE, Precision.DOUBLE, 0.0))
                .hasMessage("statisticsDecay must be in (0, 1], got 0.0");
    }

    @Test
    void absorb_first_setsAverageToBatchMean() {
        SymmetricFactor f = store(Precision.DOUBLE, Precision.DOUBLE, 0.95).symmetricFactor("l", "A", 2);
        f.absorb(matrix(new double[][] {{4, 2}, {2, 6}}), 2);
        assertThat(f.average().toDoubleMatrix()).isDeepEqualTo(new double[][] {{2, 1}, {1, 3}});
        assertThat(f.absorbed()).isEqualTo(1);
    }

    @Test
    void absorb_weights_areMaxOfOneMinusDecayAndOneOverK() {
        // decay 0.5: weights 1, 1/2, 1/2 -> 0.25 M1 + 0.25 M2 + 0.5 M3 (exact in binary floating point)
        SymmetricFactor f = store(Precision.DOUBLE, Precision.DOUBLE, 0.5).symmetricFactor("l", "A", 1);
        f.absorb(matrix(new double[][] {{4}}), 1);
        f.absorb(matrix(new double[][] {{8}}), 1);
        f.absorb(matrix(new double[][] {{16}}), 1);
        assertThat(f.average().getDouble(0, 0)).isEqualTo(0.25 * 4 + 0.25 * 8 + 0.5 * 16);
    }

    @Test
    void absorb_decayOne_keepsRunningMean() {
        SymmetricFactor f = store(Precision.DOUBLE, Precision.DOUBLE, 1.0).symmetricFactor("l", "A", 1);
        for (double v : new double[] {3, 6, 9, 12}) {
            f.absorb(matrix(new double[][] {{v}}), 1);
        }
        // running mean 7.5; the recursive update rounds once per step, so allow a few ulps
        assertThat(f.average().getDouble(0, 0)).isCloseTo(7.5, org.assertj.core.data.Offset.offset(1e-12));
    }

    @Test
    void absorb_doesNotModifyItsInput() {
        SymmetricFactor f = store(Precision.FLOAT, Precision.DOUBLE, 0.9).symmetricFactor("l", "A", 2);
        INDArray sum = matrix(new double[][] {{4, 2}, {2, 6}}).castTo(DataType.FLOAT);
        INDArray copy = sum.dup();
        f.absorb(sum, 2);
        assertThat(sum).isEqualTo(copy);
    }

    @Test
    void absorb_wrongShape_namesFactor() {
        SymmetricFactor f = store(Precision.FLOAT, Precision.DOUBLE, 0.9).symmetricFactor("layer3", "G", 2);
        assertThatThrownBy(() -> f.absorb(Nd4j.zeros(3, 3), 1)).hasMessageContaining("layer3/G: expected a 2x2 sum");
    }

    @Test
    void refreshInverse_fresh_invertsDampedAverage() {
        SymmetricFactor f = store(Precision.DOUBLE, Precision.DOUBLE, 0.95).symmetricFactor("l", "A", 2);
        f.absorb(matrix(new double[][] {{2, 1}, {1, 3}}), 1);
        assertThat(f.refreshInverse(1.0)).isEqualTo(RefreshOutcome.FRESH);
        // (F + I) = [[3,1],[1,4]], inverse = [[4,-1],[-1,3]] / 11; LAPACK in float64 is accurate to ~1e-15
        INDArray expected = matrix(new double[][] {{4, -1}, {-1, 3}}).divi(11);
        assertThat(f.inverse().orElseThrow().equalsWithEps(expected, 1e-14)).isTrue();
        assertThat(f.inverseDamping()).isEqualTo(1.0);
    }

    @Test
    void refreshInverse_configuredPrecisionFails_retriesInDouble() {
        FactorStore store = store(Precision.FLOAT, Precision.FLOAT, 0.95);
        SymmetricFactor f = store.symmetricFactor("l", "A", 2);
        f.absorb(matrix(new double[][] {{2, 1}, {1, 3}}), 1);
        kernels.failWhen(a -> a.dataType() == DataType.FLOAT);
        assertThat(f.refreshInverse(1.0)).isEqualTo(RefreshOutcome.RETRIED_IN_DOUBLE);
        assertThat(kernels.seen()).extracting(INDArray::dataType).containsExactly(DataType.FLOAT, DataType.DOUBLE);
        assertThat(f.inverse()).isPresent();
        assertThat(f.inverse().orElseThrow().dataType()).isEqualTo(DataType.FLOAT);
        assertThat(store.counters().count(RefreshOutcome.RETRIED_IN_DOUBLE)).isEqualTo(1);
    }

    @Test
    void refreshInverse_float64Fails_retriesInFloat() {
        FactorStore store = store(Precision.DOUBLE, Precision.DOUBLE, 0.95);
        SymmetricFactor f = store.symmetricFactor("l", "A", 2);
        f.absorb(matrix(new double[][] {{2, 1}, {1, 3}}), 1);
        kernels.failWhen(a -> a.dataType() == DataType.DOUBLE);
        assertThat(f.refreshInverse(1.0)).isEqualTo(RefreshOutcome.RETRIED_IN_FLOAT);
        assertThat(kernels.seen()).extracting(INDArray::dataType).containsExactly(DataType.DOUBLE, DataType.FLOAT);
        // the float32 inverse of [[3,1],[1,4]]: [[4,-1],[-1,3]]/11 to float32 rounding
        INDArray expected = matrix(new double[][] {{4, -1}, {-1, 3}}).divi(11);
        assertThat(f.inverse().orElseThrow().equalsWithEps(expected, 1e-6)).isTrue();
        assertThat(f.inverse().orElseThrow().dataType()).isEqualTo(DataType.DOUBLE);
    }

    @Test
    void refreshInverse_failsAtRequestedDamping_raisesIt() {
        FactorStore store = store(Precision.DOUBLE, Precision.DOUBLE, 0.95);
        SymmetricFactor f = store.symmetricFactor("l", "A", 2);
        f.absorb(matrix(new double[][] {{1, 0}, {0, 1}}), 1);
        // accept only matrices whose smallest diagonal entry exceeds 1 + 1e-3: damping must grow past 1e-3
        kernels.failWhen(a -> Math.min(a.getDouble(0, 0), a.getDouble(1, 1)) <= 1 + 1e-3);
        assertThat(f.refreshInverse(1e-4)).isEqualTo(RefreshOutcome.RAISED_DAMPING);
        assertThat(f.inverseDamping()).isGreaterThan(1e-3);
        double expected = 1.0 / (1.0 + f.inverseDamping());
        assertThat(f.inverse().orElseThrow().getDouble(0, 0)).isCloseTo(expected,
                org.assertj.core.data.Offset.offset(1e-14));
    }

    @Test
    void refreshInverse_everyAttemptFails_keepsLastGoodBitIdentical() {
        FactorStore store = store(Precision.FLOAT, Precision.FLOAT, 0.95);
        SymmetricFactor f = store.symmetricFactor("l", "A", 2);
        f.absorb(matrix(new double[][] {{2, 1}, {1, 3}}), 1);
        f.refreshInverse(0.1);
        byte[] before = bytesOf(store);
        INDArray inverseBefore = f.inverse().orElseThrow().dup();
        kernels.failAlways();
        assertThat(f.refreshInverse(0.1)).isEqualTo(RefreshOutcome.KEPT_LAST_GOOD);
        assertThat(bytesOf(store)).isEqualTo(before);
        assertThat(f.inverse().orElseThrow()).isEqualTo(inverseBefore);
        assertThat(store.counters().failures()).isEqualTo(1);
        // float32, then float64, then three raised dampings
        assertThat(kernels.seen()).hasSize(1 + 5);
    }

    @Test
    void refreshInverse_failsBeforeAnySuccess_noneAvailable() {
        FactorStore store = store(Precision.DOUBLE, Precision.DOUBLE, 0.95);
        SymmetricFactor f = store.symmetricFactor("l", "A", 2);
        kernels.failAlways();
        assertThat(f.refreshInverse(0.1)).isEqualTo(RefreshOutcome.NONE_AVAILABLE);
        assertThat(f.inverse()).isEmpty();
    }

    @Test
    void refreshInverse_negativeDamping_rejected() {
        SymmetricFactor f = store(Precision.DOUBLE, Precision.DOUBLE, 0.95).symmetricFactor("l", "A", 2);
        assertThatThrownBy(() -> f.refreshInverse(-1)).hasMessage("damping must be in [0, ∞), got -1.0");
    }

    @Test
    void refreshEigen_knownSpectrum_ascendingAndReconstructs() {
        SymmetricFactor f = store(Precision.DOUBLE, Precision.DOUBLE, 0.95).symmetricFactor("l", "A", 2);
        f.absorb(matrix(new double[][] {{2, 1}, {1, 2}}), 1); // eigenvalues 1 and 3
        assertThat(f.refreshEigen()).isEqualTo(RefreshOutcome.FRESH);
        INDArray values = f.eigenvalues().orElseThrow();
        INDArray vectors = f.eigenvectors().orElseThrow();
        assertThat(values.toDoubleVector()).containsExactly(new double[] {1, 3},
                org.assertj.core.data.Offset.offset(1e-14));
        INDArray rebuilt = vectors.mmul(Nd4j.diag(values)).mmul(vectors.transpose());
        assertThat(rebuilt.equalsWithEps(f.average(), 1e-14)).isTrue();
    }

    @Test
    void refreshEigen_clearlyIndefinite_rejectedKeepsLastGood() {
        FactorStore store = store(Precision.DOUBLE, Precision.DOUBLE, 0.5);
        SymmetricFactor f = store.symmetricFactor("l", "A", 2);
        f.absorb(matrix(new double[][] {{2, 0}, {0, 1}}), 1);
        f.refreshEigen();
        INDArray vectorsBefore = f.eigenvectors().orElseThrow().dup();
        // corrupt the average into an indefinite matrix: eigenvalue -1 against 2 is far past rounding
        f.absorb(matrix(new double[][] {{2, 0}, {0, -3}}), 1);
        assertThat(f.refreshEigen()).isEqualTo(RefreshOutcome.KEPT_LAST_GOOD);
        assertThat(f.eigenvectors().orElseThrow()).isEqualTo(vectorsBefore);
        assertThat(f.eigenvalues().orElseThrow().toDoubleVector()).containsExactly(1, 2);
    }

    @Test
    void refreshEigen_roundingNegative_clippedToZero() {
        SymmetricFactor f = store(Precision.DOUBLE, Precision.DOUBLE, 0.95).symmetricFactor("l", "A", 2);
        f.absorb(matrix(new double[][] {{1, 0}, {0, -1e-9}}), 1);
        assertThat(f.refreshEigen()).isEqualTo(RefreshOutcome.FRESH);
        assertThat(f.eigenvalues().orElseThrow().minNumber().doubleValue()).isEqualTo(0.0);
    }

    @Test
    void bytes_countAveragesAndDecompositionsPerBlock() {
        FactorStore store = store(Precision.FLOAT, Precision.DOUBLE, 0.95);
        SymmetricFactor a = store.symmetricFactor("l0", "A", 3);
        store.symmetricFactor("l0", "G", 2);
        store.array("l1", "state", 5);
        assertThat(store.bytes()).isEqualTo((9 + 4 + 5) * 4L);
        a.absorb(Nd4j.eye(3), 1);
        a.refreshInverse(0);
        a.refreshEigen();
        assertThat(store.bytes("l0")).isEqualTo((9 + 9 + 9 + 3 + 4) * 4L);
        assertThat(store.bytesByBlock()).containsExactly(
                java.util.Map.entry("l0", (9 + 9 + 9 + 3 + 4) * 4L), java.util.Map.entry("l1", 20L));
    }

    @Test
    void register_sameKeyTwice_rejected() {
        FactorStore store = store(Precision.FLOAT, Precision.DOUBLE, 0.95);
        store.symmetricFactor("l0", "A", 3);
        assertThatThrownBy(() -> store.array("l0", "A", 3)).hasMessage("the store already holds 'l0/A'");
    }

    @Test
    void writeRead_roundTrip_restoresEverything() {
        FactorStore first = store(Precision.FLOAT, Precision.DOUBLE, 0.9);
        SymmetricFactor a = first.symmetricFactor("l0", "A", 2);
        StateArray s = first.array("l0", "S", 2, 3);
        a.absorb(matrix(new double[][] {{2, 1}, {1, 3}}), 1);
        a.refreshInverse(0.5);
        a.refreshEigen();
        s.assign(Nd4j.linspace(1, 6, 6).reshape(2, 3));
        byte[] saved = bytesOf(first);

        FactorStore second = store(Precision.FLOAT, Precision.DOUBLE, 0.9);
        SymmetricFactor b = second.symmetricFactor("l0", "A", 2);
        second.array("l0", "S", 2, 3);
        second.read(StateReader.read(new ByteArrayInputStream(saved)), "");
        assertThat(bytesOf(second)).isEqualTo(saved);
        assertThat(b.absorbed()).isEqualTo(1);
        assertThat(b.inverseDamping()).isEqualTo(0.5);
    }
}
