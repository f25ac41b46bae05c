package org.kron4j.tribuo;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.tribuo.math.la.DenseMatrix;
import org.tribuo.math.la.DenseSparseMatrix;
import org.tribuo.math.la.DenseVector;
import org.tribuo.math.la.Matrix;
import org.tribuo.math.la.MatrixTuple;
import org.tribuo.math.la.SGDVector;
import org.tribuo.math.la.Tensor;
import org.tribuo.math.la.VectorTuple;

/**
 * Conversions between Tribuo's {@link Tensor}s (double precision, dense or sparse, order 1 or 2)
 * and ND4J arrays of type {@code DOUBLE}. Sparse tensors are densified: every kron4j variant
 * produces dense directions.
 */
final class TribuoTensors {
    private TribuoTensors() {
    }

    /** The shape of a Tribuo tensor as ND4J sees it. */
    static long[] shape(Tensor tensor) {
        return Arrays.stream(tensor.getShape()).asLongStream().toArray();
    }

    /** A dense DOUBLE copy of a matrix or vector, in the tensor's own shape. */
    static INDArray toNd(Tensor tensor) {
        if (tensor instanceof DenseMatrix dense) {
            return Nd4j.create(dense.toArray());
        }
        if (tensor instanceof DenseVector dense) {
            return Nd4j.createFromArray(dense.toArray());
        }
        if (tensor instanceof DenseSparseMatrix sparse) {
            double[][] values = new double[sparse.getDimension1Size()][sparse.getDimension2Size()];
            for (int i = 0; i < values.length; i++) {
                for (VectorTuple t : sparse.getRow(i)) {
                    values[i][t.index] = t.value;
                }
            }
            return Nd4j.create(values);
        }
        if (tensor instanceof Matrix matrix) {
            double[][] values = new double[matrix.getDimension1Size()][matrix.getDimension2Size()];
            for (MatrixTuple t : matrix) {
                values[t.i][t.j] = t.value;
            }
            return Nd4j.create(values);
        }
        if (tensor instanceof SGDVector vector) {
            double[] values = new double[vector.size()];
            for (VectorTuple t : vector) {
                values[t.index] = t.value;
            }
            return Nd4j.createFromArray(values);
        }
        throw new IllegalArgumentException("unsupported Tribuo tensor " + tensor.getClass().getName() + " of shape "
                + Arrays.toString(tensor.getShape()) + ": kron4j handles matrices and vectors");
    }

    /**
     * A dense Tribuo tensor of the same order as {@code like} holding {@code values}, which
     * Tribuo's {@code Parameters.update} can add to a parameter of that shape.
     */
    static Tensor toTribuo(INDArray values, Tensor like) {
        INDArray doubles = values.dataType() == DataType.DOUBLE ? values : values.castTo(DataType.DOUBLE);
        if (like instanceof Matrix) {
            return DenseMatrix.createDenseMatrix(doubles.toDoubleMatrix());
        }
        if (like instanceof SGDVector) {
            return DenseVector.createDenseVector(doubles.toDoubleVector());
        }
        throw new IllegalArgumentException("unsupported Tribuo tensor " + like.getClass().getName());
    }

    /**
     * The first {@code n} values of a feature vector as one row of {@code target} (the bias
     * feature Tribuo appends at index n is dropped).
     */
    static void copyFeatures(SGDVector features, int n, double[] target) {
        if (features instanceof DenseVector dense) {
            double[] all = dense.toArray();
            System.arraycopy(all, 0, target, 0, n);
            return;
        }
        for (VectorTuple t : features) {
            if (t.index < n) {
                target[t.index] = t.value;
            }
        }
    }
}
