package org.kron4j.api.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.model.Loss;
import org.kron4j.api.model.ModelSpec;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.optim.OptimizerSettings;
import org.kron4j.api.optim.UnsupportedLayerPolicy;
import org.kron4j.api.testing.InputFactorApproximation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The SPI's curvature × vector contract where no variant implements it: a pass-through layer's
 * curvature is the identity (the inverse of its identity preconditioner), and a block that cannot
 * multiply says so, naming itself and the layer, instead of approximating silently.
 */
class CurvatureProductDefaultsTest {

    @Test
    void passThroughBlock_multiplyIsIdentity_andNoDamping() {
        PassThroughBlock block = new PassThroughBlock(LayerSpec.tensor("t", 2, 3));
        INDArray v = Nd4j.rand(DataType.DOUBLE, 2, 3);
        INDArray product = block.multiply(v, 0.5);
        assertThat(product).isEqualTo(v).isNotSameAs(v);
        assertThat(block.dampingInUse()).isEmpty();
    }

    @Test
    void estimatorMultiply_blockWithoutProduct_throwsNamingLayer() {
        ModelSpec model = new ModelSpec(List.of(LayerSpec.dense("fc", 2, 2, true, Activation.TANH),
                LayerSpec.tensor("norm", 2)), false, Loss.SQUARED_ERROR);
        KroneckerOptimizer optimizer = KroneckerOptimizer.builder(new InputFactorApproximation()).model(model)
                .set(OptimizerSettings.UNSUPPORTED_LAYERS, UnsupportedLayerPolicy.PASS_THROUGH).build();
        INDArray norm = Nd4j.rand(DataType.FLOAT, 2);
        assertThat(optimizer.estimator().blocks().get(1).multiply(norm, 0.1)).isEqualTo(norm);
        List<INDArray> vectors = List.of(Nd4j.rand(DataType.FLOAT, 2, 3), norm);
        assertThatThrownBy(() -> optimizer.estimator().multiply(vectors, 0.1))
                .isInstanceOf(UnsupportedOperationException.class).hasMessageContaining("'fc'");
        assertThatThrownBy(() -> optimizer.estimator().multiply(List.of(norm), 0.1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("2 vectors");
    }
}
