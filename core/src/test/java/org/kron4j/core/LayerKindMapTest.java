package org.kron4j.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.kron4j.api.UnsupportedModelException;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.LayerKind;
import org.kron4j.api.model.LayerSpec;

class LayerKindMapTest {
    private static final LayerKind CONV = LayerKind.define("CONV1D", (d, b) -> new long[] {d[1], d[0] + (b ? 1 : 0)});

    @Test
    void with_addsWithoutChangingTheOriginal() {
        LayerKindMap<String> dense = LayerKindMap.of(LayerKind.DENSE, "dense");
        LayerKindMap<String> both = dense.with(CONV, "conv");
        assertThat(dense.kinds()).containsExactly(LayerKind.DENSE);
        assertThat(both.kinds()).containsExactly(LayerKind.DENSE, CONV);
        assertThat(both.supports(CONV)).isTrue();
        assertThat(both.get("v", LayerSpec.of("c", CONV, new long[] {2, 3}, true, Activation.RELU))).isEqualTo("conv");
        assertThat(dense.with(LayerKind.DENSE, "mine").get("v", LayerSpec.dense("d", 2, 3, true, Activation.TANH)))
                .isEqualTo("mine");
    }

    @Test
    void get_unknownKind_namesVariantLayerAndKnownKinds() {
        LayerKindMap<String> dense = LayerKindMap.of(LayerKind.DENSE, "dense");
        assertThatThrownBy(() -> dense.get("kfac", LayerSpec.tensor("t", 4)))
                .isInstanceOf(UnsupportedModelException.class)
                .hasMessageContaining("'kfac'").hasMessageContaining("t[tensor [4]]").hasMessageContaining("[DENSE]");
    }
}
