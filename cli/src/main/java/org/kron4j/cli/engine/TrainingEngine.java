package org.kron4j.cli.engine;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;
import org.kron4j.api.DampingInUse;
import org.kron4j.api.optim.StepDiagnostics;
import org.kron4j.cli.ablation.MethodConfig;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What trains a network for an ablation: builds a fresh network of a {@link ModelShape} for a
 * seed, with one method at one learning rate, and runs its steps. Implementations: {@link Dl4jEngine}
 * (a DL4J {@code MultiLayerNetwork}, kron4j attached as a listener; the default) and
 * {@link ReferenceEngine} (kron4j's {@code ReferenceMlp}). The ablation runner never learns
 * which one it drives.
 */
public interface TrainingEngine {

    /** "dl4j" or "reference". */
    String name();

    /** One line for reports: what the networks are and how the methods are applied. */
    String describe();

    /**
     * A freshly initialised network for the seed, with the method attached.
     *
     * @param learningRate one rate of the method's sweep
     * @param seed         sets the initial weights and the MC Fisher samples
     * @throws IllegalArgumentException or {@link org.kron4j.api.UnsupportedModelException} when
     *     the method cannot train this model (reported as bad input)
     */
    Trainer create(ModelShape model, MethodConfig method, double learningRate, long seed);

    /** One network with its update rule. Not thread-safe. */
    public interface Trainer extends AutoCloseable {

        /** Trains one step on the batch; returns the batch loss measured before the update. */
        double step(INDArray x, INDArray y);

        /** The mean loss over the rows, no update. */
        double meanLoss(INDArray x, INDArray y);

        /** The network's predictions (class probabilities or reconstructions), rows as in x. */
        INDArray predict(INDArray x);

        /** Bytes the method's curvature factors occupy now; 0 for baselines. */
        long factorBytes();

        /**
         * Bytes of the method's curvature state per layer (block name → bytes, in layer order), summing
         * to {@link #factorBytes()}; empty for baselines.
         */
        default Map<String, Long> factorBytesByLayer() {
            return Map.of();
        }

        /** Steps the method refused (a kron4j guard found NaN or infinity); 0 for baselines. */
        long skippedSteps();

        /**
         * The diagnostics of the last {@link #step} (λ, ρ, α, μ, loss) as the kron4j optimizer
         * reported them; null for baselines and before the first step.
         */
        default StepDiagnostics lastDiagnostics() {
            return null;
        }

        /**
         * Per layer, the damping its curvature block really applies now, after any raise by the
         * store's fallback chain; empty for baselines and variants that report none.
         */
        default Map<String, DampingInUse> dampingInUse() {
            return Map.of();
        }

        /**
         * Whether {@link #save} and {@link #restore} are supported: then an interrupted ablation
         * resumes this run from its last checkpoint bit for bit; otherwise a resumed ablation
         * reruns it from its first step (same result, more time).
         */
        default boolean checkpointable() {
            return false;
        }

        /**
         * Writes everything the next steps depend on (parameters, the update rule's state: updater
         * buffers, the kron4j optimizer's transforms and factor store, step counters, every random
         * generator the trainer owns) as one or more K4JS states
         * ({@code org.kron4j.api.checkpoint.StateWriter}), never Java serialization. Does not close
         * the stream.
         *
         * @throws UnsupportedOperationException when not {@link #checkpointable()}
         */
        default void save(OutputStream out) {
            throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot be checkpointed");
        }

        /**
         * Restores what {@link #save} wrote into a trainer this engine has just created for the same
         * model, method, learning rate and seed; reads exactly the bytes {@code save} wrote. A damaged
         * or mismatched state is refused with a {@code CheckpointFormatException} naming the problem.
         *
         * @throws UnsupportedOperationException when not {@link #checkpointable()}
         */
        default void restore(InputStream in) {
            throw new UnsupportedOperationException(getClass().getSimpleName() + " cannot be checkpointed");
        }

        @Override
        void close();
    }
}
