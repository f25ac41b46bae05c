package org.kron4j.cli;

import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sets how many threads ND4J's native kernels (libnd4j's OpenMP loops and OpenBLAS) use. An
 * ablation pins it (default 1, recorded in config.json): the thread count changes the order of
 * floating-point sums, hence the exact numbers, and on a shared machine a second OpenMP thread
 * that is descheduled at a barrier stalls the first — measured here, 2 threads made a digits
 * K-FAC step up to 70× slower under load while 1 thread stayed steady.
 */
public final class NativeThreads {
    private static final Logger LOG = LoggerFactory.getLogger(NativeThreads.class);

    private NativeThreads() {
    }

    public static void set(int threads) {
        Nd4j.getEnvironment().setMaxThreads(threads);
        Nd4j.getEnvironment().setMaxMasterThreads(threads);
        Nd4j.factory().blas().setMaxThreads(threads);
        LOG.info("ND4J native threads: {} (OpenMP max {}, BLAS max {})", threads, Nd4j.getEnvironment().maxThreads(),
                Nd4j.factory().blas().getMaxThreads());
    }
}
