/**
 * A reference multilayer perceptron on ND4J with an explicit forward and backward pass: the
 * engine kron4j's tests, the `kron4j` command, the benchmarks and the examples train with. It follows kron4j's
 * conventions exactly (weights m×(n+1) with the bias as the last column, per-example output
 * gradients not divided by the batch size, gradients of the batch-mean loss).
 */
package org.kron4j.reference.mlp;
