/**
 * The curvature check behind {@code kron4j verify}: each variant's curvature blocks against the exact
 * Fisher of a tiny network.
 */
package org.kron4j.cli.verify;
