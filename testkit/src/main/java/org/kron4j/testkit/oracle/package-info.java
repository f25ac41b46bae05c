/**
 * Exact curvature oracles in plain Java {@code double}, independent of ND4J so that they can
 * judge ND4J code: per-example Jacobians of tiny MLPs, the exact Fisher / Gauss-Newton matrix,
 * the empirical Fisher, per-layer blocks, exact Kronecker factor expectations and the
 * quantities KFRA propagates; plus the dense matrix helpers they are built from.
 */
package org.kron4j.testkit.oracle;
