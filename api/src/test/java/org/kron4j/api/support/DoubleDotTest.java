package org.kron4j.api.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * {@link DoubleDot} against a float64 loop over the logical elements. Each float32 product is
 * exact in float64, so the only difference is the order of the float64 additions: at most
 * n·2⁻⁵³·Σ|xᵢyᵢ| (n terms). A float32 accumulation misses that bound by orders of magnitude, and a
 * mismatch of element order (a 'c' against an 'f' operand read as the same buffer) by far more.
 */
class DoubleDotTest {

    private static double reference(INDArray x, INDArray y) {
        double[] a = x.dup('c').castTo(DataType.DOUBLE).data().asDouble();
        double[] b = y.dup('c').castTo(DataType.DOUBLE).reshape('c', x.shape()).data().asDouble();
        double sum = 0;
        for (int i = 0; i < a.length; i++) {
            sum += a[i] * b[i];
        }
        return sum;
    }

    private static double bound(INDArray x, INDArray y) {
        double[] a = x.dup('c').castTo(DataType.DOUBLE).data().asDouble();
        double[] b = y.dup('c').castTo(DataType.DOUBLE).reshape('c', x.shape()).data().asDouble();
        double abs = 0;
        for (int i = 0; i < a.length; i++) {
            abs += Math.abs(a[i] * b[i]);
        }
        return a.length * Math.pow(2, -53) * abs;
    }

    private static void check(INDArray x, INDArray y) {
        assertThat(DoubleDot.of(x, y)).isCloseTo(reference(x, y), org.assertj.core.data.Offset.offset(bound(x, y)));
    }

    @Test
    void floatOperands_anyOrderViewsAndShapes_matchFloat64Loop() {
        Nd4j.getRandom().setSeed(1);
        INDArray c = Nd4j.randn(DataType.FLOAT, new long[] {300, 201}).muli(1e3f).dup('c');
        INDArray other = Nd4j.randn(DataType.FLOAT, new long[] {300, 201});
        check(c, other.dup('c'));
        check(c, other.dup('f'));
        check(c.dup('f'), other.dup('c'));
        check(c.dup('f'), other.dup('f'));
        INDArray wide = Nd4j.randn(DataType.FLOAT, new long[] {300, 250});
        check(c, wide.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 201))); // a view
        // vector shapes: a row of the first against a rank-1 second
        check(c.reshape('c', new long[] {1, 300 * 201}), other.dup('c').reshape('c', new long[] {300 * 201}));
    }

    @Test
    void cancellingSum_keepsFloat64Accuracy() {
        // 1e8 + 1 - 1e8 per pair: a float32 accumulator loses the ones entirely
        INDArray x = Nd4j.createFromArray(new float[] {1e4f, 1f, -1e4f, 1f, 1e4f, 1f, -1e4f, 1f});
        INDArray y = Nd4j.createFromArray(new float[] {1e4f, 1f, 1e4f, 1f, 1e4f, 1f, 1e4f, 1f});
        assertThat(DoubleDot.of(x, y)).isEqualTo(4.0);
    }

    @Test
    void doubleOperands_takeTheCastPath() {
        Nd4j.getRandom().setSeed(2);
        INDArray x = Nd4j.randn(DataType.DOUBLE, new long[] {17, 5});
        INDArray y = Nd4j.randn(DataType.DOUBLE, new long[] {17, 5}).dup('f');
        check(x, y);
    }

    @Test
    void lengthMismatch_isRefused() {
        assertThatThrownBy(() -> DoubleDot.of(Nd4j.ones(DataType.FLOAT, 3), Nd4j.ones(DataType.FLOAT, 4)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3 and 4");
    }
}
