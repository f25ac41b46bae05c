/**
 * Training engines an ablation runs on: DL4J (kron4j attached to a {@code MultiLayerNetwork}) and
 * kron4j's reference MLP ({@code --engine reference}), and the model shapes they build (MLPs,
 * autoencoders, and on DL4J only CNNs: {@link org.kron4j.cli.engine.ConvStack}). Each
 * trainer reports the kron4j optimizer's per-step diagnostics and the damping its blocks use.
 */
package org.kron4j.cli.engine;
