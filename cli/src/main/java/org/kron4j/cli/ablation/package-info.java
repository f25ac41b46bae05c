/**
 * An ablation study: its immutable configuration ({@link org.kron4j.cli.ablation.AblationConfig}, one
 * {@link org.kron4j.cli.ablation.MethodConfig} per method with typed settings and, for a kron4j variant,
 * its {@link org.kron4j.api.settings.OptimizerConfig}), the presets and first-order baselines, the runner
 * that trains every method, rate and seed through a training engine, and the aggregated results.
 */
package org.kron4j.cli.ablation;
