package org.kron4j.api.optim;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.kron4j.api.CurvatureApproximation;
import org.kron4j.api.CurvatureEstimator;
import org.kron4j.api.EstimatorContext;
import org.kron4j.api.Statistics;
import org.kron4j.api.capture.CaptureField;
import org.kron4j.api.capture.LayerCapture;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.capture.StepPlan;
import org.kron4j.api.capture.TargetSource;
import org.kron4j.api.checkpoint.CheckpointFormatException;
import org.kron4j.api.checkpoint.StateReader;
import org.kron4j.api.checkpoint.StateWriter;
import org.kron4j.api.linalg.LinearAlgebras;
import org.kron4j.api.linalg.SymmetricLinearAlgebra;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.model.ModelSpec;
import org.kron4j.api.settings.OptimizerConfig;
import org.kron4j.api.settings.Setting;
import org.kron4j.api.settings.Settings;
import org.kron4j.api.store.FactorStore;
import org.kron4j.api.store.StateArray;
import org.kron4j.api.support.NdArrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The optimizer driver shared by every variant: it decides when statistics are collected (every
 * {@code tCov} steps) and decompositions refreshed (every {@code tInv} steps, and at step 0),
 * guards against non-finite input, adds weight decay, preconditions through the variant's
 * {@link CurvatureEstimator}, applies the KL norm constraint, momentum and the learning rate.
 * It never asks which variant it holds.
 *
 * <p>A step, from an engine's side:
 * <pre>{@code
 * StepPlan plan = optimizer.plan();                 // what this step needs
 * ModelCapture capture = engine.capture(batch, plan);
 * StepResult result = optimizer.step(capture);
 * engine.addToParameters(result.updates());          // or precondition in place with result.directions()
 * }</pre>
 *
 * <p><b>Guards.</b> A step whose gradients, parameters, statistics inputs or collected
 * statistics hold NaN or ±∞ is skipped before anything changes: the step counter, every factor,
 * decomposition and momentum buffer stay bit-identical; the skip is logged and counted
 * ({@link #skippedSteps()}). A decomposition that fails keeps the last good one (the
 * store's fallback chain, counted in {@code store().counters()}). A preconditioned direction that
 * overflows to ±∞ (finite inputs, too little damping) withholds the update: the momentum buffers
 * and the step counter stay as they were, the step's finite statistics and refresh are kept, and
 * the skip is logged and counted the same way.
 *
 * <p>Not thread-safe: one training loop drives it. Memory: the store's factors plus one momentum
 * buffer per layer when momentum is on.
 */
public final class KroneckerOptimizer {
    private static final Logger LOG = LoggerFactory.getLogger(KroneckerOptimizer.class);

    private final OptimizerConfig config;
    private final CurvatureApproximation variant;
    private final ModelSpec model;
    private final Settings settings;
    private final FactorStore store;
    private final CurvatureEstimator estimator;
    private final List<StateArray> momentumBuffers;
    private final int tCov;
    private final int tInv;
    private final double momentum;
    private final double klClip;
    private final double weightDecay;
    private final TargetSource targets;
    private final DataType storageType;
    private double learningRate;
    private double damping;
    private long step;
    private long skippedSteps;
    private double lastKlScale = Double.NaN;

    private KroneckerOptimizer(OptimizerConfig config, ModelSpec model, SymmetricLinearAlgebra linearAlgebra) {
        this.config = config;
        this.variant = config.variant();
        this.model = model;
        this.settings = config.settings();
        this.tCov = config.driverValue(OptimizerSettings.T_COV);
        this.tInv = config.driverValue(OptimizerSettings.T_INV);
        this.momentum = config.driverValue(OptimizerSettings.MOMENTUM);
        this.klClip = config.driverValue(OptimizerSettings.KL_CLIP);
        this.weightDecay = config.driverValue(OptimizerSettings.WEIGHT_DECAY);
        this.targets = config.driverValue(OptimizerSettings.TARGETS);
        this.learningRate = config.driverValue(OptimizerSettings.LEARNING_RATE);
        this.damping = config.driverValue(OptimizerSettings.DAMPING);
        this.store = new FactorStore(config.driverValue(OptimizerSettings.STORAGE_PRECISION),
                config.driverValue(OptimizerSettings.DECOMPOSITION_PRECISION),
                config.driverValue(OptimizerSettings.STATISTICS_DECAY), linearAlgebra);
        this.storageType = store.storagePrecision().dataType();
        this.estimator = NdArrays.detached(() -> variant.createEstimator(new EstimatorContext(model, settings, store)));
        if (estimator.blocks().size() != model.size()) {
            throw new IllegalStateException("variant '" + variant.name() + "' made " + estimator.blocks().size()
                    + " blocks for " + model.size() + " layers");
        }
        List<StateArray> buffers = new ArrayList<>();
        if (momentum > 0) {
            for (LayerSpec layer : model.layers()) {
                buffers.add(store.array(layer.name(), "momentum", layer.gradientShape()));
            }
        }
        this.momentumBuffers = List.copyOf(buffers);
        if (tInv < tCov) {
            LOG.warn("tInv={} < tCov={}: some refreshes will recompute decompositions of unchanged statistics",
                    tInv, tCov);
        }
        LOG.info("kron4j optimizer '{}' for {} layers ({} parameters): {}", variant.name(), model.size(),
                model.parameterCount(), settings);
    }

    /** A builder for an optimizer of the given variant. */
    public static Builder builder(CurvatureApproximation variant) {
        return new Builder(variant);
    }

    /** A builder for an optimizer of a configuration (parsed once from a spec, or built typed). */
    public static Builder builder(OptimizerConfig config) {
        return new Builder(config);
    }

    /**
     * Every setting an optimizer of this variant accepts, with the variant's defaults: see
     * {@link OptimizerConfig#schema}.
     */
    public static List<Setting<?>> schema(CurvatureApproximation variant) {
        return OptimizerConfig.schema(variant);
    }

    /** What the engine must capture for the next step. */
    public StepPlan plan() {
        EnumSet<CaptureField> fields = EnumSet.of(CaptureField.GRADIENT);
        if (weightDecay > 0) {
            fields.add(CaptureField.PARAMETERS);
        }
        if (isStatisticsStep()) {
            fields.addAll(estimator.statisticsFields());
        }
        return new StepPlan(step, fields, targets);
    }

    private boolean isStatisticsStep() {
        return step % tCov == 0;
    }

    private boolean isRefreshStep() {
        return step % tInv == 0;
    }

    /**
     * Runs one step on a capture that holds at least the fields of {@link #plan()}.
     *
     * @throws IllegalArgumentException when the capture does not match the model (layer count,
     *     gradient shapes) or lacks a planned field
     */
    public StepResult step(ModelCapture capture) {
        Objects.requireNonNull(capture, "capture");
        checkShapes(capture);
        boolean statisticsStep = isStatisticsStep();
        String problem = findNonFinite(capture, statisticsStep);
        if (problem != null) {
            return skip(problem);
        }
        return NdArrays.detached(() -> {
            Statistics statistics = null;
            if (statisticsStep) {
                statistics = estimator.collect(capture);
                if (!statistics.isFinite()) {
                    return skip("the collected curvature statistics are not finite");
                }
            }
            long current = step;
            if (statistics != null) {
                estimator.absorb(statistics);
            }
            boolean refreshStep = isRefreshStep();
            if (refreshStep) {
                estimator.refresh(damping);
            }
            List<INDArray> gradients = new ArrayList<>(model.size());
            for (int i = 0; i < model.size(); i++) {
                gradients.add(regularizedGradient(i, capture.layer(i)));
            }
            List<INDArray> raw = estimator.precondition(gradients, damping);
            for (int i = 0; i < raw.size(); i++) {
                if (!NdArrays.isFinite(raw.get(i))) {
                    return skip("layer '" + model.layer(i).name() + "': the preconditioned direction is not finite "
                            + "(overflow; consider a larger damping); update withheld, momentum untouched, "
                            + "this step's finite statistics kept");
                }
            }
            double scale = klScale(raw, gradients);
            List<INDArray> directions = new ArrayList<>(raw.size());
            List<INDArray> updates = new ArrayList<>(raw.size());
            for (int i = 0; i < raw.size(); i++) {
                DataType engineType = capture.layer(i).gradient().dataType();
                INDArray direction = scale == 1.0 ? raw.get(i) : raw.get(i).muli(scale);
                INDArray velocity = direction;
                if (!momentumBuffers.isEmpty()) {
                    velocity = momentumBuffers.get(i).value().muli(momentum).addi(direction);
                }
                updates.add(NdArrays.as(velocity.mul(-learningRate), engineType));
                directions.add(NdArrays.as(direction, engineType));
            }
            lastKlScale = scale;
            step++;
            return new StepResult(current, true, null, directions, updates, scale, statistics != null, refreshStep);
        });
    }

    private StepResult skip(String reason) {
        skippedSteps++;
        LOG.warn("step {} skipped, optimizer state unchanged: {}", step, reason);
        return StepResult.skipped(step, reason);
    }

    private void checkShapes(ModelCapture capture) {
        if (capture.layers().size() != model.size()) {
            throw new IllegalArgumentException("the capture has " + capture.layers().size() + " layers, the model "
                    + model.size());
        }
        for (int i = 0; i < model.size(); i++) {
            LayerSpec layer = model.layer(i);
            INDArray gradient = capture.layer(i).gradient();
            if (!java.util.Arrays.equals(gradient.shape(), layer.gradientShape())) {
                throw new IllegalArgumentException("layer '" + layer.name() + "': gradient shape "
                        + java.util.Arrays.toString(gradient.shape()) + ", expected "
                        + java.util.Arrays.toString(layer.gradientShape()));
            }
        }
    }

    /** The first non-finite input of this step, described; null when all are finite. */
    private String findNonFinite(ModelCapture capture, boolean statisticsStep) {
        for (int i = 0; i < model.size(); i++) {
            LayerCapture layer = capture.layer(i);
            for (Map.Entry<CaptureField, INDArray> field : layer.fields().entrySet()) {
                boolean checked = field.getKey() == CaptureField.GRADIENT || field.getKey() == CaptureField.PARAMETERS
                        || statisticsStep;
                if (checked && !NdArrays.isFinite(field.getValue())) {
                    return "layer '" + model.layer(i).name() + "': " + field.getKey() + " holds NaN or infinity";
                }
            }
        }
        if (statisticsStep && capture.outputHessian() != null && !NdArrays.isFinite(capture.outputHessian())) {
            return "OUTPUT_HESSIAN holds NaN or infinity";
        }
        return null;
    }

    /** g + wd·θ (the layer's {@link LayerSpec#notDecayed()} regions excluded), in storage precision. */
    private INDArray regularizedGradient(int index, LayerCapture capture) {
        INDArray gradient = NdArrays.as(capture.gradient(), storageType);
        if (weightDecay == 0) {
            return gradient;
        }
        LayerSpec layer = model.layer(index);
        INDArray decay = NdArrays.copyAs(capture.require(CaptureField.PARAMETERS), storageType).muli(weightDecay);
        for (INDArrayIndex[] region : layer.notDecayed()) {
            decay.get(region).assign(0.0);
        }
        return decay.addi(gradient);
    }

    /** ν = min(1, √(κ / (η² Σ dᵀg))) (Ba, Grosse and Martens 2017); 1 when disabled or degenerate. */
    private double klScale(List<INDArray> directions, List<INDArray> gradients) {
        if (klClip == 0) {
            return 1.0;
        }
        double inner = 0;
        for (int i = 0; i < directions.size(); i++) {
            inner += directions.get(i).mul(gradients.get(i)).sumNumber().doubleValue();
        }
        double quadratic = learningRate * learningRate * inner;
        if (!(quadratic > 0) || !Double.isFinite(quadratic)) {
            return 1.0;
        }
        return Math.min(1.0, Math.sqrt(klClip / quadratic));
    }

    /** Steps taken (skipped steps do not count). */
    public long steps() {
        return step;
    }

    /** Steps refused by the guards since this optimizer was created (diagnostic, not checkpointed). */
    public long skippedSteps() {
        return skippedSteps;
    }

    /** The KL-clip factor of the last applied step (NaN before the first). */
    public double lastKlScale() {
        return lastKlScale;
    }

    public double learningRate() {
        return learningRate;
    }

    /** Changes η for the following steps (schedules). */
    public void setLearningRate(double learningRate) {
        this.learningRate = OptimizerSettings.LEARNING_RATE.validate(learningRate);
    }

    public double damping() {
        return damping;
    }

    /** Changes λ for the following steps; factored damping picks it up at the next refresh. */
    public void setDamping(double damping) {
        this.damping = OptimizerSettings.DAMPING.validate(damping);
    }

    public CurvatureApproximation variant() {
        return variant;
    }

    public ModelSpec model() {
        return model;
    }

    /** Every effective setting (the applicable driver settings and the variant's). */
    public Settings settings() {
        return settings;
    }

    /** The configuration this optimizer was built with. */
    public OptimizerConfig config() {
        return config;
    }

    public FactorStore store() {
        return store;
    }

    public CurvatureEstimator estimator() {
        return estimator;
    }

    /** Writes the complete optimizer state (step, learning rate, damping, every factor and buffer). */
    public void save(OutputStream out) {
        try (StateWriter writer = new StateWriter(out)) {
            writer.putString("variant", variant.name());
            writer.putString("model", model.layers().toString());
            writer.putLong("step", step);
            writer.putDouble("learningRate", learningRate);
            writer.putDouble("damping", damping);
            store.write(writer, "store/");
        }
    }

    /** The state {@link #save} writes, as bytes (bit-identical states give identical bytes). */
    public byte[] stateBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        save(bytes);
        return bytes.toByteArray();
    }

    /**
     * Restores state written by {@link #save} of an optimizer with the same variant, model and
     * precision. Nothing changes when the state does not match.
     *
     * @throws CheckpointFormatException when it does not match or is not a kron4j state
     */
    public void restore(InputStream in) {
        StateReader reader = StateReader.read(in);
        String savedVariant = reader.getString("variant");
        if (!savedVariant.equals(variant.name())) {
            throw new CheckpointFormatException("the checkpoint is for variant '" + savedVariant + "', not '"
                    + variant.name() + "'");
        }
        if (!reader.getString("model").equals(model.layers().toString())) {
            throw new CheckpointFormatException("the checkpoint is for another model: " + reader.getString("model"));
        }
        store.read(reader, "store/");
        step = reader.getLong("step");
        learningRate = reader.getDouble("learningRate");
        damping = reader.getDouble("damping");
    }

    @Override
    public String toString() {
        return "KroneckerOptimizer{variant=" + variant.name() + ", step=" + step + ", " + settings + "}";
    }

    /**
     * Builds an optimizer: the variant or a whole {@link OptimizerConfig}, the model, then typed
     * settings (each validated as it is set: out of range → {@link IllegalArgumentException}
     * naming the setting and its range; a setting that does not apply to the variant →
     * {@link IllegalArgumentException} naming both; set twice → {@link IllegalStateException}).
     * Spec strings are parsed by {@link OptimizerConfig#parse}, never here.
     */
    public static final class Builder {
        private final OptimizerConfig.Builder settings;
        private ModelSpec model;
        private SymmetricLinearAlgebra linearAlgebra;

        private Builder(CurvatureApproximation variant) {
            this.settings = OptimizerConfig.builder(variant);
        }

        private Builder(OptimizerConfig config) {
            this.settings = config.toBuilder();
        }

        public Builder model(ModelSpec model) {
            if (this.model != null) {
                throw new IllegalStateException("model was already set");
            }
            this.model = Objects.requireNonNull(model, "model");
            return this;
        }

        public <T> Builder set(Setting<T> setting, T value) {
            settings.set(setting, value);
            return this;
        }

        public Builder set(String name, Object value) {
            settings.set(name, value);
            return this;
        }

        public Builder learningRate(double value) {
            return set(OptimizerSettings.LEARNING_RATE, value);
        }

        public Builder momentum(double value) {
            return set(OptimizerSettings.MOMENTUM, value);
        }

        public Builder damping(double value) {
            return set(OptimizerSettings.DAMPING, value);
        }

        public Builder periods(int tCov, int tInv) {
            return set(OptimizerSettings.T_COV, tCov).set(OptimizerSettings.T_INV, tInv);
        }

        /** The decomposition kernels; by default {@link LinearAlgebras#forCurrentBackend()}. */
        public Builder linearAlgebra(SymmetricLinearAlgebra linearAlgebra) {
            if (this.linearAlgebra != null) {
                throw new IllegalStateException("linearAlgebra was already set");
            }
            this.linearAlgebra = Objects.requireNonNull(linearAlgebra, "linearAlgebra");
            return this;
        }

        /**
         * @throws IllegalStateException when no model was given
         * @throws org.kron4j.api.UnsupportedModelException when the variant cannot handle the model
         */
        public KroneckerOptimizer build() {
            if (model == null) {
                throw new IllegalStateException("an optimizer needs a model: call model(ModelSpec)");
            }
            SymmetricLinearAlgebra kernels = linearAlgebra != null ? linearAlgebra : LinearAlgebras.forCurrentBackend();
            return new KroneckerOptimizer(settings.build(), model, kernels);
        }
    }
}
