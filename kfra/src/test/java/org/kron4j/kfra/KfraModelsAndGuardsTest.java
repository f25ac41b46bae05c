package org.kron4j.kfra;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.kron4j.kfra.KfraFixtures.gaussian;
import static org.kron4j.kfra.KfraFixtures.mlp;
import static org.kron4j.kfra.KfraFixtures.repeat;
import static org.kron4j.kfra.KfraFixtures.targets;

import com.google.inject.Guice;
import com.google.inject.Key;
import com.google.inject.TypeLiteral;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.kron4j.api.CurvatureApproximation;
import org.kron4j.api.Kron4j;
import org.kron4j.api.UnsupportedModelException;
import org.kron4j.api.capture.CaptureField;
import org.kron4j.api.capture.LayerCapture;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.model.Loss;
import org.kron4j.api.model.ModelSpec;
import org.kron4j.api.optim.DampingMode;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.optim.OptimizerSettings;
import org.kron4j.api.optim.StepResult;
import org.kron4j.api.optim.UnsupportedLayerPolicy;
import org.kron4j.api.registry.Kron4jModule;
import org.kron4j.api.registry.VariantRegistry;
import org.kron4j.api.store.Precision;
import org.kron4j.reference.mlp.ReferenceMlp;
import org.kron4j.testkit.oracle.DenseMatrices;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Test 6 of the KFRA issue: models KFRA cannot handle are refused when the optimizer is built,
 * with a message naming the part; non-finite KFRA inputs leave the state bit-identical; the
 * variant is discovered and bound.
 */
class KfraModelsAndGuardsTest {
    private static final LayerSpec HIDDEN = LayerSpec.dense("hidden", 4, 3, true, Activation.TANH);
    private static final LayerSpec OUT = LayerSpec.dense("out", 3, 2, true, Activation.IDENTITY);

    private static KroneckerOptimizer.Builder builder(ModelSpec model) {
        return KroneckerOptimizer.builder(new KfraApproximation()).model(model);
    }

    // ------------------------------------------------------------------ models refused at build time

    @Test
    void build_nonSequentialModel_refusedNamingTheRequirement() {
        ModelSpec graph = new ModelSpec(List.of(HIDDEN, OUT), false, Loss.SOFTMAX_CROSS_ENTROPY);
        assertThatThrownBy(() -> builder(graph).build())
                .isInstanceOf(UnsupportedModelException.class)
                .hasMessageContaining("'kfra'").hasMessageContaining("sequential")
                .hasMessageContaining("[hidden, out]");
    }

    @Test
    void build_unknownHiddenActivation_refusedNamingLayerAndActivation() {
        ModelSpec model = ModelSpec.sequential(Loss.SOFTMAX_CROSS_ENTROPY,
                LayerSpec.dense("mystery", 4, 3, true, Activation.UNKNOWN), OUT);
        assertThatThrownBy(() -> builder(model).build())
                .isInstanceOf(UnsupportedModelException.class)
                .hasMessageContaining("'mystery'").hasMessageContaining("UNKNOWN")
                .hasMessageContaining("TANH");
    }

    @Test
    void build_unknownOutputActivation_refused() {
        ModelSpec model = ModelSpec.sequential(Loss.SQUARED_ERROR, HIDDEN,
                LayerSpec.dense("odd-out", 3, 2, true, Activation.UNKNOWN));
        assertThatThrownBy(() -> builder(model).build())
                .isInstanceOf(UnsupportedModelException.class).hasMessageContaining("'odd-out'");
    }

    @ParameterizedTest
    @EnumSource(UnsupportedLayerPolicy.class)
    void build_tensorLayer_refusedWhateverThePolicy(UnsupportedLayerPolicy policy) {
        ModelSpec model = ModelSpec.sequential(Loss.SOFTMAX_CROSS_ENTROPY, HIDDEN, LayerSpec.tensor("scale", 3), OUT);
        assertThatThrownBy(() -> builder(model).set(OptimizerSettings.UNSUPPORTED_LAYERS, policy).build())
                .isInstanceOf(UnsupportedModelException.class)
                .hasMessageContaining("'scale'").hasMessageContaining("DENSE")
                .hasMessageContaining("pass_through does not apply");
    }

    @ParameterizedTest
    @EnumSource(UnsupportedLayerPolicy.class)
    void build_convLayer_refusedNamingTheLayerAndTheAlternatives(UnsupportedLayerPolicy policy) {
        LayerSpec conv = org.kron4j.core.Conv2d.layer("conv1", 1, 4, 3, 3, true, Activation.TANH);
        ModelSpec model = ModelSpec.sequential(Loss.SOFTMAX_CROSS_ENTROPY, conv, OUT);
        assertThatThrownBy(() -> builder(model).set(OptimizerSettings.UNSUPPORTED_LAYERS, policy).build())
                .isInstanceOf(UnsupportedModelException.class)
                .hasMessageContaining("'conv1'").hasMessageContaining("no KFRA for convolutions")
                .hasMessageContaining("kfac or ekfac");
        assertThat(new KfraApproximation().supports(conv)).isFalse();
    }

    @ParameterizedTest
    @EnumSource(Loss.class)
    void build_everyKnownLossAndActivation_accepted(Loss loss) {
        List<LayerSpec> layers = new ArrayList<>();
        Activation[] activations = {Activation.IDENTITY, Activation.TANH, Activation.SIGMOID, Activation.RELU,
                Activation.SOFTPLUS};
        for (int l = 0; l < activations.length; l++) {
            layers.add(LayerSpec.dense("l" + l, 3, 3, l % 2 == 0, activations[l]));
        }
        KroneckerOptimizer optimizer = builder(new ModelSpec(layers, true, loss)).build();
        assertThat(optimizer.estimator().blocks()).hasSize(activations.length);
    }

    @Test
    void targets_doesNotApply_notListedAndRefusedNamingSettingAndVariant() {
        // KFRA samples nothing: its statistics are the exact output Hessian, whatever the targets
        assertThat(KroneckerOptimizer.schema(new KfraApproximation())).extracting(s -> s.name())
                .doesNotContain("targets").contains("damping", "dampingMode");
        assertThatThrownBy(() -> Kron4j.optimizer("kfra:targets=empirical"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("setting 'targets' does not apply to variant 'kfra'");
        assertThatThrownBy(() -> builder(ModelSpec.sequential(Loss.SOFTMAX_CROSS_ENTROPY, HIDDEN, OUT))
                .set(OptimizerSettings.TARGETS, org.kron4j.api.capture.TargetSource.EXACT))
                .hasMessageStartingWith("setting 'targets' does not apply to variant 'kfra'");
    }

    @Test
    void supports_denseWithKnownActivationOnly() {
        KfraApproximation kfra = new KfraApproximation();
        assertThat(kfra.supports(HIDDEN)).isTrue();
        assertThat(kfra.supports(LayerSpec.dense("u", 2, 2, true, Activation.UNKNOWN))).isFalse();
        assertThat(kfra.supports(LayerSpec.tensor("t", 2, 2))).isFalse();
    }

    // ------------------------------------------------------------------ guards

    private static ReferenceMlp net() {
        return mlp(new int[] {4, 5, 3}, repeat(Activation.TANH, 1), Loss.SOFTMAX_CROSS_ENTROPY, true, 121);
    }

    private static ModelCapture capture(ReferenceMlp mlp, KroneckerOptimizer optimizer, long seed) {
        return mlp.capture(DenseMatrices.toINDArray(gaussian(seed, 6, 4), DataType.DOUBLE),
                DenseMatrices.toINDArray(targets(Loss.SOFTMAX_CROSS_ENTROPY, 6, 3, seed + 1), DataType.DOUBLE),
                optimizer.plan(), null);
    }

    /** KFRA in float64 with statistics every step, momentum and KL clipping: every kind of state in use. */
    private static KroneckerOptimizer driven(ReferenceMlp mlp, DampingMode mode, int tInv, double momentum) {
        return builder(mlp.modelSpec()).set(OptimizerSettings.STORAGE_PRECISION, Precision.DOUBLE)
                .set(OptimizerSettings.DAMPING_MODE, mode).periods(1, tInv).momentum(momentum).build();
    }

    /** The capture with one field of one layer (or the output Hessian, for layer −1) holding a NaN. */
    private static ModelCapture poisoned(ModelCapture clean, int layer, CaptureField field) {
        if (field == CaptureField.OUTPUT_HESSIAN) {
            INDArray hessian = clean.outputHessian().dup();
            hessian.putScalar(0, 1, Double.NaN);
            return new ModelCapture(clean.batchSize(), clean.layers(), hessian);
        }
        List<LayerCapture> layers = new ArrayList<>(clean.layers());
        LayerCapture.Builder copy = LayerCapture.builder();
        clean.layer(layer).fields().forEach((f, value) -> copy.put(f, f == field ? poison(value) : value));
        layers.set(layer, copy.build());
        return new ModelCapture(clean.batchSize(), layers, clean.outputHessian());
    }

    private static INDArray poison(INDArray value) {
        INDArray copy = value.dup();
        copy.putScalar(0, 0, Double.NaN);
        return copy;
    }

    @ParameterizedTest
    @EnumSource(value = CaptureField.class, names = {"GRADIENT", "PARAMETERS", "ACTIVATION_DERIVATIVES",
            "LAYER_INPUTS", "OUTPUT_HESSIAN"})
    void nanInput_stepSkippedStateBitIdentical(CaptureField field) {
        ReferenceMlp mlp = net();
        KroneckerOptimizer optimizer = driven(mlp, DampingMode.FACTORED, 1, 0.9);
        for (int t = 0; t < 3; t++) {
            assertThat(optimizer.step(capture(mlp, optimizer, t * 10)).applied()).isTrue();
        }
        byte[] before = optimizer.stateBytes();
        // W̃ is read from layer 1 and f' from layer 0; poison where KFRA reads it
        int layer = field == CaptureField.PARAMETERS || field == CaptureField.GRADIENT ? 1 : 0;
        StepResult result = optimizer.step(poisoned(capture(mlp, optimizer, 99), layer, field));
        assertThat(result.applied()).isFalse();
        assertThat(result.skipped()).hasValueSatisfying(reason -> assertThat(reason).contains(field.name()));
        assertThat(optimizer.stateBytes()).isEqualTo(before);
        assertThat(optimizer.skippedSteps()).isEqualTo(1);
        assertThat(optimizer.step(capture(mlp, optimizer, 100)).applied()).isTrue();
    }

    @ParameterizedTest
    @EnumSource(DampingMode.class)
    void checkpoint_restoredOptimizerContinuesIdentically(DampingMode mode) {
        ReferenceMlp mlp = net();
        KroneckerOptimizer original = driven(mlp, mode, 2, 0.5);
        for (int t = 0; t < 3; t++) {
            original.step(capture(mlp, original, t * 10));
        }
        KroneckerOptimizer restored = driven(mlp, mode, 2, 0.5);
        restored.restore(new ByteArrayInputStream(original.stateBytes()));
        assertThat(restored.stateBytes()).isEqualTo(original.stateBytes());
        ModelCapture next = capture(mlp, original, 50);
        List<INDArray> a = original.step(next).updates();
        List<INDArray> b = restored.step(next).updates();
        for (int l = 0; l < a.size(); l++) {
            assertThat(a.get(l).equals(b.get(l))).as("layer %d", l).isTrue();
        }
    }

    // ------------------------------------------------------------------ discovery and wiring

    @Test
    void serviceLoader_findsKfra() {
        VariantRegistry registry = VariantRegistry.load();
        assertThat(registry.names()).contains(KfraApproximation.NAME);
        assertThat(registry.get("kfra")).isInstanceOf(KfraApproximation.class);
    }

    @Test
    void guice_bindsKfraByName() {
        Map<String, CurvatureApproximation> variants = Guice.createInjector(new Kron4jModule())
                .getInstance(Key.get(new TypeLiteral<Map<String, CurvatureApproximation>>() { }));
        assertThat(variants.get("kfra")).isInstanceOf(KfraApproximation.class);
    }

    @Test
    void specString_buildsKfraOptimizer() {
        KroneckerOptimizer optimizer = Kron4j.optimizer("kfra:damping=0.01,tInv=50")
                .model(ModelSpec.sequential(Loss.SOFTMAX_CROSS_ENTROPY, HIDDEN, OUT)).build();
        assertThat(optimizer.variant().name()).isEqualTo("kfra");
        assertThat(optimizer.damping()).isEqualTo(0.01);
    }
}
