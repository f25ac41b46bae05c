/**
 * The kron4j test kit: what the variants' tests, the benchmarks and the examples train with and
 * judge against.
 *
 * <ul>
 *   <li>{@link org.kron4j.testkit.mlp} — {@code ReferenceMlp}, a small ND4J multilayer perceptron
 *       with an explicit forward and backward pass that fills a kron4j
 *       {@link org.kron4j.api.capture.ModelCapture};</li>
 *   <li>{@link org.kron4j.testkit.baseline} — SGD with heavy-ball momentum and Adam, on kron4j's
 *       first-order transforms, checked against plain-Java recursions;</li>
 *   <li>{@link org.kron4j.testkit.train} — a seeded training loop any step function plugs into;</li>
 *   <li>{@link org.kron4j.testkit.oracle} — exact Fisher / Gauss-Newton oracles for tiny nets in
 *       plain Java {@code double}, independent of ND4J;</li>
 *   <li>{@link org.kron4j.testkit.data} — the small UCI data sets shipped as resources.</li>
 * </ul>
 */
package org.kron4j.testkit;
