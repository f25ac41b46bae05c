package org.kron4j.api.linalg;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

class LinearAlgebrasTest {

    @Test
    void forCurrentBackend_cpuBackendWithOpenBlas_choosesLapackOnce() {
        // test class path: nd4j-native (CpuBackend) and org.bytedeco:openblas with natives
        assertThat(Nd4j.getBackend().getClass().getName()).isEqualTo(LinearAlgebras.CPU_BACKEND);

        SymmetricLinearAlgebra chosen = LinearAlgebras.forCurrentBackend();

        assertThat(chosen.name()).isEqualTo("lapack");
        assertThat(chosen).isInstanceOf(LapackSymmetricLinearAlgebra.class);
        assertThat(LinearAlgebras.forCurrentBackend()).isSameAs(chosen);
    }

    @Test
    void lapack_onCpuBackend_isAvailable() {
        assertThat(LinearAlgebras.isLapackAvailable()).isTrue();
        assertThat(LinearAlgebras.lapack().name()).isEqualTo("lapack");
        assertThat(new LapackSymmetricLinearAlgebra().name()).isEqualTo("lapack");
    }

    @Test
    void portable_always_isTheNd4jPath() {
        assertThat(LinearAlgebras.portable().name()).isEqualTo("nd4j");
        assertThat(LinearAlgebras.portable()).isInstanceOf(Nd4jSymmetricLinearAlgebra.class);
    }

    @Test
    void platformCheck_agreesWithIndependentKernelProbe() {
        if (Float64Kernels.HEALTHY) {
            assertThat(LinearAlgebras.platformCheck()).isEmpty();
        } else {
            assertThat(LinearAlgebras.platformCheck()).hasValueSatisfying(m -> assertThat(m)
                    .contains("DOUBLE").contains("OPENBLAS_CORETYPE=Haswell"));
        }
    }

    @Test
    void selfTestMatrix_hasTheAdvertisedSpectrum() {
        // The self-test's oracle, checked against plain Java: trace = Σ k and trace(A²) = Σ k².
        int n = LinearAlgebras.SELF_TEST_SIZE;
        double[][] a = LinalgOracles.java(LinearAlgebras.knownSpectrum(n, DataType.DOUBLE));
        double trace = 0;
        double traceOfSquare = 0;
        for (int i = 0; i < n; i++) {
            trace += a[i][i];
            traceOfSquare += LinalgOracles.dot(a[i], a[i]);
            for (int j = 0; j < n; j++) {
                assertThat(a[i][j]).isEqualTo(a[j][i]);
            }
        }
        assertThat(trace).isCloseTo(n * (n + 1) / 2.0, org.assertj.core.api.Assertions.offset(1e-9));
        assertThat(traceOfSquare).isCloseTo(n * (n + 1) * (2 * n + 1) / 6.0, org.assertj.core.api.Assertions.offset(1e-6));
        assertThat(a[0][1]).isNotZero();
    }
}
