/**
 * Training runs for tests of the refresh schedule (synchronous against asynchronous refresh): a
 * small {@link org.kron4j.reference.mlp.ReferenceMlp} trained from fixed seeds, every step's result
 * and the final optimizer state kept for comparison.
 */
package org.kron4j.testkit.refresh;
