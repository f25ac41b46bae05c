/**
 * K-FAC for dense layers: {@link org.kron4j.kfac.KfacApproximation} (the provider),
 * {@link org.kron4j.kfac.KroneckerFactors} (A and G in the factor store, reused by EKFAC and KFRA)
 * and {@link org.kron4j.kfac.KroneckerAlgebra} (applying Kronecker-factored inverses without
 * forming them).
 */
package org.kron4j.kfac;
