/**
 * EKFAC, eigenvalue-corrected K-FAC (George, Laurent, Bouthillier, Ballas and Vincent, NeurIPS
 * 2018): {@link org.kron4j.ekfac.EkfacApproximation} is the provider, found by
 * {@link java.util.ServiceLoader} as {@code "ekfac"}; {@link org.kron4j.ekfac.ScalingsAfterRefresh}
 * says what happens to the scalings when the eigenbasis moves. The per-layer block builds on the
 * Kronecker-factored core ({@link org.kron4j.core.KroneckerFactors},
 * {@link org.kron4j.core.DenseStatistics}, {@link org.kron4j.core.KroneckerAlgebra}), not on the
 * K-FAC variant; its only state of its own, the scalings, lives in the factor store.
 */
package org.kron4j.ekfac;
