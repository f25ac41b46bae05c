/**
 * Shampoo for kron4j: tensor-shaped Kronecker preconditioning for any parameter
 * (Gupta, Koren and Singer, ICML 2018; Anil et al., "Scalable Second Order Optimization for Deep
 * Learning", 2020).
 *
 * <ul>
 *   <li>{@link org.kron4j.shampoo.ShampooApproximation}: the provider ({@code "shampoo"}) and its
 *       settings;</li>
 *   <li>{@link org.kron4j.shampoo.ShampooBlock}: one layer's statistics, roots, grafting and
 *       direction, all kept in the factor store;</li>
 *   <li>{@link org.kron4j.shampoo.TensorLayout}: unit-mode dropping, merging, blocking and the
 *       diagonal rule;</li>
 *   <li>{@link org.kron4j.shampoo.InverseRoots}: inverse p-th roots by eigendecomposition or
 *       coupled Newton iteration.</li>
 * </ul>
 */
package org.kron4j.shampoo;
