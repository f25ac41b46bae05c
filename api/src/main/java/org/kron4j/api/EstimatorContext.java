package org.kron4j.api;

import org.kron4j.api.model.ModelSpec;
import org.kron4j.api.settings.Settings;
import org.kron4j.api.store.FactorStore;

/**
 * What a variant gets when it creates the curvature estimator of a whole model.
 *
 * @param model    the model
 * @param settings every setting of the optimizer (the driver's and the variant's own)
 * @param store    where all curvature state must live
 */
public record EstimatorContext(ModelSpec model, Settings settings, FactorStore store) {

    /** The context for one layer's block. */
    public BlockContext block(int index) {
        return new BlockContext(model.layer(index), index, model, settings, store);
    }
}
