package org.kron4j.api;

import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.model.ModelSpec;
import org.kron4j.api.settings.Settings;
import org.kron4j.api.store.FactorStore;

/**
 * What a variant gets when it creates the curvature block of one layer.
 *
 * @param layer    the layer the block serves
 * @param index    its position in the model
 * @param model    the whole model, for variants whose blocks depend on their neighbours
 * @param settings every setting of the optimizer (the driver's and the variant's own)
 * @param store    where the block must keep all of its state
 */
public record BlockContext(LayerSpec layer, int index, ModelSpec model, Settings settings, FactorStore store) {
}
