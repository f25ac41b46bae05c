/**
 * The optimizer's update as a chain of small transforms, in the manner of optax: each
 * {@link org.kron4j.api.optim.transform.UpdateTransform} turns the per-layer updates it receives
 * into new ones, keeps its state in the {@link org.kron4j.api.store.FactorStore} (so that it is
 * checkpointed with everything else) and changes that state only through the
 * {@link org.kron4j.api.optim.transform.UpdateContext}, which commits the staged changes of the
 * whole chain at once or, when a transform rejects the step, not at all.
 *
 * <p>The driver's default chain ({@link org.kron4j.api.optim.KroneckerOptimizer}) is
 * {@link org.kron4j.api.optim.transform.AddWeightDecay} →
 * {@link org.kron4j.api.optim.transform.PreconditionByCurvature} →
 * {@link org.kron4j.api.optim.transform.ClipByKl} →
 * {@link org.kron4j.api.optim.transform.RecordDirections} →
 * {@link org.kron4j.api.optim.transform.HeavyBallMomentum} (when μ &gt; 0) →
 * {@link org.kron4j.api.optim.transform.ScaleByLearningRate}. The first-order rules
 * ({@link org.kron4j.api.optim.transform.ScaleByAdam},
 * {@link org.kron4j.api.optim.transform.ScaleByAdaGrad},
 * {@link org.kron4j.api.optim.transform.NesterovMomentum}, heavy-ball SGD) are the same kind of
 * transform and serve the test kit's and the CLI's baselines and Shampoo's grafting.
 */
package org.kron4j.api.optim.transform;
