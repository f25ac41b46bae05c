/**
 * Exact curvature of tiny MLPs and CNNs in plain Java {@code double}, independent of ND4J so that it
 * can judge ND4J code (the curvature checks of {@code kron4j verify} and the variants' tests): a
 * {@link org.kron4j.reference.exact.TinyMlp} mirroring the reference MLP's layout, its exact
 * Fisher / Gauss-Newton matrix, empirical Fisher, per-layer blocks, exact Kronecker factor
 * expectations and the quantities KFRA propagates
 * ({@link org.kron4j.reference.exact.ExactCurvature}), a one-conv-layer
 * {@link org.kron4j.reference.exact.TinyCnn} with its exact conv Fisher block and the capture an
 * engine would send with exact targets (ND4J only to hand that capture over), valid random targets
 * per loss, and the dense matrix helpers these are built from.
 */
package org.kron4j.reference.exact;
