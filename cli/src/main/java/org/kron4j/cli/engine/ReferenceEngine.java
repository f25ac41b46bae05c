package org.kron4j.cli.engine;

import org.kron4j.cli.ablation.BaselineSettings;
import org.kron4j.cli.ablation.MethodConfig;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.kron4j.api.CurvatureBlock;
import org.kron4j.api.DampingInUse;
import org.kron4j.api.checkpoint.CheckpointFormatException;
import org.kron4j.api.checkpoint.StateReader;
import org.kron4j.api.checkpoint.StateWriter;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.optim.StepDiagnostics;
import org.kron4j.api.optim.StepResult;
import org.kron4j.api.capture.StepPlan;
import org.kron4j.api.model.Activation;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.registry.VariantRegistry;
import org.kron4j.reference.mlp.ReferenceMlp;
import org.kron4j.reference.train.StepFunction;
import org.kron4j.reference.train.FirstOrderRule;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * kron4j's {@link ReferenceMlp} (explicit ND4J forward and backward passes, Glorot-uniform
 * weights, float32; module {@code kron4j-reference}) as an ablation engine, named
 * {@value #NAME} ({@value #ALIAS} is accepted as its former name). kron4j variants drive it
 * through their own driver (learning rate and heavy-ball momentum are kron4j's settings); the
 * baselines are kron4j's first-order transforms ({@link FirstOrderRule#nesterov},
 * {@link FirstOrderRule#adam}), the same update rules as DL4J's.
 */
public final class ReferenceEngine implements TrainingEngine {
    /** The engine's name on the command line and in config.json. */
    public static final String NAME = "reference";
    /** The engine's former name, still accepted. */
    public static final String ALIAS = "testkit";
    private static final Logger LOG = LoggerFactory.getLogger(ReferenceEngine.class);
    /** Why a CNN cannot run here. */
    public static final String CNN_REFUSAL = "engine 'reference' trains MLPs and autoencoders only (kron4j's "
            + "ReferenceMlp has no convolution layers): run --model cnn on --engine dl4j (the default)";

    private final VariantRegistry registry;

    public ReferenceEngine(VariantRegistry registry) {
        this.registry = registry;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String describe() {
        return "kron4j's ReferenceMlp (explicit ND4J passes, float32, Glorot-uniform weights); kron4j variants "
                + "apply their own learning rate and heavy-ball momentum; baselines: Nesterov SGD and Adam from kron4j's "
                + "first-order transforms";
    }

    @Override
    public Trainer create(ModelShape model, MethodConfig method, double learningRate, long seed) {
        if (model.isCnn()) {
            throw new IllegalArgumentException(CNN_REFUSAL);
        }
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
                case SGD -> FirstOrderRule.nesterov(learningRate, s.get(BaselineSettings.MOMENTUM));
                case ADAM -> FirstOrderRule.adam(learningRate, s.get(BaselineSettings.BETA1),
                        s.get(BaselineSettings.BETA2), s.get(BaselineSettings.EPSILON));
            };
        } else {
            optimizer = KroneckerOptimizer.builder(method.config(learningRate)).model(mlp.modelSpec()).build();
            rule = new Recording(optimizer);
        }
        LOG.debug("reference trainer {} lr={} seed={}", method.label(), learningRate, seed);
        return new ReferenceTrainer(mlp, rule, optimizer, Nd4j.getRandomFactory().getNewRandomInstance(seed));
    }

    /** The optimizer as a step function that keeps its last {@link StepResult}'s diagnostics. */
    private static final class Recording implements StepFunction {
        private final KroneckerOptimizer optimizer;
        private StepDiagnostics last;

        Recording(KroneckerOptimizer optimizer) {
            this.optimizer = optimizer;
        }

        @Override
        public List<INDArray> step(ModelCapture capture) {
            StepResult result = optimizer.step(capture);
            last = result.diagnostics();
            return result.updates();
        }

        @Override
        public StepPlan plan() {
            return optimizer.plan();
        }

        @Override
        public String name() {
            return optimizer.variant().name();
        }
    }

    private static final class ReferenceTrainer implements Trainer {
        private static final String KIND = "kron4j-reference-mlp";
        private static final String BASELINE = "reference/baseline/";
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
        public Map<String, Long> factorBytesByLayer() {
            return optimizer == null ? Map.of() : optimizer.store().bytesByBlock();
        }

        @Override
        public long skippedSteps() {
            return skipped;
        }

        @Override
        public StepDiagnostics lastDiagnostics() {
            return rule instanceof Recording recording ? recording.last : null;
        }

        @Override
        public Map<String, DampingInUse> dampingInUse() {
            Map<String, DampingInUse> damping = new LinkedHashMap<>();
            if (optimizer != null) {
                for (CurvatureBlock block : optimizer.estimator().blocks()) {
                    block.dampingInUse().ifPresent(used -> damping.put(block.layer().name(), used));
                }
            }
            return damping;
        }

        /** kron4j variants (their optimizer's state) and the first-order baselines (their rule's buffers). */
        @Override
        public boolean checkpointable() {
            return optimizer != null || rule instanceof FirstOrderRule;
        }

        /**
         * The network's parameters, the sampling generator's position and, for a baseline, its rule's
         * state; then, for a kron4j variant, the optimizer's state.
         */
        @Override
        public void save(java.io.OutputStream out) {
            requireCheckpointable();
            try (StateWriter writer = new StateWriter(out)) {
                writer.putString("kind", KIND);
                List<INDArray> parameters = mlp.parameters();
                writer.putLong("reference/layers", parameters.size());
                for (int l = 0; l < parameters.size(); l++) {
                    writer.putArray("reference/parameters." + l, parameters.get(l));
                }
                writer.putLong("reference/sampling.rootState", sampler.rootState());
                writer.putLong("reference/sampling.nodeState", sampler.nodeState());
                writer.putLong("reference/skipped", skipped);
                if (rule instanceof FirstOrderRule baseline) {
                    baseline.save(writer, BASELINE);
                }
            }
            if (optimizer != null) {
                optimizer.save(out);
            }
        }

        @Override
        public void restore(java.io.InputStream in) {
            requireCheckpointable();
            StateReader reader = StateReader.read(in);
            if (!reader.has("kind") || !KIND.equals(reader.getString("kind"))) {
                throw new CheckpointFormatException("not a reference-engine state (expected kind '" + KIND + "')");
            }
            List<INDArray> current = mlp.parameters();
            if (reader.getLong("reference/layers") != current.size()) {
                throw new CheckpointFormatException("the state has " + reader.getLong("reference/layers")
                        + " parameter arrays, this network " + current.size());
            }
            List<INDArray> values = new java.util.ArrayList<>();
            for (int l = 0; l < current.size(); l++) {
                values.add(reader.array("reference/parameters." + l, current.get(l).dataType(),
                        current.get(l).shape()));
            }
            if (optimizer != null) {
                optimizer.restore(in);
            } else {
                ((FirstOrderRule) rule).restore(reader, BASELINE);
            }
            mlp.setParameters(values);
            sampler.setStates(reader.getLong("reference/sampling.rootState"),
                    reader.getLong("reference/sampling.nodeState"));
            skipped = reader.getLong("reference/skipped");
        }

        private void requireCheckpointable() {
            if (!checkpointable()) {
                throw new UnsupportedOperationException(rule.name() + " on the reference engine cannot be checkpointed");
            }
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
