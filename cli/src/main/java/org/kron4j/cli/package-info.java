/**
 * The {@code kron4j} command: ablation studies across kron4j's variants and first-order
 * baselines, their reports and plots, and a curvature check against the exact Fisher.
 *
 * <p>{@link org.kron4j.cli.Kron4jCommand} is the entry point ({@code ./kron4j} at the
 * repository root runs it); its subcommands are {@code list} (the variants on the class path
 * with every setting), {@code ablate} (train one model with several optimizers over several
 * seeds, write {@code results.csv}, {@code report.md}, {@code loss.png} and
 * {@code config.json}) and {@code verify} (relative Frobenius error of each variant's curvature
 * block against the exact Fisher / Gauss-Newton matrix of a tiny copy of a network) and
 * {@code soak} (long runs that sample memory every N steps and print its slope per 1000 steps).
 *
 * <p>Packages: this one holds the commands ({@code Kron4jCommand}, {@code list}, {@code ablate},
 * {@code verify}, {@code soak}) and their shared bits (bad input, working directory, native threads);
 * {@code cli.ablation} the study (configuration, methods and their typed settings, presets,
 * baselines, runner, results); {@code cli.engine} the training engines and model shapes;
 * {@code cli.data} the data readers; {@code cli.report} the output files and progress;
 * {@code cli.verify} the curvature check; {@code cli.soak} the soak's memory samples and slopes.
 *
 * <p>Structure: a command turns its options (or a {@code config.json}) into an immutable
 * {@code AblationConfig}, checks it completely before anything runs (bad input: exit code 2,
 * nothing written), and hands it to the {@code AblationRunner}, which trains through a
 * {@code TrainingEngine} (DL4J's {@code MultiLayerNetwork} with kron4j attached, or the test
 * kit's reference MLP) and knows nothing of the command line. Results are written into a hidden
 * staging folder that is renamed to the output folder only when every file is complete.
 *
 * <p>Only this package prints to stdout: tables and paths on stdout, the progress bar and
 * one-line errors on stderr, logs through SLF4J (stderr, warnings only unless {@code --verbose}).
 */
package org.kron4j.cli;
