package org.kron4j.api.model;

/**
 * Element-wise activations whose derivative kron4j knows, for variants (KFRA) and engines (the
 * testkit MLP) that need f and f'. An engine may use activations kron4j does not know; a variant
 * that needs the derivative then rejects the model when it is built.
 */
public enum Activation {
    IDENTITY,
    TANH,
    SIGMOID,
    RELU,
    SOFTPLUS,
    /** An activation the engine has but kron4j has no derivative for. */
    UNKNOWN
}
