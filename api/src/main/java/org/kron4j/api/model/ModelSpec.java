package org.kron4j.api.model;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The model as the optimizer sees it: its parameter groups in forward order, whether they form a
 * simple chain (layer l's output is layer l+1's input), and the loss on the last layer's output.
 *
 * @param layers     parameter groups in forward order; never empty, names unique
 * @param sequential true when the dense layers form a chain in this order (KFRA requires it)
 * @param loss       the loss applied to the last layer's pre-activation output
 */
public record ModelSpec(List<LayerSpec> layers, boolean sequential, Loss loss) {

    public ModelSpec {
        Objects.requireNonNull(layers, "layers");
        Objects.requireNonNull(loss, "loss");
        if (layers.isEmpty()) {
            throw new IllegalArgumentException("a model needs at least one layer");
        }
        layers = List.copyOf(layers);
        Set<String> names = new HashSet<>();
        for (LayerSpec layer : layers) {
            if (!names.add(layer.name())) {
                throw new IllegalArgumentException("duplicate layer name '" + layer.name() + "'");
            }
        }
        if (sequential) {
            for (int l = 1; l < layers.size(); l++) {
                LayerSpec below = layers.get(l - 1);
                LayerSpec above = layers.get(l);
                if (below.kind().equals(LayerKind.DENSE) && above.kind().equals(LayerKind.DENSE)
                        && below.outputs() != above.inputs()) {
                    throw new IllegalArgumentException("sequential model: layer '" + below.name() + "' has "
                            + below.outputs() + " outputs but '" + above.name() + "' takes " + above.inputs());
                }
            }
        }
    }

    /** A sequential stack of dense layers. */
    public static ModelSpec sequential(Loss loss, LayerSpec... layers) {
        return new ModelSpec(List.of(layers), true, loss);
    }

    public LayerSpec layer(int index) {
        return layers.get(index);
    }

    public int size() {
        return layers.size();
    }

    public long parameterCount() {
        return layers.stream().mapToLong(LayerSpec::parameterCount).sum();
    }
}
