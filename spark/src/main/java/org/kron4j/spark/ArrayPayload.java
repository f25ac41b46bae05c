package org.kron4j.spark;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * An array as it travels between the Spark driver and its tasks: shape and values in a plain Java
 * array (double for float64 arrays, float otherwise). INDArrays hold off-heap buffers that Java
 * serialization does not carry usefully; this payload is what Spark's task transport serializes.
 * Never used for checkpoints (those are K4JS states).
 *
 * @param shape   the array's shape
 * @param order   the array's ordering ('c' or 'f'), kept so that the receiver's array is laid out
 *                as the sender's (kernels may round differently for another layout)
 * @param doubles the values of a float64 array, else null
 * @param floats  the values of any other array, as float, else null
 */
public record ArrayPayload(long[] shape, char order, double[] doubles, float[] floats) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** A copy of the array's values in its own ordering (float64 stays float64; the rest travel as float). */
    public static ArrayPayload of(INDArray array) {
        char order = array.ordering();
        INDArray c = array.dup(order);
        long[] shape = c.shape();
        if (c.dataType() == DataType.DOUBLE) {
            return new ArrayPayload(shape, order, c.data().asDouble(), null);
        }
        INDArray f = c.dataType() == DataType.FLOAT ? c : c.castTo(DataType.FLOAT);
        return new ArrayPayload(shape, order, null, f.data().asFloat());
    }

    public static List<ArrayPayload> of(List<INDArray> arrays) {
        List<ArrayPayload> out = new ArrayList<>(arrays.size());
        arrays.forEach(a -> out.add(of(a)));
        return out;
    }

    /** A fresh array (outside any workspace when the caller runs detached). */
    public INDArray toArray() {
        return doubles != null ? Nd4j.create(doubles, shape, order) : Nd4j.create(floats, shape, order);
    }

    public static List<INDArray> toArrays(List<ArrayPayload> payloads) {
        List<INDArray> out = new ArrayList<>(payloads.size());
        payloads.forEach(p -> out.add(p.toArray()));
        return out;
    }

    /** Bytes of the values (what dominates the serialized size). */
    public long bytes() {
        return doubles != null ? 8L * doubles.length : 4L * floats.length;
    }

    public static long bytes(List<ArrayPayload> payloads) {
        return payloads.stream().mapToLong(ArrayPayload::bytes).sum();
    }
}
