package org.kron4j.api.refresh;

import java.util.Objects;

/**
 * The computation of one block's refresh, detached from the block: made on the training thread by
 * {@link org.kron4j.api.CurvatureBlock#prepareRefresh} from copies of what the decompositions need,
 * {@link #compute()} may then run on any thread, once, and touches no optimizer state. Its result
 * goes back to the block through {@link org.kron4j.api.CurvatureBlock#install}.
 */
public interface RefreshJob {

    /** The name of the layer whose block made this job. */
    String block();

    /**
     * Computes the decompositions. Numerical trouble does not throw: it is recorded in the result
     * (the store's fallback chain runs here and finishes at install). Thread-safe with respect to
     * the optimizer: it reads only the job's own copies.
     */
    RefreshResult compute();

    /** Computes jobs one after the other on the calling thread, results in the jobs' order. */
    static java.util.List<RefreshResult> computeAll(java.util.List<RefreshJob> jobs) {
        java.util.List<RefreshResult> results = new java.util.ArrayList<>(jobs.size());
        for (RefreshJob job : jobs) {
            results.add(job.compute());
        }
        return results;
    }

    /**
     * The job of a block that does not split its refresh: computes nothing, and its result makes
     * {@code install} run the block's synchronous {@code refresh(damping)} on the training thread.
     */
    static RefreshJob synchronous(String block, double damping) {
        Objects.requireNonNull(block, "block");
        RefreshResult result = RefreshResult.synchronous(block, damping);
        return new RefreshJob() {
            @Override
            public String block() {
                return block;
            }

            @Override
            public RefreshResult compute() {
                return result;
            }

            @Override
            public String toString() {
                return "RefreshJob.synchronous{" + block + ", damping=" + damping + "}";
            }
        };
    }
}
