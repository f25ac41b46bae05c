/**
 * Shared evaluation protocols, so that every variant's end-to-end test measures the same thing
 * the same way ({@link org.kron4j.testkit.protocol.DigitsProtocol}).
 */
package org.kron4j.testkit.protocol;
