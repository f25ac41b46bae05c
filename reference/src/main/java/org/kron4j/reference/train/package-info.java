/**
 * A reusable, seeded training loop: mini-batches drawn with replacement, any
 * {@link org.kron4j.reference.train.StepFunction} (a kron4j optimizer or a baseline) as the update
 * rule, per-step batch losses, steps-to-target and wall time.
 */
package org.kron4j.reference.train;
