package org.kron4j.ekfac;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.kron4j.testkit.oracle.DenseMatrices.toDoubleArray;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Key;
import com.google.inject.TypeLiteral;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.kron4j.api.CurvatureApproximation;
import org.kron4j.api.Kron4j;
import org.kron4j.api.capture.LayerCapture;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.checkpoint.CheckpointFormatException;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.model.Loss;
import org.kron4j.api.model.ModelSpec;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.optim.OptimizerSettings;
import org.kron4j.api.optim.StepResult;
import org.kron4j.api.registry.Kron4jModule;
import org.kron4j.api.registry.VariantRegistry;
import org.kron4j.api.settings.Setting;
import org.kron4j.kfac.KfacApproximation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Discovery (ServiceLoader, Guice, spec strings), settings, the checkpoint round trip and the
 * memory accounting of the EKFAC variant.
 */
class EkfacDiscoveryTest {
    private static final int B = 8;
    private static final ModelSpec MODEL = ModelSpec.sequential(Loss.SOFTMAX_CROSS_ENTROPY,
            LayerSpec.dense("hidden", 6, 5, true, Activation.TANH),
            LayerSpec.dense("out", 5, 4, true, Activation.IDENTITY));

    private static ModelCapture capture(long seed) {
        Nd4j.getRandom().setSeed(seed);
        List<LayerCapture> layers = new ArrayList<>();
        for (LayerSpec layer : MODEL.layers()) {
            layers.add(LayerCapture.builder().gradient(Nd4j.randn(DataType.FLOAT, layer.gradientShape()))
                    .inputs(Nd4j.randn(DataType.FLOAT, B, layer.inputs()))
                    .outputGradients(Nd4j.randn(DataType.FLOAT, B, layer.outputs())).build());
        }
        return ModelCapture.of(B, layers);
    }

    @Test
    void registry_findsEkfacByServiceLoader() {
        VariantRegistry registry = VariantRegistry.load();
        assertThat(registry.names()).contains(EkfacApproximation.NAME, KfacApproximation.NAME);
        assertThat(registry.get("ekfac")).isInstanceOf(EkfacApproximation.class);
        assertThat(Kron4j.variants().get("EKFAC")).isInstanceOf(EkfacApproximation.class);
    }

    @Test
    void guice_bindsEkfacUnderItsName() {
        Injector injector = Guice.createInjector(new Kron4jModule());
        Map<String, CurvatureApproximation> variants = injector.getInstance(
                Key.get(new TypeLiteral<Map<String, CurvatureApproximation>>() { }));
        assertThat(variants.get("ekfac")).isInstanceOf(EkfacApproximation.class);
        KroneckerOptimizer optimizer = injector.getInstance(Kron4jModule.OptimizerFactory.class)
                .builder("ekfac:scalingsAfterRefresh=kfac,tInv=7").model(MODEL).build();
        assertThat(optimizer.settings().get(EkfacApproximation.SCALINGS_AFTER_REFRESH))
                .isEqualTo(ScalingsAfterRefresh.KFAC);
        assertThat(optimizer.settings().get(OptimizerSettings.T_INV)).isEqualTo(7);
    }

    @Test
    void settings_ownSettingAndEigenDampingByDefault() {
        List<Setting<?>> schema = Kron4j.settingsOf("ekfac");
        assertThat(schema).extracting(Setting::name).contains("scalingsAfterRefresh");
        KroneckerOptimizer optimizer = Kron4j.optimizer("ekfac").adaptive(false).model(MODEL).build();
        // EKFAC always damps exactly in the eigenbasis (S + λ): dampingMode is not one of its settings.
        assertThat(schema).extracting(Setting::name).doesNotContain("dampingMode");
        assertThat(optimizer.settings().get(EkfacApproximation.SCALINGS_AFTER_REFRESH))
                .isEqualTo(ScalingsAfterRefresh.ROTATE);
    }

    @Test
    void scalingsAfterRefresh_unknownValue_rejectedNamingTheChoices() {
        assertThatThrownBy(() -> Kron4j.optimizer("ekfac:scalingsAfterRefresh=reset"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("scalingsAfterRefresh").hasMessageContaining("rotate").hasMessageContaining("kfac");
    }

    @Test
    void dampingMode_factored_refused() {
        for (String mode : List.of("factored", "eigen")) {
            assertThatThrownBy(() -> Kron4j.optimizer("ekfac:dampingMode=" + mode).model(MODEL).build())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("setting 'dampingMode' does not apply to variant 'ekfac'");
        }
    }

    @Test
    void checkpoint_restoredOptimizerContinuesBitIdentically() {
        // statistics every step, refreshes at 0, 3, 6: the continuation crosses a refresh (rotation)
        KroneckerOptimizer original = Kron4j.optimizer("ekfac:tCov=1,tInv=3,momentum=0.9").adaptive(false).model(MODEL).build();
        for (int t = 0; t < 5; t++) {
            original.step(capture(t));
        }
        ByteArrayOutputStream saved = new ByteArrayOutputStream();
        original.save(saved);
        KroneckerOptimizer restored = Kron4j.optimizer("ekfac:tCov=1,tInv=3,momentum=0.9").adaptive(false).model(MODEL).build();
        restored.restore(new ByteArrayInputStream(saved.toByteArray()));
        assertThat(restored.stateBytes()).isEqualTo(original.stateBytes());
        assertThat(EkfacTesting.block(restored, 0).scalingBatches()).isEqualTo(4);
        for (int t = 5; t < 9; t++) {
            StepResult expected = original.step(capture(t));
            StepResult actual = restored.step(capture(t));
            for (int l = 0; l < MODEL.size(); l++) {
                assertThat(toDoubleArray(actual.updates().get(l))).isEqualTo(toDoubleArray(expected.updates().get(l)));
            }
        }
        assertThat(restored.stateBytes()).isEqualTo(original.stateBytes());
    }

    @Test
    void checkpoint_ofKfac_rejected() {
        KroneckerOptimizer kfac = Kron4j.optimizer("kfac").adaptive(false).model(MODEL).build();
        kfac.step(capture(0));
        KroneckerOptimizer ekfac = Kron4j.optimizer("ekfac").adaptive(false).model(MODEL).build();
        byte[] before = ekfac.stateBytes();
        assertThatThrownBy(() -> ekfac.restore(new ByteArrayInputStream(kfac.stateBytes())))
                .isInstanceOf(CheckpointFormatException.class).hasMessageContaining("kfac");
        assertThat(ekfac.stateBytes()).isEqualTo(before);
    }

    /** Memory: K-FAC's eigen-mode state plus the scalings and their batch count, m(n+1) + 1 values per layer. */
    @Test
    void storeBytes_kfacEigenStatePlusScalings() {
        KroneckerOptimizer kfac = Kron4j.optimizer("kfac:dampingMode=eigen,momentum=0").adaptive(false).model(MODEL).build();
        KroneckerOptimizer ekfac = Kron4j.optimizer("ekfac:momentum=0").adaptive(false).model(MODEL).build();
        kfac.step(capture(0));
        ekfac.step(capture(0));
        long extra = 0;
        for (LayerSpec layer : MODEL.layers()) {
            extra += ((long) layer.outputs() * layer.augmentedInputs() + 1) * Float.BYTES;
            assertThat(ekfac.store().bytes(layer.name()) - kfac.store().bytes(layer.name()))
                    .isEqualTo(((long) layer.outputs() * layer.augmentedInputs() + 1) * Float.BYTES);
        }
        assertThat(ekfac.store().bytes()).isEqualTo(kfac.store().bytes() + extra);
        INDArray scalings = EkfacTesting.block(ekfac, 1).scalings();
        assertThat(scalings.shape()).containsExactly(4, 6);
        assertThat(scalings.dataType()).isEqualTo(DataType.FLOAT);
    }
}
