package org.kron4j.dl4j;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.kron4j.api.CurvatureApproximation;
import org.kron4j.api.CurvatureBlock;
import org.kron4j.api.Kron4j;
import org.kron4j.api.UnsupportedModelException;
import org.kron4j.api.capture.CaptureField;
import org.kron4j.api.linalg.SymmetricLinearAlgebra;
import org.kron4j.api.model.Loss;
import org.kron4j.api.model.ModelSpec;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.optim.OptimizerSettings;
import org.kron4j.api.optim.UnsupportedLayerPolicy;
import org.kron4j.api.registry.VariantRegistry;
import org.kron4j.api.settings.OptimizerConfig;
import org.kron4j.api.support.NdArrays;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.learning.config.Sgd;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Trains a DL4J {@link MultiLayerNetwork} with a kron4j optimizer, keeping DL4J's own training
 * loop:
 *
 * <pre>{@code
 * MultiLayerNetwork net = new MultiLayerNetwork(conf);   // updater(new Nesterovs(0.5, 0.5)) or Sgd
 * net.init();
 * Kron4jAttachment kfac = Kron4jDl4j.attach(net, "kfac:damping=0.1,tCov=1,tInv=5,klClip=0");
 * net.fit(trainIterator, 10);                            // listeners, evaluation, ModelSerializer as usual
 * }</pre>
 *
 * <p><b>How.</b> The attachment is a {@code TrainingListener} whose {@code onGradientCalculation}
 * runs after DL4J's back-propagation and before its updater (verified for 1.0.0-M2.1:
 * {@code BaseOptimizer.gradientAndScore} calls it outside every workspace, then
 * {@code updateGradientAccordingToParams}). There it maps DL4J's gradient (batch sums; W as
 * [nIn, nOut], b as [1, nOut]) to kron4j's layout ([Wᵀ | bᵀ] of the batch-mean loss), runs the
 * statistics pass the optimizer's plan asks for (only on those steps), takes the optimizer step
 * and writes the preconditioned, KL-clipped direction back into the gradient views, multiplied
 * by B so that DL4J's updater, which divides by B, sees it in the gradient's own scale.
 *
 * <p><b>Adaptive K-FAC</b> ({@code adaptiveStep=true}, the default of kfac, ekfac and kfra): kron4j
 * computes the whole update δ (learning rate and momentum from the quadratic model, damping by
 * Levenberg-Marquardt) and writes −B·δ (−δ without miniBatch) into the gradient views, so DL4J's
 * updater must pass them through: {@code NoOp}, or {@code Sgd} with learning rate 1, and no DL4J
 * regularisation or gradient normalisation. {@code attach} refuses anything else with a message
 * saying what to set, or installs {@code NoOp} with {@link Builder#installPassThroughUpdater()}.
 * {@link Kron4jAttachment#lastStep()} gives each step's λ, ρ, α and μ. The rest of this paragraph
 * and the next describe the fixed mode ({@code adaptiveStep=false}).
 *
 * <p><b>Learning rate and momentum belong to DL4J's updater.</b> Use {@code Sgd} or
 * {@code Nesterovs}; the step is θ ← θ − η_DL4J·d (with DL4J's momentum on d). kron4j's
 * {@code learningRate} only enters the KL clip ν = min(1, √(κ/(η² Σ dᵀg))), so it is set to
 * DL4J's learning rate (schedules included, read every iteration) and may not be given in the
 * spec; kron4j's own momentum is off, and a spec asking for it is refused. Other DL4J updaters
 * (Adam, RmsProp, …) are allowed with a warning: they rescale the direction per coordinate.
 *
 * <p><b>What is preconditioned.</b> {@code DenseLayer} and the final {@code OutputLayer} are
 * dense blocks; every other trainable parameter is a tensor block (Shampoo takes all of them).
 * A layer the variant cannot precondition fails the attachment with a message naming it, unless
 * the spec says {@code unsupportedLayers=pass_through}, which gives it DL4J's plain gradient and
 * logs so. Likewise for dense layers the statistics pass cannot reach (below a layer it cannot
 * back-propagate through, or any layer when the output loss is not one kron4j knows).
 *
 * <p><b>Memory.</b> All kron4j state lives outside DL4J's workspaces (the listener runs
 * detached). Each parameter block keeps one buffer for the gradient in kron4j's layout (and one
 * for the parameters when the plan asks for them), refilled every step in one pass over DL4J's
 * gradient view (÷B fused into the copy); the direction goes back in one pass per part (×B fused)
 * straight into DL4J's gradient views. The statistics pass allocates on the steps that collect
 * statistics and keeps nothing.
 */
public final class Kron4jDl4j {
    private static final Logger LOG = LoggerFactory.getLogger(Kron4jDl4j.class);
    private static final Set<Class<?>> PLAIN_UPDATERS = Set.of(Sgd.class, Nesterovs.class, NoOp.class);

    private Kron4jDl4j() {
    }

    /**
     * Attaches the variant named by a spec string ({@code "kfac:damping=1e-3,tInv=50"}) from the
     * variants on the class path, with MC Fisher targets sampled from a generator seeded with the
     * network's configured seed.
     *
     * @throws IllegalArgumentException for a malformed spec, an unknown variant or setting, or a
     *     learningRate/momentum that belongs to DL4J's updater
     * @throws UnsupportedModelException when the variant cannot handle a layer or the loss
     * @throws IllegalStateException when the network is not initialised or already has kron4j attached
     */
    public static Kron4jAttachment attach(MultiLayerNetwork network, String spec) {
        return builder(network).spec(spec).attach();
    }

    /**
     * Attaches a configuration parsed or built before ({@link OptimizerConfig}); the same checks
     * as {@link #attach(MultiLayerNetwork, String)}.
     */
    public static Kron4jAttachment attach(MultiLayerNetwork network, OptimizerConfig config) {
        return builder(network).config(config).attach();
    }

    /** A builder for the less common options: another registry, the sampling seed, the decomposition kernels. */
    public static Builder builder(MultiLayerNetwork network) {
        return new Builder(network);
    }

    /** Options of an attachment; {@link #spec} or {@link #config} is required. Each option may be set once. */
    public static final class Builder {
        private final MultiLayerNetwork network;
        private String spec;
        private OptimizerConfig config;
        private VariantRegistry registry;
        private Long seed;
        private SymmetricLinearAlgebra linearAlgebra;
        private boolean installPassThrough;

        private Builder(MultiLayerNetwork network) {
            this.network = Objects.requireNonNull(network, "network");
        }

        /** The variant and its settings, {@code "name[:key=value,...]"}. */
        public Builder spec(String value) {
            requireUnset(spec, "spec");
            requireUnset(config, "config");
            this.spec = Objects.requireNonNull(value, "spec");
            return this;
        }

        /** The variant and its settings, typed (instead of {@link #spec}). */
        public Builder config(OptimizerConfig value) {
            requireUnset(config, "config");
            requireUnset(spec, "spec");
            this.config = Objects.requireNonNull(value, "config");
            return this;
        }

        /** Where variants are looked up; default {@link Kron4j#variants()} (ServiceLoader). */
        public Builder registry(VariantRegistry value) {
            requireUnset(registry, "registry");
            this.registry = Objects.requireNonNull(value, "registry");
            return this;
        }

        /** Seed of the generator for MC Fisher targets; default the network configuration's seed. */
        public Builder seed(long value) {
            requireUnset(seed, "seed");
            this.seed = value;
            return this;
        }

        /** The optimizer's decomposition kernels; default {@code LinearAlgebras.forCurrentBackend()}. */
        public Builder linearAlgebra(SymmetricLinearAlgebra value) {
            requireUnset(linearAlgebra, "linearAlgebra");
            this.linearAlgebra = Objects.requireNonNull(value, "linearAlgebra");
            return this;
        }

        /**
         * With the adaptive step ({@code adaptiveStep=true}, the K-FAC family's default), replace the
         * updater of every trainable layer by DL4J's {@code NoOp} instead of refusing a network whose
         * updater would rescale kron4j's update.
         */
        public Builder installPassThroughUpdater() {
            this.installPassThrough = true;
            return this;
        }

        private static void requireUnset(Object current, String name) {
            if (current != null) {
                throw new IllegalStateException(name + " was already set");
            }
        }

        /** Validates everything, builds the optimizer and adds the listener to the network. */
        public Kron4jAttachment attach() {
            if (spec == null && config == null) {
                throw new IllegalStateException("an attachment needs a spec: call spec(\"kfac:...\") or config(...)");
            }
            return NdArrays.detached(this::attachDetached);
        }

        private Kron4jAttachment attachDetached() {
            if (!network.isInitCalled() || network.getLayers() == null) {
                throw new IllegalStateException("call network.init() before attaching kron4j");
            }
            if (network.getListeners() != null) {
                for (TrainingListener l : network.getListeners()) {
                    if (l instanceof PreconditioningListener) {
                        throw new IllegalStateException("the network already has kron4j attached (" + l
                                + "); detach it first");
                    }
                }
            }
            OptimizerConfig settings = config != null ? config
                    : OptimizerConfig.parse(registry != null ? registry : Kron4j.variants(), spec);
            String written = spec != null ? spec : settings.spec();
            CurvatureApproximation variant = settings.variant();
            NetworkModel model = NetworkModel.of(network);

            boolean adaptiveStep = KroneckerOptimizer.adaptiveStep(settings);
            UpdaterInfo updater = UpdaterInfo.of(network, model);
            if (!adaptiveStep && updater.hasLearningRate() && settings.isSet(OptimizerSettings.LEARNING_RATE)) {
                throw new IllegalArgumentException("learningRate is DL4J's: the step is set by the network's updater ("
                        + updater.describe() + "); remove learningRate from '" + written + "'");
            }
            if (settings.isSet(OptimizerSettings.MOMENTUM) && settings.get(OptimizerSettings.MOMENTUM) != 0.0) {
                throw new IllegalArgumentException("momentum is DL4J's: use the Nesterovs updater and remove momentum="
                        + settings.settings().asText().get(OptimizerSettings.MOMENTUM.name()) + " from '" + written
                        + "'");
            }
            UnsupportedLayerPolicy policy = settings.isSet(OptimizerSettings.UNSUPPORTED_LAYERS)
                    ? settings.get(OptimizerSettings.UNSUPPORTED_LAYERS) : UnsupportedLayerPolicy.FAIL;

            Set<Integer> demoted = new HashSet<>();
            List<ParameterBlock> blocks = model.blocks(demoted, variant);
            checkSupported(variant, model, blocks, policy);
            KroneckerOptimizer optimizer = build(variant, settings, model, blocks, updater);
            Set<CaptureField> fields = optimizer.estimator().statisticsFields();
            if (model.outputLoss().isEmpty() && (fields.contains(CaptureField.OUTPUT_HESSIAN)
                    || fields.contains(CaptureField.OUTPUT_GRADIENTS))) {
                throw new UnsupportedModelException("variant '" + variant.name() + "' needs the output distribution, "
                        + "but kron4j does not know " + model.lossProblem());
            }
            Set<Integer> unreachable = unreachableNeedingStatistics(optimizer, model, blocks);
            if (!unreachable.isEmpty()) {
                String why = "variant '" + variant.name() + "' needs per-example output gradients at "
                        + describeLayers(model, unreachable) + ", but they cannot be computed: "
                        + model.reachabilityBlocker();
                if (policy != UnsupportedLayerPolicy.PASS_THROUGH) {
                    throw new UnsupportedModelException(why + "; set unsupportedLayers=pass_through to train "
                            + (unreachable.size() == 1 ? "it" : "them") + " with DL4J's plain gradient");
                }
                LOG.warn("{}: they get DL4J's plain gradient (unsupportedLayers=pass_through)", why);
                demoted.addAll(unreachable);
                blocks = model.blocks(demoted, variant);
                optimizer = build(variant, settings, model, blocks, updater);
                if (!unreachableNeedingStatistics(optimizer, model, blocks).isEmpty()) {
                    throw new UnsupportedModelException(why + ", even with those layers passed through");
                }
            }
            if (optimizer.plan().needs(CaptureField.BATCH_ORACLE)) {
                String why = Dl4jBatchOracle.unsupportedReason(model, blocks);
                if (why != null) {
                    throw new UnsupportedModelException("adaptive K-FAC (adaptiveStep / adaptiveDamping) needs exact "
                            + "Gauss-Newton products of the batch, which kron4j cannot compute for this network: " + why
                            + "; train it with fixed damping: add adaptiveStep=false,adaptiveDamping=false to '"
                            + written + "'");
                }
            }
            if (adaptiveStep) {
                requirePassThrough(model, written);
            } else {
                warnAboutDl4jSettings(model, updater);
            }

            long samplingSeed = seed != null ? seed : network.getLayerWiseConfigurations().getConf(0).getSeed();
            Random random = Nd4j.getRandomFactory().getNewRandomInstance(samplingSeed);
            StatisticsPass pass = new StatisticsPass(model, blocks);
            PreconditioningListener listener = new PreconditioningListener(network, optimizer, blocks, pass,
                    adaptiveStep ? (iteration, epoch, batch) -> Double.NaN : updater::learningRate, random,
                    adaptiveStep);
            network.addListeners(listener);
            Map<String, String> layout = model.describe(blocks);
            LOG.info("kron4j '{}' attached to a {}-layer MultiLayerNetwork: {}", variant.name(), model.layers().size(),
                    layout);
            return new Kron4jAttachment(network, listener, optimizer.model(), layout);
        }

        /**
         * Adaptive step: kron4j computes the whole update δ, so DL4J's updater must pass the gradient
         * view through unchanged (NoOp, or Sgd with learning rate 1), with no regularisation or
         * gradient normalisation of its own; installs NoOp when asked to, else refuses naming what to set.
         */
        private void requirePassThrough(NetworkModel model, String written) {
            List<String> problems = new ArrayList<>();
            for (NetworkModel.Dl4jLayer layer : model.layers()) {
                if (!(layer.layer().conf().getLayer() instanceof BaseLayer base)
                        || layer.role() == NetworkModel.Role.FROZEN || layer.layer().numParams() == 0) {
                    continue;
                }
                for (IUpdater u : new IUpdater[] {base.getIUpdater(), base.getBiasUpdater()}) {
                    if (u != null && !isPassThrough(u)) {
                        if (installPassThrough) {
                            base.setIUpdater(new NoOp());
                            base.setBiasUpdater(new NoOp());
                        } else {
                            problems.add(layer.describe() + " has updater " + u);
                        }
                    }
                }
                boolean regularized = (base.getRegularization() != null && !base.getRegularization().isEmpty())
                        || (base.getRegularizationBias() != null && !base.getRegularizationBias().isEmpty());
                if (regularized) {
                    problems.add(layer.describe() + " has DL4J regularization " + base.getRegularization()
                            + " (remove it; use kron4j's weightDecay setting)");
                }
                if (base.getGradientNormalization() != null
                        && base.getGradientNormalization() != GradientNormalization.None) {
                    problems.add(layer.describe() + " has gradient normalization " + base.getGradientNormalization()
                            + " (remove it)");
                }
            }
            if (installPassThrough && problems.isEmpty()) {
                network.setUpdater(null);
                LOG.info("kron4j installed DL4J's NoOp updater: the adaptive step computes the whole update");
            }
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException("with adaptiveStep=true kron4j computes the whole update (learning "
                        + "rate and momentum from the quadratic model), so DL4J must apply it unchanged: "
                        + String.join("; ", problems) + ". Set .updater(new NoOp()) (or new Sgd(1.0)) on the network "
                        + "configuration, or call Kron4jDl4j.builder(network).installPassThroughUpdater(), or add "
                        + "adaptiveStep=false to '" + written + "' to keep DL4J's learning rate and momentum");
            }
        }

        private static boolean isPassThrough(IUpdater u) {
            return u instanceof NoOp || (u instanceof Sgd sgd && sgd.getLearningRateSchedule() == null
                    && sgd.getLearningRate() == 1.0);
        }

        private KroneckerOptimizer build(CurvatureApproximation variant, OptimizerConfig settings,
                NetworkModel model, List<ParameterBlock> blocks, UpdaterInfo updater) {
            ModelSpec modelSpec = model.modelSpec(blocks, Loss.SQUARED_ERROR);
            KroneckerOptimizer.Builder builder = KroneckerOptimizer.builder(settings).model(modelSpec);
            // DL4J's updater owns momentum in fixed mode; the adaptive step chooses its own (setting it would
            // only draw the driver's "ignored" warning)
            if (!settings.isSet(OptimizerSettings.MOMENTUM) && !KroneckerOptimizer.adaptiveStep(settings)) {
                builder.momentum(0.0);
            }
            if (updater.hasLearningRate() && !KroneckerOptimizer.adaptiveStep(settings)) {
                builder.learningRate(updater.learningRate(0, 0, 1));
            }
            if (linearAlgebra != null) {
                builder.linearAlgebra(linearAlgebra);
            }
            return builder.build();
        }
    }

    private static void checkSupported(CurvatureApproximation variant, NetworkModel model, List<ParameterBlock> blocks,
            UnsupportedLayerPolicy policy) {
        for (ParameterBlock block : blocks) {
            if (variant.supports(block.spec())) {
                continue;
            }
            NetworkModel.Dl4jLayer layer = model.layer(block.layerIndex());
            String what = "variant '" + variant.name() + "' cannot precondition " + layer.describe() + " (kron4j block "
                    + block.spec() + ")";
            if (policy != UnsupportedLayerPolicy.PASS_THROUGH) {
                throw new UnsupportedModelException(what + "; set unsupportedLayers=pass_through in the spec to train "
                        + "it with DL4J's plain gradient");
            }
            LOG.warn("{}: it gets DL4J's plain gradient (unsupportedLayers=pass_through)", what);
        }
    }

    /** DL4J layer indices of dense blocks whose curvature block asks for output gradients the pass cannot reach. */
    private static Set<Integer> unreachableNeedingStatistics(KroneckerOptimizer optimizer, NetworkModel model,
            List<ParameterBlock> blocks) {
        Set<Integer> unreachable = new LinkedHashSet<>();
        List<CurvatureBlock> curvature = optimizer.estimator().blocks();
        for (int i = 0; i < blocks.size(); i++) {
            ParameterBlock block = blocks.get(i);
            if (curvature.get(i).statisticsFields().contains(CaptureField.OUTPUT_GRADIENTS)
                    && !model.reachable(block)) {
                unreachable.add(block.layerIndex());
            }
        }
        return unreachable;
    }

    private static String describeLayers(NetworkModel model, Set<Integer> indices) {
        List<String> names = new ArrayList<>();
        indices.forEach(i -> names.add(model.layer(i).describe()));
        return String.join(", ", names);
    }

    private static void warnAboutDl4jSettings(NetworkModel model, UpdaterInfo updater) {
        if (!updater.plain()) {
            LOG.warn("DL4J updater {} rescales kron4j's preconditioned direction per coordinate; kron4j's step "
                    + "semantics (and the KL clip) assume Sgd or Nesterovs", updater.describe());
        }
        if (!updater.consistent()) {
            LOG.warn("DL4J layers use different learning rates ({}); the KL clip uses the first one",
                    updater.describe());
        }
        if (!model.network().conf().isMiniBatch()) {
            LOG.info("DL4J miniBatch=false: the updater does not divide by B; kron4j's learning rate for the KL clip "
                    + "is DL4J's times B");
        }
        for (NetworkModel.Dl4jLayer layer : model.layers()) {
            org.deeplearning4j.nn.conf.layers.Layer conf = layer.layer().conf().getLayer();
            if (conf.getIDropout() != null) {
                LOG.info("{} uses dropout: DL4J's gradient has it, kron4j's statistics pass (deterministic) does not",
                        layer.describe());
            }
            if (conf instanceof BaseLayer base) {
                if (base.getWeightNoise() != null) {
                    LOG.info("{} uses weight noise: the statistics pass uses the noiseless weights", layer.describe());
                }
                boolean regularized = (base.getRegularization() != null && !base.getRegularization().isEmpty())
                        || (base.getRegularizationBias() != null && !base.getRegularizationBias().isEmpty());
                if (regularized && layer.role() != NetworkModel.Role.FROZEN) {
                    LOG.warn("{} has DL4J regularization {}: DL4J's updater adds it after kron4j preconditioned the "
                            + "gradient, so it is not preconditioned; prefer kron4j's weightDecay setting",
                            layer.describe(), base.getRegularization());
                }
                if (base.getGradientNormalization() != null
                        && base.getGradientNormalization() != GradientNormalization.None) {
                    LOG.warn("{}: DL4J's gradient normalization {} applies to the preconditioned direction",
                            layer.describe(), base.getGradientNormalization());
                }
            }
        }
    }

    /** The DL4J updaters of the preconditioned layers and the learning rate kron4j's KL clip should use. */
    private record UpdaterInfo(IUpdater first, boolean consistent, boolean plain, boolean miniBatch, String described) {

        static UpdaterInfo of(MultiLayerNetwork network, NetworkModel model) {
            IUpdater first = null;
            boolean consistent = true;
            boolean plain = true;
            Set<String> seen = new LinkedHashSet<>();
            for (NetworkModel.Dl4jLayer layer : model.layers()) {
                if (!(layer.layer().conf().getLayer() instanceof BaseLayer base)
                        || layer.role() == NetworkModel.Role.FROZEN || layer.layer().numParams() == 0) {
                    continue;
                }
                for (IUpdater u : new IUpdater[] {base.getIUpdater(), base.getBiasUpdater()}) {
                    if (u == null) {
                        continue;
                    }
                    seen.add(u.toString());
                    plain &= PLAIN_UPDATERS.contains(u.getClass());
                    if (u instanceof NoOp) {
                        continue;
                    }
                    if (first == null) {
                        first = u;
                    } else if (u.hasLearningRate() != first.hasLearningRate()
                            || (u.hasLearningRate() && u.getLearningRate(0, 0) != first.getLearningRate(0, 0))) {
                        consistent = false;
                    }
                }
            }
            return new UpdaterInfo(first, consistent, plain, network.conf().isMiniBatch(), String.join(", ", seen));
        }

        boolean hasLearningRate() {
            return first != null && first.hasLearningRate();
        }

        /** DL4J's η at this iteration, times B when DL4J does not divide by B; NaN without one. */
        double learningRate(int iteration, int epoch, int batchSize) {
            if (!hasLearningRate()) {
                return Double.NaN;
            }
            double eta = first.getLearningRate(iteration, epoch);
            return miniBatch ? eta : eta * batchSize;
        }

        String describe() {
            return described;
        }
    }
}
