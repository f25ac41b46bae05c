package org.kron4j.cli.checkpoint;

/**
 * Thrown by the ablation runner when a stop was requested (SIGINT, SIGTERM): the current step was
 * finished and, where the run can be checkpointed, its checkpoint written; finished runs are
 * recorded. The study is resumable from its partial folder.
 */
public final class StudyStopped extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StudyStopped(String message) {
        super(message, null, false, false);
    }
}
