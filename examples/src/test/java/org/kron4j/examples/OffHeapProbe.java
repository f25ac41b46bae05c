package org.kron4j.examples;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.Pointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A child JVM for {@link LauncherMemoryCapsTest}: keeps allocating 4 MB ND4J arrays (and holding
 * them) up to the count given, then prints {@code ALLOCATED n} or, when refused,
 * {@code REFUSED after n: <error>}, and JavaCPP's limits and counters.
 */
public final class OffHeapProbe {
    private OffHeapProbe() {
    }

    public static void main(String[] args) {
        int count = Integer.parseInt(args[0]);
        List<INDArray> held = new ArrayList<>();
        System.out.println("maxBytes " + Pointer.maxBytes() + " maxPhysicalBytes " + Pointer.maxPhysicalBytes());
        try {
            for (int i = 0; i < count; i++) {
                held.add(Nd4j.create(DataType.FLOAT, 1024, 1024).addi(1));
            }
            System.out.println("ALLOCATED " + held.size());
        } catch (OutOfMemoryError e) {
            System.out.println("REFUSED after " + held.size() + ": " + e);
        }
        System.out.println("totalBytes " + Pointer.totalBytes() + " physicalBytes " + Pointer.physicalBytes());
    }
}
