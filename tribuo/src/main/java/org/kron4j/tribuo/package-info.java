/**
 * kron4j inside Tribuo 4.3 training pipelines.
 *
 * <ul>
 *   <li>{@link org.kron4j.tribuo.Kron4jOptimiser}: any kron4j variant as a Tribuo
 *       {@code StochasticGradientOptimiser}. Gradient-only variants (Shampoo) plug into every Tribuo
 *       SGD trainer: linear classification and regression, factorization machines, dense or
 *       sparse features.</li>
 *   <li>{@link org.kron4j.tribuo.KroneckerClassificationTrainer} and
 *       {@link org.kron4j.tribuo.KroneckerRegressionTrainer}: Tribuo's linear SGD trainers with a
 *       training loop that also records layer inputs and output gradients (MC Fisher from the
 *       model's own predictions by default), which the K-FAC family (K-FAC, EKFAC, KFRA) needs.
 *       The models they produce are plain Tribuo {@code LinearSGDModel}s.</li>
 * </ul>
 *
 * <p>Every component is an OLCUT {@code Configurable}: it can be written in a Tribuo XML (or JSON)
 * configuration file, validates its values in {@code postConfig()} with kron4j's messages, and
 * records its complete configuration in model provenance, from which the trainer can be rebuilt.
 * Variants are looked up by name in {@link org.kron4j.api.Kron4j#variants()} (Tribuo builds
 * objects reflectively, so no Guice here).
 */
package org.kron4j.tribuo;
