package org.kron4j.cli.soak;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bytedeco.javacpp.Pointer;

/** Reads the process's memory counters for a {@link MemorySample}. */
public final class ProcessMemory {
    private static final Path STATUS = Path.of("/proc/self/status");

    private ProcessMemory() {
    }

    /** Resident set size in bytes from /proc/self/status ({@code VmRSS: n kB}); -1 when unavailable. */
    public static long rssBytes() {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith("VmRSS:")) {
                    return parseKilobytes(line.substring("VmRSS:".length()));
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }

    /** "  123456 kB" → 123456 × 1024. */
    static long parseKilobytes(String text) {
        String value = text.strip();
        if (!value.endsWith("kB")) {
            throw new IllegalArgumentException("not a kB value: '" + text + "'");
        }
        return Long.parseLong(value.substring(0, value.length() - 2).strip()) * 1024;
    }

    /** A sample of every counter now. */
    public static MemorySample sample(String variant, long step, long storeBytes, double seconds) {
        Runtime runtime = Runtime.getRuntime();
        long collections = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            collections += Math.max(0, gc.getCollectionCount());
        }
        return new MemorySample(variant, step, rssBytes(), Pointer.physicalBytes(), Pointer.totalBytes(), storeBytes,
                runtime.totalMemory() - runtime.freeMemory(), collections, seconds);
    }
}
