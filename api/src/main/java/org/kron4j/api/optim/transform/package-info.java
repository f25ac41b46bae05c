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
 * {@link org.kron4j.api.optim.transform.ScaleByLearningRate}; for the K-FAC family's adaptive
 * defaults, {@link org.kron4j.api.optim.transform.QuadraticModelStep} replaces the KL clip, momentum
 * and learning rate, and {@link org.kron4j.api.optim.transform.LevenbergMarquardtDamping} ends the
 * chain (issue 17). The first-order rules
 * ({@link org.kron4j.api.optim.transform.ScaleByAdam},
 * {@link org.kron4j.api.optim.transform.ScaleByAdaGrad},
 * {@link org.kron4j.api.optim.transform.NesterovMomentum}, heavy-ball SGD) are the same kind of
 * transform and serve the test kit's and the CLI's baselines and Shampoo's grafting.
 *
 * <p><b>Adding a rule.</b> A rule such as adaptive damping or a quadratic-model learning rate
 * and momentum is one more transform in a chain given to
 * {@link org.kron4j.api.optim.KroneckerOptimizer.Builder#updateChain}, usually built from
 * {@link org.kron4j.api.optim.KroneckerOptimizer#defaultTransforms}. Its context offers what such
 * a rule needs: the step index, the capture (with whatever the engine adds, e.g. the batch loss),
 * the raw gradients, the estimator (preconditioning and the blocks' other products), the damping
 * and learning rate (stageable: the driver keeps new values and refreshes with the new damping
 * only when the step commits), values left by earlier stages ({@link
 * org.kron4j.api.optim.transform.ContextKey}), and {@link
 * org.kron4j.api.optim.transform.UpdateContext#reject}. Per-step state (a previous update, a
 * step counter) belongs in store arrays or, for scalars, in fields changed through
 * {@link org.kron4j.api.optim.transform.UpdateContext#onCommit}; only store arrays are
 * checkpointed, so a scalar that must survive a restore should live in a one-element store array.
 * The statistics and refresh of a step happen before the chain runs and are kept when a
 * transform rejects it, unless a stage declares
 * {@link org.kron4j.api.optim.transform.UpdateTransform#mayRejectSteps()}: then the driver rolls
 * them back too, and a rejected step leaves every byte of the optimizer's state as it was.
 */
package org.kron4j.api.optim.transform;
