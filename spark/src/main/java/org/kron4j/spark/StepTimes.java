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
 * @param decompositionNanos on refresh steps: the Spark job of the layer-sharded decompositions
 *                           (state shipped, decompositions computed, results returned), or with
 *                           decompositions on the driver its whole optimizer step (decompositions
 *                           dominate it); 0 on other steps
 * @param driverNanos        the rest of the optimizer's step on the driver (preconditioning, the
 *                           update, the quadratic model with its oracle jobs' waiting)
 * @param bytesDown          array bytes sent to the tasks (broadcasts × workers)
 * @param bytesUp            array bytes the tasks returned
 * @param jobs               Spark jobs run for the step (1, plus one per oracle question)
 */
public record StepTimes(double loss, boolean applied, boolean statistics, boolean refreshed, long computeNanos,
        long communicationNanos, long decompositionNanos, long driverNanos, long bytesDown, long bytesUp, int jobs) {
}
