package org.kron4j.cli.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.kron4j.api.model.Loss;
import org.kron4j.cli.BadInputException;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;

/** {@code --model cnn}: the shape, checked against the DL4J network built from it. */
class CnnModelTest {

    @Test
    void defaultCnn_on28x28_isTheDocumentedNetwork_andDl4jAgreesOnItsSize() {
        ModelShape shape = ModelShape.resolve("cnn", null, 784, 10, "fashion-mnist");
        assertThat(shape.text()).isEqualTo("cnn:" + ConvStack.DEFAULT_LARGE);
        assertThat(shape.hidden()).isEqualTo("relu");
        assertThat(shape.loss()).isEqualTo(Loss.SOFTMAX_CROSS_ENTROPY);
        // 28 → conv Same 28 → pool 14 → conv Same 14 → pool 7: 7·7·32 = 1568 inputs to the dense layer
        assertThat(shape.sizes()).containsExactly(1568, 128, 10);
        // conv 16·(25+1) + conv 32·(16·25+1) + dense 1569·128 + output 129·10
        assertThat(shape.parameterCount()).isEqualTo(416 + 12_832 + 200_832 + 1_290);
        MultiLayerNetwork network = Dl4jEngine.network(shape, new Adam(1e-3), 1);
        assertThat(network.numParams()).isEqualTo(shape.parameterCount());
        assertThat(network.getLayer(0).conf().getLayer()).isInstanceOf(ConvolutionLayer.class);
        assertThat(network.getLayer(1).conf().getLayer()).isInstanceOf(SubsamplingLayer.class);
        assertThat(network.output(Nd4j.rand(DataType.FLOAT, 3, 784)).shape()).containsExactly(3, 10);
    }

    @Test
    void defaultCnn_onDigits_usesSmallKernels() {
        ModelShape shape = ModelShape.resolve("cnn", "tanh", 64, 10, "digits");
        assertThat(shape.text()).isEqualTo("cnn:" + ConvStack.DEFAULT_SMALL);
        assertThat(shape.hidden()).isEqualTo("tanh");
        assertThat(shape.sizes()).containsExactly(2 * 2 * 16, 64, 10);
        MultiLayerNetwork network = Dl4jEngine.network(shape, new Adam(1e-3), 1);
        assertThat(network.numParams()).isEqualTo(shape.parameterCount());
        assertThat(network.output(Nd4j.rand(DataType.FLOAT, 2, 64)).shape()).containsExactly(2, 10);
        assertThat(shape.describe()).startsWith("CNN 8×8×1 → conv 3×3×8 → pool 2 → conv 3×3×16 → pool 2 → 64");
    }

    @Test
    void customStages_andNoDenseLayer() {
        ModelShape shape = ModelShape.resolve("cnn:5x32-5x64-1024", null, 784, 10, "mnist");
        assertThat(shape.sizes()).containsExactly(7 * 7 * 64, 1024, 10);
        ModelShape convOnly = ModelShape.resolve("cnn:3x4", null, 64, 10, "digits");
        assertThat(convOnly.sizes()).containsExactly(4 * 4 * 4, 10);
        assertThat(Dl4jEngine.network(convOnly, new Adam(1e-3), 1).numParams()).isEqualTo(convOnly.parameterCount());
    }

    @Test
    void badCnnText_isRefusedWithTheReason() {
        assertThatThrownBy(() -> ModelShape.resolve("cnn", null, 13, 3, "wine")).isInstanceOf(BadInputException.class)
                .hasMessageContaining("square");
        assertThatThrownBy(() -> ModelShape.resolve("cnn:3x4-3x4-3x4-3x4", null, 64, 10, "digits"))
                .isInstanceOf(BadInputException.class).hasMessageContaining("below 1×1");
        assertThatThrownBy(() -> ModelShape.resolve("cnn:64-3x4", null, 64, 10, "digits"))
                .isInstanceOf(BadInputException.class).hasMessageContaining("come before");
        assertThatThrownBy(() -> ModelShape.resolve("cnn:3x0", null, 64, 10, "digits"))
                .isInstanceOf(BadInputException.class).hasMessageContaining("channels must be in [1, 1024]");
        assertThatThrownBy(() -> ModelShape.resolve("cnn:9x4", null, 64, 10, "digits"))
                .isInstanceOf(BadInputException.class).hasMessageContaining("larger than");
    }
}
