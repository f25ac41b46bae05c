/**
 * The optimizer driver shared by every variant ({@link org.kron4j.api.optim.KroneckerOptimizer}),
 * its settings ({@link org.kron4j.api.optim.OptimizerSettings}) and step results.
 */
package org.kron4j.api.optim;
