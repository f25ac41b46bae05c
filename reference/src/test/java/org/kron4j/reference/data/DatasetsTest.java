package org.kron4j.reference.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The shipped UCI sets load with the documented shapes, and the derived sets behave. */
class DatasetsTest {

    @ParameterizedTest
    @CsvSource({"digits,1797,64,10", "iris,150,4,3", "wine,178,13,3", "breast_cancer,569,30,2"})
    void loader_givesDocumentedShapesAndLabelsInRange(String name, int rows, int features, int classes) {
        Dataset data = Datasets.byName(name);
        assertThat(data.name()).isEqualTo(name);
        assertThat(data.size()).isEqualTo(rows);
        assertThat(data.featureCount()).isEqualTo(features);
        assertThat(data.classCount()).isEqualTo(classes);
        assertThat(data.dataType()).isEqualTo(DataType.FLOAT);
        INDArray x = data.features();
        INDArray y = data.oneHot();
        assertThat(x.shape()).containsExactly(rows, features);
        assertThat(y.shape()).containsExactly(rows, classes);
        assertThat(y.sum(1).minNumber().doubleValue()).isEqualTo(1.0);
        assertThat(y.sum(1).maxNumber().doubleValue()).isEqualTo(1.0);
        assertThat(java.util.Arrays.stream(data.labels()).min().getAsInt()).isZero();
        assertThat(java.util.Arrays.stream(data.labels()).max().getAsInt()).isEqualTo(classes - 1);
        assertThat(java.util.Arrays.stream(data.classCounts()).min().getAsInt()).isPositive();
        assertThat(y.argMax(1).toIntVector()).containsExactly(data.labels());
    }

    @Test
    void loader_knownClassCountsAndValues() {
        assertThat(Datasets.iris().classCounts()).containsExactly(50, 50, 50);
        assertThat(Datasets.wine().classCounts()).containsExactly(59, 71, 48);
        assertThat(Datasets.breastCancer().classCounts()).containsExactly(212, 357);
        assertThat(Datasets.digits().classCounts()).containsExactly(178, 182, 177, 183, 181, 182, 181, 179, 174, 180);
        assertThat(Datasets.iris().classNames()).containsExactly("setosa", "versicolor", "virginica");
        assertThat(Datasets.breastCancer().classNames()).containsExactly("malignant", "benign");
        double[][] iris = Datasets.iris(DataType.DOUBLE).featureArray();
        assertThat(iris[0]).containsExactly(5.1, 3.5, 1.4, 0.2);
        double[][] digits = Datasets.digits(DataType.DOUBLE).featureArray();
        double max = 0;
        for (double[] row : digits) {
            for (double v : row) {
                assertThat(v).isBetween(0.0, 16.0);
                max = Math.max(max, v);
            }
        }
        assertThat(max).isEqualTo(16.0);
        assertThat(Datasets.byName("Breast-Cancer").size()).isEqualTo(569);
        assertThat(Datasets.byName("wine_data", DataType.DOUBLE).features().dataType()).isEqualTo(DataType.DOUBLE);
        assertThatThrownBy(() -> Datasets.byName("mnist")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("digits");
    }

    @ParameterizedTest
    @CsvSource({"digits", "iris", "wine", "breast_cancer"})
    void standardize_givesZeroMeanUnitStdAndZeroForConstantColumns(String name) {
        Dataset raw = Datasets.byName(name, DataType.DOUBLE);
        Dataset.Standardizer stats = raw.standardizer();
        double[][] z = raw.standardize().featureArray();
        int rows = z.length;
        for (int j = 0; j < raw.featureCount(); j++) {
            double mean = 0;
            double sq = 0;
            for (double[] row : z) {
                mean += row[j];
            }
            mean /= rows;
            for (double[] row : z) {
                sq += (row[j] - mean) * (row[j] - mean);
            }
            double std = Math.sqrt(sq / rows);
            // double arithmetic over ≤ 1797 rows: 1e-9 is rounding with a wide margin
            assertThat(mean).as("column %d mean", j).isCloseTo(0.0, within(1e-9));
            if (stats.stds()[j] == 0.0) {
                assertThat(std).as("constant column %d", j).isZero();
            } else {
                assertThat(std).as("column %d std", j).isCloseTo(1.0, within(1e-9));
            }
        }
        assertThat(raw.standardize().features().dataType()).isEqualTo(DataType.DOUBLE);
    }

    @Test
    void standardize_digitsHasConstantBorderPixels() {
        Dataset.Standardizer stats = Datasets.digits().standardizer();
        assertThat(stats.stds()[0]).isZero(); // the top-left pixel is blank in every image
    }

    @Test
    void split_isStratifiedDisjointAndSeeded() {
        Dataset data = Datasets.iris();
        Dataset.Split split = data.split(0.2, 42);
        assertThat(split.test().size()).isEqualTo(30);
        assertThat(split.train().size()).isEqualTo(120);
        assertThat(split.test().classCounts()).containsExactly(10, 10, 10);
        // a partition: train and test together hold every row exactly as often as the full set
        // (compared as multisets: iris has a duplicated row)
        List<String> together = rowsOf(split.train());
        together.addAll(rowsOf(split.test()));
        assertThat(together).containsExactlyInAnyOrderElementsOf(rowsOf(data));
        Dataset.Split again = data.split(0.2, 42);
        assertThat(again.test().featureArray()).isDeepEqualTo(split.test().featureArray());
        Dataset.Split other = data.split(0.2, 43);
        assertThat(other.test().featureArray()).isNotEqualTo(split.test().featureArray());
        // held-out data standardised with the training statistics
        Dataset test = split.train().standardizer().apply(split.test());
        assertThat(test.size()).isEqualTo(30);
        assertThatThrownBy(() -> data.split(1.0, 1)).isInstanceOf(IllegalArgumentException.class);
    }

    private static List<String> rowsOf(Dataset data) {
        List<String> rows = new ArrayList<>();
        for (double[] row : data.featureArray()) {
            rows.add(java.util.Arrays.toString(row));
        }
        return rows;
    }
}
