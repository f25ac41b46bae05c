/**
 * The kron4j test kit: test support on top of the reference engine ({@code kron4j-reference}),
 * what the variants' tests judge against.
 *
 * <ul>
 *   <li>{@link org.kron4j.testkit.baseline} — SGD with heavy-ball momentum and Adam, on kron4j's
 *       first-order transforms, checked against plain-Java recursions;</li>
 *   <li>{@link org.kron4j.testkit.oracle} — dense matrix algebra in plain Java {@code double}
 *       (solvers, decompositions, comparisons), independent of ND4J;</li>
 *   <li>{@link org.kron4j.testkit.protocol} — the shared digits protocol every variant's
 *       end-to-end test follows.</li>
 * </ul>
 */
package org.kron4j.testkit;
