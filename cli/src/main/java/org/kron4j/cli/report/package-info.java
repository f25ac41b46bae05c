/**
 * What an ablation writes: {@code results.csv}, {@code report.md}, {@code loss.png}, the staging
 * output folder and the progress bar.
 */
package org.kron4j.cli.report;
