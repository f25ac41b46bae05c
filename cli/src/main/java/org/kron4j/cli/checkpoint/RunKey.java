package org.kron4j.cli.checkpoint;

import java.util.Locale;

/**
 * Which run of a study a checkpoint belongs to: its position in the study's run order (seeds, then
 * methods, then rates), the method's label, the learning rate and the seed. Checkpoints are filed
 * under the index and checked against all four on reading, so a checkpoint is never loaded into
 * another run.
 */
public record RunKey(int index, String label, double learningRate, long seed) {

    /** "run 3 (kfac lr=0.001 seed 2)" for messages. */
    public String describe() {
        return String.format(Locale.ROOT, "run %d (%s lr=%s seed %d)", index, label, learningRate, seed);
    }

    /** The file-name stem: "run-0003". */
    String stem() {
        return String.format(Locale.ROOT, "run-%04d", index);
    }
}
