package org.kron4j.cli.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.kron4j.api.Kron4j;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.Loss;
import org.kron4j.api.settings.OptimizerConfig;
import org.kron4j.cli.BadInputException;

/**
 * {@code kron4j verify --model cnn:…}: the conv blocks against {@code TinyCnn}'s exact float64
 * Fisher. Where KFC's assumptions hold (one output position; the constructed shared-weights case)
 * K-FAC's and EKFAC's blocks must equal it to float64 rounding: 1e-10 relative, for blocks of at
 * most a few hundred entries built from sums of O(1) products (observed ~1e-15); where they do not
 * (a batch of Gaussian images), KFC must be visibly off, so the check can fail. The kfac and ekfac
 * modules' KfacConvTest / EkfacConvTest test the blocks themselves on the same oracle; this tests
 * the check the command runs.
 */
class ConvCurvatureCheckTest {
    private static final double EXACT = 1e-10;

    private static ConvCurvatureCheck.Result check(String model, int batch) {
        List<OptimizerConfig> variants = Kron4j.variants().all().stream().map(OptimizerConfig::defaults).toList();
        return ConvCurvatureCheck.run(TinyConv.parse(model), Activation.TANH, Loss.SOFTMAX_CROSS_ENTROPY, batch, 5L,
                variants);
    }

    private static ConvCurvatureCheck.VariantErrors of(ConvCurvatureCheck.Result result, String name) {
        return result.variants().stream().filter(v -> v.variant().equals(name)).findFirst().orElseThrow();
    }

    @ParameterizedTest
    @ValueSource(strings = {"cnn", "cnn:input=7x7x2,kernel=3,stride=2,padding=1,dilation=2,channels=2",
        "cnn:input=5x6x1,kernel=2x3,channels=4,classes=3"})
    void kfcAssumptionsHold_kfacAndEkfacBlocksAreExact(String model) {
        ConvCurvatureCheck.Result result = check(model, 6);
        assertThat(result.sharedWeights().positions()).isGreaterThan(1);
        assertThat(result.onePosition().positions()).isEqualTo(1);
        for (String name : List.of("kfac", "ekfac")) {
            ConvCurvatureCheck.VariantErrors v = of(result, name);
            assertThat(v.onePosition()).as(name).allSatisfy(e -> assertThat(e).isLessThan(EXACT));
            assertThat(v.sharedWeights()).as(name).allSatisfy(e -> assertThat(e).isLessThan(EXACT));
            assertThat(v.passes()).isTrue();
        }
    }

    @Test
    void batchOfImages_kfcIsAnApproximation_ekfacAtLeastAsClose() {
        ConvCurvatureCheck.Result result = check("cnn", 8);
        List<Double> kfac = of(result, "kfac").batch();
        List<Double> ekfac = of(result, "ekfac").batch();
        assertThat(kfac.get(0)).as("conv block, spatially varying images").isGreaterThan(1e-3);
        for (int l = 0; l < 2; l++) {
            // George et al. 2018: in KFC's eigenbasis EKFAC's diagonal is the Frobenius-closest one
            assertThat(ekfac.get(l)).as("layer %d", l).isLessThanOrEqualTo(kfac.get(l) + 1e-12);
        }
    }

    @Test
    void kfraRefusesConvolutions_shampooStatesNoCurvature() {
        ConvCurvatureCheck.Result result = check("cnn", 3);
        ConvCurvatureCheck.VariantErrors kfra = of(result, "kfra");
        assertThat(kfra.refusal()).hasValueSatisfying(m -> assertThat(m).contains("convolution"));
        assertThat(kfra.passes()).isTrue();
        assertThat(of(result, "shampoo").statesCurvature()).isFalse();
    }

    @Test
    void geometry_badKeysAndRangesAreNamed() {
        assertThatThrownBy(() -> TinyConv.parse("cnn:kernel=9")).isInstanceOf(BadInputException.class)
                .hasMessageContaining("kernel must be in [1, 7]");
        assertThatThrownBy(() -> TinyConv.parse("cnn:size=3")).isInstanceOf(BadInputException.class)
                .hasMessageContaining("unknown key 'size'");
        assertThatThrownBy(() -> TinyConv.parse("cnn:input=3x3x1,kernel=3,dilation=2"))
                .isInstanceOf(BadInputException.class).hasMessageContaining("does not fit");
        assertThatThrownBy(() -> TinyConv.parse("cnn:5x16-5x32")).isInstanceOf(BadInputException.class)
                .hasMessageContaining("key=value");
        assertThat(TinyConv.parse("cnn:input=6x6x2,kernel=3,stride=2,padding=1").positions()).isEqualTo(9);
    }
}
