package org.kron4j.spark;

import java.io.Serializable;

/**
 * The recipe of a model that every task can rebuild on its executor: a small serializable
 * description (layer widths, a network configuration), never the parameters, which travel with
 * each step. Implementations: {@link ReferenceShardModel} (kron4j's reference MLP) and
 * {@link Dl4jShardModel} (a DL4J {@code MultiLayerNetwork} from its JSON configuration).
 */
public interface ShardModel extends Serializable {

    /** A fresh engine for this model, with the model's initial parameters. */
    ShardEngine create();

    /** One line for logs and reports. */
    String describe();
}
