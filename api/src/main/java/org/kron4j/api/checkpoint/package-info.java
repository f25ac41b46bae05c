/**
 * kron4j's binary state format (K4JS), used for checkpoints and for the bit-identity checks of the
 * numerical guards. No Java serialization.
 *
 * <p>Format v2 ({@link org.kron4j.api.checkpoint.StateWriter}) checksums the header and every
 * record (its length and its payload) with CRC-32 and ends with a record counting the entries;
 * {@link org.kron4j.api.checkpoint.StateReader} verifies the whole stream before anything is
 * restored and refuses damage with a {@link org.kron4j.api.checkpoint.CheckpointFormatException}
 * that names the problem and where: "truncated at byte N", "checksum mismatch in entry #i 'key'
 * (bytes a-b)", "header checksum mismatch", "format version N is not supported", and, from the
 * optimizer, the wrong variant or model. Format v1 (no checksums, kron4j before this change) is
 * still read, with a warning in the log, so existing checkpoints keep working; saving again writes
 * v2. Files are written with {@link org.kron4j.api.checkpoint.AtomicFiles}: temporary file in the
 * same folder, flush and fsync, atomic rename, so a crash leaves the old file or the new one.
 */
package org.kron4j.api.checkpoint;
