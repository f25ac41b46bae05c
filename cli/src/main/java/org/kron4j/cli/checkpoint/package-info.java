/**
 * Checkpoints and resumption of {@code kron4j ablate}: per-run checkpoints in the study's partial
 * results folder ({@link org.kron4j.cli.checkpoint.StudyCheckpoints}, files written atomically in
 * kron4j's checksummed K4JS format, never Java serialization), the study's identity
 * ({@link org.kron4j.cli.checkpoint.StudyRecord}), the DL4J network's state
 * ({@link org.kron4j.cli.checkpoint.Dl4jNetworkState}), the checkpointable batch generator
 * ({@link org.kron4j.cli.checkpoint.ResumableRandom}) and the SIGINT/SIGTERM handling that stops at
 * a step boundary ({@link org.kron4j.cli.checkpoint.StopSignal}). A resumed study computes exactly
 * what an uninterrupted one computes; only timings differ.
 */
package org.kron4j.cli.checkpoint;
