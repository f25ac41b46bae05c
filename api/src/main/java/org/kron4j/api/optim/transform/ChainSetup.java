package org.kron4j.api.optim.transform;

import java.util.Objects;
import org.kron4j.api.model.ModelSpec;
import org.kron4j.api.settings.OptimizerConfig;
import org.kron4j.api.store.FactorStore;

/**
 * What an {@link UpdateChainFactory} builds a chain from: the model, the optimizer's
 * configuration and the store the transforms keep their state in.
 *
 * @param model  the model the optimizer updates
 * @param config the optimizer's configuration; read driver settings with
 *               {@link OptimizerConfig#driverValue} (the library default where the variant ignores one)
 * @param store  the optimizer's factor store (checkpointed by {@code save}/{@code restore})
 */
public record ChainSetup(ModelSpec model, OptimizerConfig config, FactorStore store) {
    public ChainSetup {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(store, "store");
    }
}
