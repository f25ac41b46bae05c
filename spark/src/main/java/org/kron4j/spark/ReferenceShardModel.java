package org.kron4j.spark;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.kron4j.api.capture.BatchOracle;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.capture.StepPlan;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.Loss;
import org.kron4j.api.model.ModelSpec;
import org.kron4j.reference.mlp.ReferenceMlp;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;

/**
 * kron4j's reference MLP ({@link ReferenceMlp}) as a {@link ShardModel}: the widths, activations,
 * loss, precision and initialisation seed, from which every task builds the same network.
 *
 * @param sizes    layer widths, input first
 * @param hidden   one activation per hidden layer
 * @param loss     the output loss
 * @param float64  true for DOUBLE, false for FLOAT
 * @param seed     the weight-initialisation seed
 */
public record ReferenceShardModel(int[] sizes, Activation[] hidden, Loss loss, boolean float64, long seed)
        implements ShardModel {
    private static final long serialVersionUID = 1L;

    public ReferenceShardModel {
        Objects.requireNonNull(sizes, "sizes");
        Objects.requireNonNull(hidden, "hidden");
        Objects.requireNonNull(loss, "loss");
    }

    @Override
    public ShardEngine create() {
        return new Engine(new ReferenceMlp(sizes, hidden, loss, float64 ? DataType.DOUBLE : DataType.FLOAT, seed,
                true));
    }

    @Override
    public String describe() {
        return "reference MLP " + Arrays.toString(sizes) + " " + Arrays.toString(hidden) + " " + loss
                + (float64 ? " float64" : " float32");
    }

    /** The network behind an engine (tests compare against a one-process run of the same network). */
    public static ReferenceMlp network(ShardEngine engine) {
        return ((Engine) engine).mlp;
    }

    private record Engine(ReferenceMlp mlp) implements ShardEngine {

        @Override
        public ModelSpec modelSpec() {
            return mlp.modelSpec();
        }

        @Override
        public List<INDArray> parameters() {
            return mlp.copyParameters();
        }

        @Override
        public void setParameters(List<INDArray> parameters) {
            mlp.setParameters(parameters);
        }

        @Override
        public ModelCapture capture(INDArray x, INDArray y, StepPlan plan, Random random) {
            return mlp.capture(x, y, plan, random);
        }

        @Override
        public BatchOracle oracle(INDArray x, INDArray y) {
            return mlp.oracle(x, y);
        }

        @Override
        public double loss(INDArray x, INDArray y) {
            return mlp.loss(x, y);
        }

        @Override
        public INDArray predict(INDArray x) {
            return mlp.predict(x);
        }
    }
}
