package org.kron4j.api.optim.transform;

/**
 * Builds the update chain of a {@link org.kron4j.api.optim.KroneckerOptimizer} once, when the
 * optimizer is built, after the variant's blocks have registered their state (so the transforms'
 * store entries follow the blocks' in checkpoints). The default is
 * {@link org.kron4j.api.optim.KroneckerOptimizer#defaultChain}; a new rule is one more transform
 * in a factory that starts from it.
 */
@FunctionalInterface
public interface UpdateChainFactory {
    TransformChain create(ChainSetup setup);
}
