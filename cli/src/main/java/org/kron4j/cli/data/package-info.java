/**
 * The data sets of an ablation: the bundled and IDX (MNIST, Fashion-MNIST) readers and the
 * catalogue that finds them.
 */
package org.kron4j.cli.data;
