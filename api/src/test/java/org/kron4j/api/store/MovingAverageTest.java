package org.kron4j.api.store;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

class MovingAverageTest {

    @Test
    void weight_isUniformAtFirstThenOneMinusDecay() {
        assertThat(MovingAverage.weight(0.9, 1)).isEqualTo(1.0);
        assertThat(MovingAverage.weight(0.9, 4)).isEqualTo(0.25);
        assertThat(MovingAverage.weight(0.9, 50)).isEqualTo(1.0 - 0.9);
        assertThat(MovingAverage.weight(1.0, 50)).isEqualTo(1.0 / 50);
    }

    @Test
    void fold_firstBatchSetsTheMeanThenAveragesUniformly() {
        // exact in binary floating point: small integers and weights 1, 1/2
        var average = Nd4j.zeros(DataType.DOUBLE, 2);
        MovingAverage.fold(average, Nd4j.createFromArray(4.0f, 8.0f), 2, MovingAverage.weight(0.5, 1));
        assertThat(average.toDoubleVector()).containsExactly(2.0, 4.0);
        MovingAverage.fold(average, Nd4j.createFromArray(12.0, 0.0), 2, MovingAverage.weight(0.5, 2));
        assertThat(average.toDoubleVector()).containsExactly(4.0, 2.0);
        assertThat(average.dataType()).isEqualTo(DataType.DOUBLE);
    }
}
