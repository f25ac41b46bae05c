package org.kron4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * {@code --threads N} reaches every limit ND4J has: libnd4j's loops (max master threads),
 * OpenBLAS and OpenMP (whose limit governs the reductions; before it was set here, --threads 1
 * left it at the core count). Restores the previous values.
 */
class NativeThreadsTest {
    @Test
    void set_one_reachesMasterThreadsBlasAndOpenMp() {
        int master = Nd4j.getEnvironment().maxMasterThreads(); // loads the backend before NativeOpsHolder
        var ops = NativeOpsHolder.getInstance().getDeviceNativeOps();
        int blas = Nd4j.factory().blas().getMaxThreads();
        int omp = ops.ompGetMaxThreads();
        try {
            NativeThreads.set(1);
            assertThat(Nd4j.getEnvironment().maxMasterThreads()).isEqualTo(1);
            assertThat(Nd4j.factory().blas().getMaxThreads()).isEqualTo(1);
            assertThat(ops.ompGetMaxThreads()).isEqualTo(1);
        } finally {
            Nd4j.getEnvironment().setMaxMasterThreads(master);
            Nd4j.factory().blas().setMaxThreads(blas);
            ops.setOmpNumThreads(omp);
        }
    }
}
