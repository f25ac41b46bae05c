/**
 * First-order baselines (SGD with heavy-ball momentum, Adam) written independently of kron4j's
 * optimizer driver, so that comparisons against them do not share code with what they judge.
 */
package org.kron4j.testkit.baseline;
