/** Runnable examples of kron4j on the bundled data sets. */
package org.kron4j.examples;
