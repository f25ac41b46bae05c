package org.kron4j.cli.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kron4j.api.Kron4j;
import org.kron4j.cli.ablation.MethodConfig;
import org.kron4j.cli.ablation.Presets;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The benchmark's "factor memory per layer" for the Fashion-MNIST CNN ({@code cnn} on 28×28):
 * after one statistics-and-refresh step each variant's store holds state for every conv and dense
 * layer, at least the float32 Kronecker factors themselves — A of side C·k²+1 and G of side O per
 * conv layer (KFC), A of side n+1 and G of side m per dense layer — and the per-layer bytes sum to
 * the total the ablation reports. The numbers are logged (they do not depend on the machine).
 */
class CnnFactorMemoryTest {
    private static final Logger RESULTS = LoggerFactory.getLogger("org.kron4j.results.cli");
    /** Kronecker factor sides (A, G) of the default 28×28 CNN's four layers. */
    private static final int[][] SIDES = {{26, 16}, {401, 32}, {1569, 128}, {129, 10}};

    @Test
    void kfacAndEkfac_storeAtLeastTheirFactorsPerLayer_andPerLayerBytesSumToTheTotal() {
        ModelShape shape = ModelShape.resolve("cnn", null, 784, 10, "fashion-mnist");
        INDArray x = Nd4j.rand(DataType.FLOAT, 8, 784);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 8, 10);
        for (int i = 0; i < 8; i++) {
            y.putScalar(i, i, 1f);
        }
        Dl4jEngine engine = new Dl4jEngine(Kron4j.variants());
        for (String spec : new String[] {"kfac:adaptiveStep=false,adaptiveDamping=false,tInv=1",
            "ekfac:adaptiveStep=false,adaptiveDamping=false,tInv=1", "shampoo:tInv=1,startPreconditioningStep=0"}) {
            MethodConfig method = MethodConfig.parseList(spec, Kron4j.variants(), Presets.Problem.CNN).get(0);
            try (TrainingEngine.Trainer trainer = engine.create(shape, method, method.learningRates().get(0), 1)) {
                trainer.step(x, y);
                Map<String, Long> perLayer = trainer.factorBytesByLayer();
                RESULTS.info("{} on {}: factor bytes per layer {} (total {})", method.label(), shape.text(), perLayer,
                        trainer.factorBytes());
                assertThat(perLayer).isNotEmpty();
                assertThat(perLayer.values().stream().mapToLong(Long::longValue).sum())
                        .isEqualTo(trainer.factorBytes());
                if (!method.method().equals("shampoo")) {
                    assertThat(perLayer).hasSize(4);
                    int l = 0;
                    for (long bytes : perLayer.values()) {
                        long factors = 4L * ((long) SIDES[l][0] * SIDES[l][0] + (long) SIDES[l][1] * SIDES[l][1]);
                        assertThat(bytes).as("%s layer %d", method.label(), l).isGreaterThanOrEqualTo(factors);
                        l++;
                    }
                }
            }
        }
    }
}
