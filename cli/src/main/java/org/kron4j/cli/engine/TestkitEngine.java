package org.kron4j.cli.engine;

import org.kron4j.cli.ablation.BaselineSettings;
import org.kron4j.cli.ablation.MethodConfig;
import java.util.List;
import org.kron4j.api.capture.StepPlan;
import org.kron4j.api.model.Activation;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.registry.VariantRegistry;
import org.kron4j.reference.mlp.ReferenceMlp;
import org.kron4j.reference.train.StepFunction;
import org.kron4j.testkit.baseline.Adam;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The test kit's {@link ReferenceMlp} (explicit ND4J forward and backward passes, Glorot-uniform
 * weights, float32) as an ablation engine. kron4j variants drive it through their own driver
 * (learning rate and heavy-ball momentum are kron4j's settings); the baselines are
 * {@link NesterovSgd} and the test kit's {@link Adam}, the same update rules as DL4J's.
 */
public final class TestkitEngine implements TrainingEngine {
    private static final Logger LOG = LoggerFactory.getLogger(TestkitEngine.class);

    private final VariantRegistry registry;

    public TestkitEngine(VariantRegistry registry) {
        this.registry = registry;
    }

    @Override
    public String name() {
        return "testkit";
    }

    @Override
    public String describe() {
        return "the test kit's ReferenceMlp (explicit ND4J passes, float32, Glorot-uniform weights); kron4j variants "
                + "apply their own learning rate and heavy-ball momentum; baselines: Nesterov SGD and Adam written out";
    }

    @Override
    public Trainer create(ModelShape model, MethodConfig method, double learningRate, long seed) {
        List<Activation> activations = model.activations();
        ReferenceMlp mlp = ReferenceMlp.builder(model.sizes())
                .hidden(activations.subList(0, activations.size() - 1).toArray(new Activation[0]))
                .loss(model.loss()).dataType(DataType.FLOAT).seed(seed).build();
        StepFunction rule;
        KroneckerOptimizer optimizer = null;
        var baseline = method.baseline();
        if (baseline.isPresent()) {
            var s = method.values();
            rule = switch (baseline.get()) {
                case SGD -> new NesterovSgd(learningRate, s.get(BaselineSettings.MOMENTUM));
                case ADAM -> new Adam(learningRate, s.get(BaselineSettings.BETA1), s.get(BaselineSettings.BETA2),
                        s.get(BaselineSettings.EPSILON));
            };
        } else {
            optimizer = KroneckerOptimizer.builder(method.config(learningRate)).model(mlp.modelSpec()).build();
            rule = StepFunction.of(optimizer);
        }
        LOG.debug("testkit trainer {} lr={} seed={}", method.label(), learningRate, seed);
        return new ReferenceTrainer(mlp, rule, optimizer, Nd4j.getRandomFactory().getNewRandomInstance(seed));
    }

    private static final class ReferenceTrainer implements Trainer {
        private final ReferenceMlp mlp;
        private final StepFunction rule;
        private final KroneckerOptimizer optimizer;
        private final Random sampler;
        private long skipped;

        ReferenceTrainer(ReferenceMlp mlp, StepFunction rule, KroneckerOptimizer optimizer, Random sampler) {
            this.mlp = mlp;
            this.rule = rule;
            this.optimizer = optimizer;
            this.sampler = sampler;
        }

        @Override
        public double step(INDArray x, INDArray y) {
            StepPlan plan = rule.plan();
            ReferenceMlp.StepCapture captured = mlp.captureWithLoss(x, y, plan, sampler);
            List<INDArray> updates = rule.step(captured.capture());
            if (updates.isEmpty()) {
                skipped++;
            } else {
                mlp.addToParameters(updates);
            }
            return captured.loss();
        }

        @Override
        public double meanLoss(INDArray x, INDArray y) {
            return mlp.loss(x, y);
        }

        @Override
        public INDArray predict(INDArray x) {
            return mlp.predict(x);
        }

        @Override
        public long factorBytes() {
            return optimizer == null ? 0 : optimizer.store().bytes();
        }

        @Override
        public long skippedSteps() {
            return skipped;
        }

        @Override
        public void close() {
            try {
                sampler.close();
            } catch (Exception e) {
                LOG.debug("closing the sampling generator failed", e);
            }
        }
    }
}
