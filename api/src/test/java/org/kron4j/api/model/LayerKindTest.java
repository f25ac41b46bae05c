package org.kron4j.api.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.indexing.INDArrayIndex;

/** Layer kinds as open values: built-in layouts, user-defined kinds, and what LayerSpec asks of them. */
class LayerKindTest {

    /** A kind no api code knows: an embedding table of v rows of width d, every coordinate decayed. */
    private static final LayerKind EMBEDDING = LayerKind.define("EMBEDDING", (dimensions, bias) ->
            new long[] {dimensions[0], dimensions[1]});

    @Test
    void dense_gradientShapeAndBiasColumnNotDecayed() {
        LayerSpec layer = LayerSpec.dense("fc", 3, 4, true, Activation.TANH);
        assertThat(layer.gradientShape()).containsExactly(4, 4);
        List<INDArrayIndex[]> regions = layer.notDecayed();
        assertThat(regions).hasSize(1);
        assertThat(regions.get(0)[1].offset()).isEqualTo(3); // the bias column, index n
        assertThat(LayerSpec.dense("fc", 3, 4, false, Activation.TANH).notDecayed()).isEmpty();
    }

    @Test
    void toString_ofBuiltInKinds_isUnchanged() {
        // checkpoints compare the model's layer list as text: these forms must not move
        assertThat(LayerSpec.dense("fc", 3, 4, true, Activation.TANH)).hasToString("fc[dense 3->4+b, TANH]");
        assertThat(LayerSpec.dense("out", 4, 2, false, Activation.IDENTITY)).hasToString("out[dense 4->2, IDENTITY]");
        assertThat(LayerSpec.tensor("norm", 2, 3)).hasToString("norm[tensor [2, 3]]");
    }

    @Test
    void define_userKind_worksThroughLayerSpecWithoutApiEdits() {
        LayerSpec layer = LayerSpec.of("emb", EMBEDDING, new long[] {10, 3}, false, Activation.UNKNOWN);
        assertThat(layer.kind()).isEqualTo(EMBEDDING).isNotEqualTo(LayerKind.DENSE);
        assertThat(layer.gradientShape()).containsExactly(10, 3);
        assertThat(layer.parameterCount()).isEqualTo(30);
        assertThat(layer.notDecayed()).isEmpty();
        assertThat(layer).hasToString("emb[embedding [10, 3], UNKNOWN]");
        assertThatThrownBy(layer::inputs).isInstanceOf(IllegalStateException.class).hasMessageContaining("not DENSE");
    }

    @Test
    void define_builtInOrMalformedName_rejected() {
        assertThatThrownBy(() -> LayerKind.define("DENSE", (d, b) -> d)).hasMessageContaining("built in");
        assertThatThrownBy(() -> LayerKind.define("conv 2d", (d, b) -> d)).hasMessageContaining("conv 2d");
    }

    @Test
    void equality_byName() {
        assertThat(LayerKind.define("CONV2D", (d, b) -> d)).isEqualTo(LayerKind.define("CONV2D", (d, b) -> d))
                .hasSameHashCodeAs(LayerKind.define("CONV2D", (d, b) -> d));
    }

    @Test
    void of_kindRejectsDimensions_namesTheLayer() {
        assertThatThrownBy(() -> LayerSpec.of("fc", LayerKind.DENSE, new long[] {3}, true, Activation.TANH))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'fc'");
        assertThat(LayerSpec.of("fc", LayerKind.DENSE, new long[] {3, 4}, true, Activation.TANH))
                .isEqualTo(LayerSpec.dense("fc", 3, 4, true, Activation.TANH));
    }
}
