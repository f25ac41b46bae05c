package org.kron4j.spark;

import java.util.List;
import java.util.Objects;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.kron4j.api.capture.BatchOracle;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.capture.StepPlan;
import org.kron4j.api.model.ModelSpec;
import org.kron4j.api.settings.OptimizerConfig;
import org.kron4j.dl4j.Dl4jStepEngine;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;

/**
 * A DL4J {@code MultiLayerNetwork} as a {@link ShardModel}: its configuration as DL4J's JSON and
 * the optimizer spec whose variant maps the layers to blocks. Every task builds the network from
 * the JSON and {@code init()}s it (the configuration's seed gives every copy the same initial
 * parameters; the driver's parameters overwrite them at every step anyway).
 *
 * @param configurationJson {@code MultiLayerConfiguration.toJson()}
 * @param optimizerSpec     the optimizer's {@code OptimizerConfig.spec()}
 */
public record Dl4jShardModel(String configurationJson, String optimizerSpec) implements ShardModel {
    private static final long serialVersionUID = 1L;

    public Dl4jShardModel {
        Objects.requireNonNull(configurationJson, "configurationJson");
        Objects.requireNonNull(optimizerSpec, "optimizerSpec");
    }

    /** The recipe of a network's configuration for an optimizer configuration. */
    public static Dl4jShardModel of(MultiLayerConfiguration configuration, OptimizerConfig optimizer) {
        return new Dl4jShardModel(configuration.toJson(), optimizer.spec());
    }

    @Override
    public ShardEngine create() {
        MultiLayerNetwork network = new MultiLayerNetwork(MultiLayerConfiguration.fromJson(configurationJson));
        network.init();
        return new Engine(Dl4jStepEngine.of(network, OptimizerConfig.parse(optimizerSpec).variant()));
    }

    @Override
    public String describe() {
        return "DL4J MultiLayerNetwork (" + MultiLayerConfiguration.fromJson(configurationJson).getConfs().size()
                + " layers)";
    }

    /** The DL4J engine behind a shard engine of this model. */
    public static Dl4jStepEngine engine(ShardEngine engine) {
        return ((Engine) engine).dl4j;
    }

    private record Engine(Dl4jStepEngine dl4j) implements ShardEngine {

        @Override
        public ModelSpec modelSpec() {
            return dl4j.modelSpec();
        }

        @Override
        public List<INDArray> parameters() {
            return dl4j.parameters();
        }

        @Override
        public void setParameters(List<INDArray> parameters) {
            dl4j.setParameters(parameters);
        }

        @Override
        public ModelCapture capture(INDArray x, INDArray y, StepPlan plan, Random random) {
            return dl4j.capture(x, y, plan, random);
        }

        @Override
        public BatchOracle oracle(INDArray x, INDArray y) {
            return dl4j.oracle(x, y);
        }

        @Override
        public double loss(INDArray x, INDArray y) {
            return dl4j.loss(x, y);
        }

        @Override
        public INDArray predict(INDArray x) {
            return dl4j.predict(x);
        }
    }
}
