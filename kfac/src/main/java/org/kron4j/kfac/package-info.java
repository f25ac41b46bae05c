/**
 * K-FAC: {@link org.kron4j.kfac.KfacApproximation}, the provider, built on the Kronecker-factored
 * core ({@code org.kron4j.core}: factors, blocks, per-layer-kind statistics).
 */
package org.kron4j.kfac;
