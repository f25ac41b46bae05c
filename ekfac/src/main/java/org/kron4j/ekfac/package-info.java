/**
 * EKFAC, eigenvalue-corrected K-FAC (George, Laurent, Bouthillier, Ballas and Vincent, NeurIPS
 * 2018): {@link org.kron4j.ekfac.EkfacApproximation} is the provider, found by
 * {@link java.util.ServiceLoader} as {@code "ekfac"}; {@link org.kron4j.ekfac.ScalingsAfterRefresh}
 * says what happens to the scalings when the eigenbasis moves. The per-layer block reuses K-FAC's
 * {@link org.kron4j.kfac.KroneckerFactors} and {@link org.kron4j.kfac.KroneckerAlgebra}; its only
 * state of its own, the scalings, lives in the factor store.
 */
package org.kron4j.ekfac;
