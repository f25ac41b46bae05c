/**
 * How an engine describes its model to the optimizer: layers ({@link org.kron4j.api.model.LayerSpec}),
 * their order ({@link org.kron4j.api.model.ModelSpec}), activations and the loss with its
 * predictive distribution ({@link org.kron4j.api.model.Loss}).
 */
package org.kron4j.api.model;
