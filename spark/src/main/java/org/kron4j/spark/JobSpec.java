package org.kron4j.spark;

import java.io.Serializable;

/**
 * What every task of one training job knows from the start (shipped in the task closures, small):
 * the model recipe, the optimizer configuration as its spec string (tasks rebuild the variant's
 * estimator from it to collect statistics), the sampling seed, and a test hook.
 *
 * @param jobId              identifies the job's cached engines on an executor
 * @param model              the model recipe
 * @param configSpec         {@code OptimizerConfig.spec()} of the driver's configuration
 * @param seed               seed of the MC Fisher target sampling
 * @param failFirstAttemptOf fault injection for tests: the partition whose first attempt of every
 *                           step throws after computing its result (−1: none)
 */
record JobSpec(String jobId, ShardModel model, String configSpec, long seed, int failFirstAttemptOf)
        implements Serializable {
    private static final long serialVersionUID = 1L;
}
