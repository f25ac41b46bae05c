/**
 * Training engines an ablation runs on: DL4J (kron4j attached to a {@code MultiLayerNetwork}) and the
 * reference MLP, the model shapes they build, and the written-out Nesterov SGD baseline.
 */
package org.kron4j.cli.engine;
