/**
 * {@code kron4j soak}: long runs of one DL4J network per variant that watch memory — the process's
 * resident set, JavaCPP's physical and counted bytes, the factor store's bytes, the Java heap —
 * every N steps, so that a leak shows as a slope ({@link org.kron4j.cli.soak.Slope}, bytes per
 * 1000 steps by least squares). Not part of CI except at a toy size.
 */
package org.kron4j.cli.soak;
