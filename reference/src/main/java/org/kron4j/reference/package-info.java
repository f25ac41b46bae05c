/**
 * The kron4j reference engine: what the {@code kron4j} command, the benchmarks, the examples and
 * the tests train with and measure.
 *
 * <ul>
 *   <li>{@link org.kron4j.reference.mlp} — {@code ReferenceMlp}, a small ND4J multilayer
 *       perceptron with an explicit forward and backward pass that fills a kron4j
 *       {@link org.kron4j.api.capture.ModelCapture};</li>
 *   <li>{@link org.kron4j.reference.data} — the small UCI data sets shipped as resources;</li>
 *   <li>{@link org.kron4j.reference.train} — a seeded training loop any step function plugs into;</li>
 *   <li>{@link org.kron4j.reference.exact} — the exact Fisher / Gauss-Newton matrix of tiny nets in
 *       plain Java {@code double}, independent of ND4J.</li>
 * </ul>
 */
package org.kron4j.reference;
