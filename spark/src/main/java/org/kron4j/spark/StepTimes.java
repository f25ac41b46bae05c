package org.kron4j.spark;

/**
 * Where one distributed step's time and traffic went.
 *
 * @param loss               h(θ) of the step's global batch, before the update
 * @param applied            whether the optimizer applied the step
 * @param statistics         whether it was a statistics step
 * @param refreshed          whether it was a refresh step
 * @param computeNanos       the slowest task's compute time, summed over the step's Spark jobs
 * @param communicationNanos the Spark jobs' wall time minus their slowest task: broadcast,
 *                           scheduling, (de)serialisation and result transfer
 * @param decompositionNanos the optimizer's step on the driver on refresh steps (decompositions
 *                           dominate it), 0 otherwise
 * @param driverNanos        the optimizer's step on the driver on the other steps (preconditioning
 *                           and the update)
 * @param bytesDown          array bytes sent to the tasks (broadcasts × workers)
 * @param bytesUp            array bytes the tasks returned
 * @param jobs               Spark jobs run for the step (1, plus one per oracle question)
 */
public record StepTimes(double loss, boolean applied, boolean statistics, boolean refreshed, long computeNanos,
        long communicationNanos, long decompositionNanos, long driverNanos, long bytesDown, long bytesUp, int jobs) {
}
