/**
 * kron4j's binary state format, used for checkpoints and for the bit-identity checks of the
 * numerical guards. No Java serialization.
 */
package org.kron4j.api.checkpoint;
