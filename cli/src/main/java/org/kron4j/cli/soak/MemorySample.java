package org.kron4j.cli.soak;

/**
 * Memory after a step of a soak run.
 *
 * @param variant        the method's label
 * @param step           steps taken so far (0: the fresh network, before the first step)
 * @param rssBytes       the process's resident set ({@code VmRSS} of /proc/self/status); -1 where
 *                       the file does not exist
 * @param physicalBytes  JavaCPP's {@code Pointer.physicalBytes()}: its own reading of the RSS, the
 *                       number {@code -Dorg.bytedeco.javacpp.maxphysicalbytes} caps
 * @param javacppBytes   JavaCPP's {@code Pointer.totalBytes()}: what it allocated itself and still
 *                       tracks (ND4J's array buffers are not among them)
 * @param storeBytes     the kron4j factor store's bytes (0 for baselines)
 * @param heapBytes      Java heap in use (total minus free)
 * @param gcCount        garbage collections of the JVM so far (every collector): ND4J frees an array's
 *                       native memory only after the collector has found its Java object unreachable
 * @param seconds        wall time since the run started
 */
public record MemorySample(String variant, long step, long rssBytes, long physicalBytes, long javacppBytes,
        long storeBytes, long heapBytes, long gcCount, double seconds) {
}
