/**
 * The dense linear-algebra kernels of the factor store: the symmetric eigendecomposition and
 * the inverse of a symmetric positive-definite matrix behind one interface,
 * {@link org.kron4j.api.linalg.SymmetricLinearAlgebra}, with results that report failure
 * instead of throwing ({@link org.kron4j.api.linalg.Decomposition}).
 *
 * <p>Two implementations: {@link org.kron4j.api.linalg.LapackSymmetricLinearAlgebra}, the CPU
 * fast path calling LAPACKE directly, and {@link org.kron4j.api.linalg.Nd4jSymmetricLinearAlgebra},
 * the portable path built on backend-dispatched ND4J operations (CUDA included).
 * {@link org.kron4j.api.linalg.LinearAlgebras#forCurrentBackend()} picks one. Every result is
 * checked against its defining identity before it is returned, because a faulty BLAS kernel
 * can produce wrong numbers with a success code (see
 * {@link org.kron4j.api.linalg.LinearAlgebras#platformCheck()}).
 */
package org.kron4j.api.linalg;
