/**
 * KFRA (Botev, Ritter and Barber 2017) for sequential stacks of dense layers:
 * {@link org.kron4j.kfra.KfraApproximation} is the provider, found by ServiceLoader as
 * {@code "kfra"}. It keeps K-FAC's input factor A and its preconditioning
 * (the core's {@link org.kron4j.core.KfacBlock}, not the K-FAC variant) and fills the output factor with the expected
 * pre-activation Gauss-Newton matrix H̄_l, propagated backwards from the loss's output Hessian
 * by a model-level estimator instead of sampled from output gradients.
 */
package org.kron4j.kfra;
