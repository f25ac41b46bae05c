package org.kron4j.api.support;

import java.nio.FloatBuffer;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * xᵀy over all elements (in logical order; shapes of equal length), accumulated in float64.
 *
 * <p>Float32 operands on the CPU backend are read in place from their native buffers (a view,
 * or an operand stored in the other order than the first, is first copied in float32) and
 * summed on the host: each product of two floats is exact in float64, and four float64 partial
 * sums are added at the end. Anything else (float64 operands, other backends) casts to float64
 * and sums with ND4J, as this class's callers did before: that path allocates three float64
 * arrays of the operands' size, ~200 ms per call for the autoencoder's 2.8 M parameters on a
 * loaded 2-core machine against ~10 ms here. The two agree up to the order of float64 additions:
 * within n·2⁻⁵³·Σ|xᵢyᵢ|. (Neither OpenBLAS's {@code cblas_dsdot} nor ND4J's {@code Dot} into a
 * float64 result accumulates float32 operands in float64 on this stack: both are off by ~1e-7
 * relative, which {@code DoubleDotTest} would catch.)
 */
public final class DoubleDot {
    private static final boolean CPU = "org.nd4j.linalg.cpu.nativecpu.CpuBackend".equals(
            Nd4j.getBackend().getClass().getName());

    private DoubleDot() {
    }

    public static double of(INDArray x, INDArray y) {
        if (x.length() != y.length()) {
            throw new IllegalArgumentException("dot product of arrays of " + x.length() + " and " + y.length()
                    + " elements");
        }
        if (CPU && x.dataType() == DataType.FLOAT && y.dataType() == DataType.FLOAT && x.length() > 0
                && x.length() <= Integer.MAX_VALUE) {
            INDArray a = dense(x, x.ordering());
            INDArray b = dense(Arrays.equals(y.shape(), x.shape()) ? y : y.reshape('c', x.shape()), a.ordering());
            return hostDot(a.data().asNioFloat(), b.data().asNioFloat(), (int) a.length());
        }
        INDArray a = x.castTo(DataType.DOUBLE);
        INDArray b = y.castTo(DataType.DOUBLE).reshape(a.shape());
        return a.mul(b).sumNumber().doubleValue();
    }

    private static double hostDot(FloatBuffer a, FloatBuffer b, int n) {
        double s0 = 0;
        double s1 = 0;
        double s2 = 0;
        double s3 = 0;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            s0 += (double) a.get(i) * b.get(i);
            s1 += (double) a.get(i + 1) * b.get(i + 1);
            s2 += (double) a.get(i + 2) * b.get(i + 2);
            s3 += (double) a.get(i + 3) * b.get(i + 3);
        }
        for (; i < n; i++) {
            s0 += (double) a.get(i) * b.get(i);
        }
        return (s0 + s1) + (s2 + s3);
    }

    /** {@code a} when its buffer holds exactly its elements in {@code order}, else such a copy. */
    private static INDArray dense(INDArray a, char order) {
        boolean vector = a.rank() <= 1 || (a.rank() == 2 && (a.size(0) == 1 || a.size(1) == 1));
        boolean exact = !a.isView() && a.data().offset() == 0 && a.data().length() == a.length()
                && (a.ordering() == order || vector);
        return exact ? a : a.dup(order);
    }
}
