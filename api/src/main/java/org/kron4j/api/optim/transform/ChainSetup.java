package org.kron4j.api.optim.transform;

import java.util.Objects;
import org.kron4j.api.model.ModelSpec;
import org.kron4j.api.settings.Settings;
import org.kron4j.api.store.FactorStore;

/**
 * What an {@link UpdateChainFactory} builds a chain from: the model, the optimizer's effective
 * settings and the store the transforms keep their state in.
 *
 * @param model    the model the optimizer updates
 * @param settings every effective setting (driver and variant)
 * @param store    the optimizer's factor store (checkpointed by {@code save}/{@code restore})
 */
public record ChainSetup(ModelSpec model, Settings settings, FactorStore store) {
    public ChainSetup {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(store, "store");
    }
}
