package org.kron4j.cli;

import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sets how many threads ND4J's native kernels (libnd4j's OpenMP loops and OpenBLAS) use. An
 * ablation pins it (default 1, recorded in config.json): the thread count changes the order of
 * floating-point sums, hence the exact numbers, and on a shared machine a second OpenMP thread
 * that is descheduled at a barrier stalls the first — measured here, 2 threads made a digits
 * K-FAC step up to 70× slower under load while 1 thread stayed steady.
 *
 * <p>Four knobs, because ND4J 1.0.0-M2.1 has no single one: {@code Environment.setMaxThreads}
 * does nothing (libnd4j keeps the core count), {@code setMaxMasterThreads} bounds libnd4j's
 * parallel loops, {@code blas().setMaxThreads} OpenBLAS, and OpenMP's own limit
 * ({@code omp_set_num_threads}, through {@code NativeOps.setOmpNumThreads}) the reductions:
 * without it a {@code sumNumber} of 2.8 M floats still ran on 2 OpenMP threads at
 * {@code --threads 1} (ompGetMaxThreads 2) and took 9–40 ms on the loaded machine against
 * 3.7–13 ms with it. Starting the JVM with {@code OMP_NUM_THREADS=N} sets all of them.
 */
public final class NativeThreads {
    private static final Logger LOG = LoggerFactory.getLogger(NativeThreads.class);

    private NativeThreads() {
    }

    public static void set(int threads) {
        Nd4j.getEnvironment().setMaxThreads(threads); // a no-op in libnd4j 1.0.0-M2.1: maxThreads() keeps the core count
        Nd4j.getEnvironment().setMaxMasterThreads(threads); // libnd4j's own parallel loops (elementwise ops)
        Nd4j.factory().blas().setMaxThreads(threads); // OpenBLAS
        NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(threads); // OpenMP regions: reductions
        LOG.info("ND4J native threads: {} (OpenMP max {}, master threads {}, BLAS max {})", threads,
                NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads(),
                Nd4j.getEnvironment().maxMasterThreads(), Nd4j.factory().blas().getMaxThreads());
    }
}
