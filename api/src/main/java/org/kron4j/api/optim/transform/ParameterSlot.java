package org.kron4j.api.optim.transform;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.model.ModelSpec;

/**
 * One parameter array a transform keeps state for: its name (the store's block name) and its
 * gradient's shape.
 *
 * @param name  the block name its state is registered under
 * @param shape the gradient's shape
 */
public record ParameterSlot(String name, long[] shape) {

    public ParameterSlot {
        Objects.requireNonNull(name, "name");
        shape = shape.clone();
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    /** One slot per layer of the model, named after the layer, with its gradient shape. */
    public static List<ParameterSlot> of(ModelSpec model) {
        List<ParameterSlot> slots = new ArrayList<>(model.size());
        for (LayerSpec layer : model.layers()) {
            slots.add(new ParameterSlot(layer.name(), layer.gradientShape()));
        }
        return List.copyOf(slots);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ParameterSlot slot && slot.name.equals(name) && Arrays.equals(slot.shape, shape);
    }

    @Override
    public int hashCode() {
        return 31 * name.hashCode() + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape);
    }
}
