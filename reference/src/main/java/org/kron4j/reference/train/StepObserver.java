package org.kron4j.reference.train;

import org.kron4j.reference.mlp.ReferenceMlp;

/** Called by a {@link TrainingRun} after every step (for evaluation curves, logging, early checks). */
@FunctionalInterface
public interface StepObserver {
    /**
     * @param step      1-based count of steps taken so far
     * @param batchLoss the training batch loss measured before this step's update
     * @param applied   false when the step function skipped the step
     * @param model     the model after the update
     */
    void afterStep(int step, double batchLoss, boolean applied, ReferenceMlp model);
}
