/**
 * The curvature checks behind {@code kron4j verify}: each variant's curvature blocks against the exact
 * Fisher of a tiny network — an MLP ({@link org.kron4j.cli.verify.CurvatureCheck}) or a one-conv-layer
 * CNN ({@link org.kron4j.cli.verify.ConvCurvatureCheck}, geometry {@link org.kron4j.cli.verify.TinyConv}).
 */
package org.kron4j.cli.verify;
