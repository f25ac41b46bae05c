/**
 * Dense matrix helpers in plain Java {@code double} for oracles, independent of ND4J so that they
 * can judge ND4J code: the elementary operations of the reference module's exact curvature
 * ({@link org.kron4j.reference.exact.DoubleMatrices}) under the same names, plus solvers,
 * decompositions and comparisons.
 */
package org.kron4j.testkit.oracle;
