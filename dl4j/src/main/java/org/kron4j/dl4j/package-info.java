/**
 * DL4J integration: {@link org.kron4j.dl4j.Kron4jDl4j#attach} puts a kron4j optimizer (K-FAC,
 * EKFAC, KFRA, Shampoo, …) between a {@code MultiLayerNetwork}'s back-propagation and its
 * updater, so the network keeps DL4J's own {@code fit}, listeners, evaluation and model saving.
 * Public types: {@link org.kron4j.dl4j.Kron4jDl4j} (entry point),
 * {@link org.kron4j.dl4j.Kron4jAttachment} (the handle) and
 * {@link org.kron4j.dl4j.Dl4jDiagnostics}; the layer mapping and the statistics pass are
 * package-private.
 */
package org.kron4j.dl4j;
