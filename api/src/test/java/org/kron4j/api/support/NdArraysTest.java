package org.kron4j.api.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class NdArraysTest {

    @Test
    void diagonal_isWritableViewOfTheDiagonal() {
        INDArray m = Nd4j.linspace(1, 9, 9, DataType.DOUBLE).reshape(3, 3).dup('c');
        assertThat(NdArrays.diagonal(m).toDoubleVector()).containsExactly(1, 5, 9);
        NdArrays.addToDiagonal(m, 0.5);
        assertThat(m.toDoubleMatrix()).isDeepEqualTo(new double[][] {{1.5, 2, 3}, {4, 5.5, 6}, {7, 8, 9.5}});
        assertThat(NdArrays.trace(m)).isEqualTo(16.5);
    }

    @Test
    void diagonal_oneByOne() {
        INDArray m = Nd4j.createFromArray(new float[][] {{2f}});
        NdArrays.addToDiagonal(m, 1);
        assertThat(m.getFloat(0, 0)).isEqualTo(3f);
    }

    @Test
    void diagonal_nonSquareOrView_rejected() {
        assertThatThrownBy(() -> NdArrays.diagonal(Nd4j.zeros(2, 3))).hasMessageContaining("square");
        INDArray big = Nd4j.zeros(4, 4);
        assertThatThrownBy(() -> NdArrays.diagonal(big.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 2),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 2)))).hasMessageContaining("contiguous");
    }

    @Test
    void copyAs_neverReturnsSource() {
        INDArray f = Nd4j.ones(DataType.FLOAT, 2, 2);
        INDArray same = NdArrays.copyAs(f, DataType.FLOAT);
        INDArray other = NdArrays.copyAs(f, DataType.DOUBLE);
        same.addi(1);
        other.addi(1);
        assertThat(f.getFloat(0, 0)).isEqualTo(1f);
        assertThat(other.dataType()).isEqualTo(DataType.DOUBLE);
    }

    @Test
    void isFinite_detectsNanAndInfinity() {
        INDArray a = Nd4j.ones(DataType.FLOAT, 3);
        assertThat(NdArrays.isFinite(a)).isTrue();
        a.putScalar(1, Float.NaN);
        assertThat(NdArrays.isFinite(a)).isFalse();
        a.putScalar(1, Float.NEGATIVE_INFINITY);
        assertThat(NdArrays.isFinite(a)).isFalse();
    }
}
