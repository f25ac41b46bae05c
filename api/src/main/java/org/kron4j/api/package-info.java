/**
 * kron4j's service-provider interface. A variant implements
 * {@link org.kron4j.api.CurvatureApproximation} (a stateless factory found by ServiceLoader),
 * whose {@link org.kron4j.api.CurvatureBlock}s hold one layer's curvature; an
 * {@link org.kron4j.api.CurvatureEstimator} groups a model's blocks. Statistics travel in the
 * additive {@link org.kron4j.api.BlockStatistics} form. The optimizer driver in
 * {@link org.kron4j.api.optim} owns everything the variants share.
 */
package org.kron4j.api;
