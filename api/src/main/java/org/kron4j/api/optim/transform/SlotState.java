package org.kron4j.api.optim.transform;

import java.util.ArrayList;
import java.util.List;
import org.kron4j.api.store.FactorStore;
import org.kron4j.api.store.StateArray;
import org.nd4j.linalg.api.ndarray.INDArray;

/** One zero-initialised store array per slot under one role; the shared part of the stateful transforms. */
final class SlotState {
    private final List<StateArray> arrays;

    SlotState(FactorStore store, List<ParameterSlot> slots, String role) {
        List<StateArray> created = new ArrayList<>(slots.size());
        for (ParameterSlot slot : slots) {
            created.add(store.array(slot.name(), role, slot.shape()));
        }
        this.arrays = List.copyOf(created);
    }

    StateArray get(int index) {
        return arrays.get(index);
    }

    INDArray value(int index) {
        return arrays.get(index).value();
    }

    void checkCount(List<INDArray> updates, String who) {
        if (updates.size() != arrays.size()) {
            throw new IllegalArgumentException(who + ": expected " + arrays.size() + " arrays, got " + updates.size());
        }
    }
}
