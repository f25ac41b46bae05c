package org.kron4j.benchmarks;

import java.lang.management.ManagementFactory;
import java.util.Locale;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.nativeblas.NativeOpsHolder;

/**
 * Sets ND4J's native thread count with the same four calls as the CLI's {@code --threads}
 * ({@code org.kron4j.cli.NativeThreads}, which says why four; the benchmarks do not depend on
 * the CLI) and reports what took effect, plus the process CPU time, whose ratio to wall time
 * shows how many threads really ran.
 */
final class NativeThreadCount {
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    private NativeThreadCount() {
    }

    /** Sets all three to {@code threads}; returns what ND4J reports afterwards. */
    static String set(int threads) {
        Nd4j.getEnvironment().setMaxThreads(threads);
        Nd4j.getEnvironment().setMaxMasterThreads(threads);
        Nd4j.factory().blas().setMaxThreads(threads);
        NativeOpsHolder.getInstance().getDeviceNativeOps().setOmpNumThreads(threads);
        return describe();
    }

    /** ND4J's reported thread settings and OMP_NUM_THREADS. */
    static String describe() {
        return String.format(Locale.ROOT, "Environment.maxThreads %d, maxMasterThreads %d, BLAS maxThreads %d, "
                        + "OpenMP max %d, OMP_NUM_THREADS=%s", Nd4j.getEnvironment().maxThreads(),
                Nd4j.getEnvironment().maxMasterThreads(), Nd4j.factory().blas().getMaxThreads(),
                NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads(),
                System.getenv().getOrDefault("OMP_NUM_THREADS", "(unset)"));
    }

    /** CPU time of all threads of the process, ns (-1 when the JVM does not say). */
    static long processCpuNanos() {
        return OS.getProcessCpuTime();
    }
}
