package org.kron4j.cli.verify;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kron4j.api.Kron4j;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.Loss;
import org.kron4j.api.settings.OptimizerConfig;

/** The numbers behind {@code kron4j verify}, checked against what the mathematics guarantees. */
class CurvatureCheckTest {

    private static CurvatureCheck.Result check(int batch) {
        List<OptimizerConfig> variants = Kron4j.variants().all().stream().map(OptimizerConfig::defaults).toList();
        return CurvatureCheck.run(new int[] {5, 4, 4, 3},
                List.of(Activation.TANH, Activation.TANH, Activation.IDENTITY), Loss.SOFTMAX_CROSS_ENTROPY, batch, 3L,
                variants);
    }

    private static CurvatureCheck.VariantErrors of(CurvatureCheck.Result result, String name) {
        return result.variants().stream().filter(v -> v.variant().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void oneExample_everyKroneckerVariantIsExact() {
        CurvatureCheck.Result result = check(7);
        for (String name : List.of("kfac", "ekfac", "kfra")) {
            assertThat(of(result, name).oneExample()).as(name).allSatisfy(e -> assertThat(e).isLessThan(1e-10));
            assertThat(of(result, name).passes()).isTrue();
        }
    }

    @Test
    void batch_ekfacIsAtLeastAsCloseAsKfac_andBothAreApproximations() {
        CurvatureCheck.Result result = check(9);
        List<Double> kfac = of(result, "kfac").errors();
        List<Double> ekfac = of(result, "ekfac").errors();
        for (int l = 0; l < kfac.size(); l++) {
            // George et al. 2018: in the Kronecker eigenbasis the best diagonal is EKFAC's, K-FAC's is another one
            assertThat(ekfac.get(l)).as("layer %d", l).isLessThanOrEqualTo(kfac.get(l) + 1e-12);
        }
        assertThat(kfac).anySatisfy(e -> assertThat(e).isGreaterThan(1e-3));
    }

    @Test
    void shampoo_statesNoCurvature() {
        CurvatureCheck.VariantErrors shampoo = of(check(4), "shampoo");
        assertThat(shampoo.statesCurvature()).isFalse();
        assertThat(shampoo.passes()).isTrue();
    }
}
