package org.kron4j.api.optim.transform;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.kron4j.api.checkpoint.CheckpointFormatException;
import org.kron4j.api.checkpoint.StateReader;
import org.kron4j.api.checkpoint.StateWriter;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** A first-order updater saved and restored through bytes continues bit for bit (Adam's bias correction included). */
class GradientUpdaterCheckpointTest {

    static GradientUpdater adam() {
        return new GradientUpdater(0.01, (store, slots) -> TransformChain.of(
                ScaleByAdam.update(store, slots, "adam.", 0.9, 0.999, 1e-8)));
    }

    static GradientUpdater nesterov() {
        return new GradientUpdater(0.1, (store, slots) -> TransformChain.of(
                new NesterovMomentum(store, slots, "", 0.9)));
    }

    static List<INDArray> gradients(int k) {
        Nd4j.getRandom().setSeed(100 + k);
        return List.of(Nd4j.randn(DataType.FLOAT, 5, 3), Nd4j.randn(DataType.FLOAT, 3));
    }

    static StateReader saved(GradientUpdater updater) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (StateWriter writer = new StateWriter(bytes)) {
            updater.save(writer, "u/");
        }
        return StateReader.read(new ByteArrayInputStream(bytes.toByteArray()));
    }

    @Test
    void restored_continuesBitForBit() {
        for (int before : new int[] {0, 4}) {
            GradientUpdater original = adam();
            for (int k = 0; k < before; k++) {
                original.updates(gradients(k));
            }
            GradientUpdater restored = adam();
            restored.restore(saved(original), "u/");
            assertThat(restored.steps()).isEqualTo(before);
            for (int k = before; k < before + 4; k++) {
                List<INDArray> a = original.updates(gradients(k));
                List<INDArray> b = restored.updates(gradients(k));
                for (int l = 0; l < a.size(); l++) {
                    assertThat(b.get(l)).as("step %d layer %d", k, l).isEqualTo(a.get(l));
                }
            }
        }
    }

    @Test
    void anotherRulesState_isRefused_andNothingChanges() {
        GradientUpdater momentum = nesterov();
        momentum.updates(gradients(0));
        GradientUpdater target = adam();
        target.updates(gradients(0));
        List<INDArray> expected = new ArrayList<>();
        GradientUpdater twin = adam();
        twin.updates(gradients(0));
        expected.addAll(twin.updates(gradients(1)));
        assertThatThrownBy(() -> target.restore(saved(momentum), "u/")).isInstanceOf(CheckpointFormatException.class);
        assertThat(target.steps()).isEqualTo(1);
        List<INDArray> after = target.updates(gradients(1));
        for (int l = 0; l < after.size(); l++) {
            assertThat(after.get(l)).isEqualTo(expected.get(l));
        }
    }
}
