package org.kron4j.tribuo;

import com.oracle.labs.mlrg.olcut.config.Config;
import com.oracle.labs.mlrg.olcut.config.PropertyException;
import com.oracle.labs.mlrg.olcut.provenance.ConfiguredObjectProvenance;
import com.oracle.labs.mlrg.olcut.provenance.impl.ConfiguredObjectProvenanceImpl;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.kron4j.api.CurvatureApproximation;
import org.kron4j.api.Kron4j;
import org.kron4j.api.UnsupportedModelException;
import org.kron4j.api.capture.CaptureField;
import org.kron4j.api.capture.LayerCapture;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.capture.StepPlan;
import org.kron4j.api.capture.TargetSource;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.model.Loss;
import org.kron4j.api.model.ModelSpec;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.optim.OptimizerSettings;
import org.kron4j.api.optim.StepResult;
import org.kron4j.api.settings.Setting;
import org.kron4j.api.settings.Settings;
import org.kron4j.api.settings.VariantSpec;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tribuo.common.sgd.FMParameters;
import org.tribuo.math.LinearParameters;
import org.tribuo.math.Parameters;
import org.tribuo.math.StochasticGradientOptimiser;
import org.tribuo.math.la.Matrix;
import org.tribuo.math.la.Tensor;

/**
 * A kron4j optimizer (Shampoo, K-FAC, EKFAC, KFRA, or any variant on the class path) as a Tribuo
 * {@link StochasticGradientOptimiser}, configurable from Tribuo configuration files and recorded
 * in model provenance.
 *
 * <p><b>Which variant where.</b> Gradient-only variants ({@code shampoo}) work with every Tribuo
 * SGD trainer: the linear classification and regression trainers, the factorization-machine
 * trainers, and any other trainer built on {@link Parameters}; dense and sparse gradients
 * ({@code DenseMatrix}, {@code DenseSparseMatrix}, {@code DenseVector}) are accepted and densified.
 * Variants that need per-layer statistics ({@code kfac}, {@code ekfac}, {@code kfra}) need layer
 * inputs and output gradients that Tribuo's optimiser interface never sees: use them through
 * {@link KroneckerClassificationTrainer} or {@link KroneckerRegressionTrainer}, which record those
 * statistics; {@link #initialise} refuses a plain trainer's parameters with a message saying so.
 *
 * <p><b>Mapping.</b> Every parameter tensor is one kron4j layer: a {@link LinearParameters}
 * weight matrix (outputs × (features + 1), bias last) is a dense layer in kron4j's m×(n+1) layout;
 * other tensors (a factorization machine's bias vector, weight and factor matrices) are tensor
 * layers of their own shape. Tribuo passes ascent directions and adds what {@code step} returns;
 * kron4j descends: the gradient handed to kron4j is −weight × Tribuo's tensor (normalised to the
 * batch-mean loss by the Kronecker trainers), and {@code step} returns kron4j's Δθ = −η·v, to be
 * added. With a plain Tribuo trainer and {@code minibatchSize} > 1 Tribuo's tensor is the
 * minibatch sum times the minibatch size; Shampoo with its default relative ε and AdaGrad
 * grafting is invariant to that scale, a plain-SGD grafting is not.
 *
 * <p><b>Configuration.</b> {@code variant} names the variant; every driver setting of
 * {@link OptimizerSettings} has its own field of the same name ({@code learningRate},
 * {@code damping}, {@code tCov}, {@code tInv}, …; enum-valued settings as lower-case text, e.g.
 * {@code targets = "mc_fisher"}); a variant's own settings (Shampoo's {@code epsilon},
 * {@code grafting}, …) go in the {@code settings} map. A field left unset takes the variant's
 * default. {@link #postConfig()} validates every value against the variant's
 * {@link KroneckerOptimizer#schema schema} (an out-of-range value raises a
 * {@link PropertyException} naming the field with kron4j's message, e.g. {@code damping must be
 * in [0, ∞), got -1.0}) and then writes every effective value back into the fields, so that
 * provenance and {@link #toString()} record the complete configuration, defaults included.
 *
 * <p><b>Lifecycle</b> (Tribuo's): {@link #initialise} builds a fresh {@link KroneckerOptimizer}
 * for the parameters, {@link #step} runs one kron4j step, {@link #finalise} logs a summary,
 * {@link #reset} drops all state; {@link #copy} gives an unconfigured twin with the same
 * settings, which is what Tribuo's trainers train with.
 *
 * <p><b>Memory.</b> The variant's curvature state for every tensor plus one momentum buffer per
 * tensor when momentum is on: for a dense m×(n+1) layer K-FAC stores 2((n+1)² + m²) values, EKFAC
 * adds m(n+1) scalings, Shampoo about 3(m² + (n+1)²) (modes beyond {@code blockSize} are split
 * into blocks) plus one or two gradient-sized grafting buffers. Every step also converts
 * gradients and updates between Tribuo's double arrays and ND4J (three dense copies of each
 * tensor).
 *
 * <p>Papers: Martens and Grosse, "Optimizing Neural Networks with Kronecker-factored
 * Approximate Curvature", ICML 2015 (K-FAC); George et al., "Fast Approximate Natural Gradient
 * Descent in a Kronecker-factored Eigenbasis", NeurIPS 2018 (EKFAC); Botev, Ritter and Barber,
 * "Practical Gauss-Newton Optimisation for Deep Learning", ICML 2017 (KFRA); Gupta, Koren and
 * Singer, "Shampoo: Preconditioned Stochastic Tensor Optimization", ICML 2018.
 *
 * <p>Not thread-safe: one training loop drives one copy, as Tribuo's trainers do.
 */
public final class Kron4jOptimiser implements StochasticGradientOptimiser {
    private static final Logger LOG = LoggerFactory.getLogger(Kron4jOptimiser.class);

    /** The driver settings that have a field of their own (same name as the setting). */
    private static final List<Setting<?>> FIELD_SETTINGS = List.of(OptimizerSettings.LEARNING_RATE,
            OptimizerSettings.MOMENTUM, OptimizerSettings.DAMPING, OptimizerSettings.DAMPING_MODE,
            OptimizerSettings.T_COV, OptimizerSettings.T_INV, OptimizerSettings.STATISTICS_DECAY,
            OptimizerSettings.KL_CLIP, OptimizerSettings.WEIGHT_DECAY, OptimizerSettings.TARGETS,
            OptimizerSettings.STORAGE_PRECISION, OptimizerSettings.DECOMPOSITION_PRECISION,
            OptimizerSettings.UNSUPPORTED_LAYERS);
    private static final Set<String> FIELD_NAMES = FIELD_SETTINGS.stream().map(Setting::name)
            .collect(java.util.stream.Collectors.toUnmodifiableSet());

    @Config(description = "The kron4j variant, by its registered name: shampoo, kfac, ekfac, kfra, …")
    private String variant = "shampoo";

    @Config(description = "Step size η applied to the preconditioned direction (unset: the variant's default).")
    private Double learningRate;

    @Config(description = "Heavy-ball momentum μ in [0, 1) (unset: the variant's default).")
    private Double momentum;

    @Config(description = "Tikhonov damping λ >= 0 added to the curvature (unset: the variant's default).")
    private Double damping;

    @Config(description = "How damping enters a Kronecker block: factored or eigen (unset: the variant's default).")
    private String dampingMode;

    @Config(description = "Collect curvature statistics every tCov steps (unset: the variant's default).")
    private Integer tCov;

    @Config(description = "Refresh inverses / eigendecompositions every tInv steps (unset: the variant's default).")
    private Integer tInv;

    @Config(description = "Moving-average decay of the statistics in (0, 1] (unset: the variant's default).")
    private Double statisticsDecay;

    @Config(description = "KL norm constraint κ >= 0, 0 disables (unset: the variant's default).")
    private Double klClip;

    @Config(description = "L2 coefficient added to the weights' gradient, not the bias (unset: the variant's default).")
    private Double weightDecay;

    @Config(description = "Targets of the output gradients: mc_fisher, empirical or exact (unset: the variant's default).")
    private String targets;

    @Config(description = "Precision factors are stored in: float or double (unset: the variant's default).")
    private String storagePrecision;

    @Config(description = "Precision decompositions run in: float or double (unset: the variant's default).")
    private String decompositionPrecision;

    @Config(description = "Layers the variant cannot precondition: fail or pass_through (unset: the variant's default).")
    private String unsupportedLayers;

    @Config(description = "The variant's own settings by name, as text (e.g. Shampoo's epsilon, grafting); unset ones "
            + "take the variant's default.")
    private Map<String, String> settings = new LinkedHashMap<>();

    private transient Settings resolved;
    private transient KroneckerOptimizer optimizer;
    private transient Parameters parameters;
    private transient CaptureEngine engine;

    /** For OLCUT. */
    private Kron4jOptimiser() {
    }

    /**
     * A variant with its default settings.
     *
     * @throws PropertyException when the variant is not on the class path
     */
    public Kron4jOptimiser(String variant) {
        this(variant, Map.of());
    }

    /**
     * A variant with settings by kron4j name: driver settings ({@code learningRate},
     * {@code damping}, …) and the variant's own ({@code epsilon}, …); values as numbers, booleans,
     * enum constants or their textual form.
     *
     * @throws PropertyException naming the setting when a value is out of range or unknown
     */
    public Kron4jOptimiser(String variant, Map<String, ?> settings) {
        this.variant = Objects.requireNonNull(variant, "variant");
        for (Map.Entry<String, ?> entry : settings.entrySet()) {
            assign(entry.getKey(), entry.getValue());
        }
        postConfig();
    }

    /**
     * An optimiser from a kron4j spec string, as the CLI takes them:
     * {@code "kfac:learningRate=0.2,damping=1e-3,tInv=20"}.
     *
     * @throws IllegalArgumentException when the spec is malformed
     * @throws PropertyException        naming the setting when a value is out of range or unknown
     */
    public static Kron4jOptimiser fromSpec(String spec) {
        VariantSpec parsed = VariantSpec.parse(spec);
        return new Kron4jOptimiser(parsed.variant(), parsed.settings());
    }

    private void assign(String name, Object value) {
        Objects.requireNonNull(name, "setting name");
        if (!FIELD_NAMES.contains(name)) {
            settings.put(name, value instanceof Enum<?> e ? e.name().toLowerCase(java.util.Locale.ROOT)
                    : String.valueOf(value));
            return;
        }
        Setting<?> setting = FIELD_SETTINGS.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
        Object typed;
        try {
            typed = value instanceof String text ? setting.parse(text) : setting.validate(value);
        } catch (IllegalArgumentException e) {
            throw new PropertyException("", name, e.getMessage());
        }
        setField(name, typed);
    }

    /** Validates every field against the variant's schema and fills unset ones with the variant's defaults. */
    @Override
    public void postConfig() {
        if (variant == null || variant.isBlank()) {
            throw new PropertyException("", "variant", "variant must name a kron4j variant; available: "
                    + Kron4j.variants().names());
        }
        CurvatureApproximation approximation;
        try {
            approximation = Kron4j.variants().get(variant);
        } catch (IllegalArgumentException e) {
            throw new PropertyException("", "variant", e.getMessage());
        }
        variant = approximation.name();
        List<Setting<?>> schema = KroneckerOptimizer.schema(approximation);
        Settings.Builder builder = Settings.builder(schema);
        for (Setting<?> setting : FIELD_SETTINGS) {
            Object value = getField(setting.name());
            if (value == null) {
                continue;
            }
            try {
                if (value instanceof String text) {
                    builder.parse(setting.name(), text);
                } else {
                    builder.set(setting.name(), value);
                }
            } catch (IllegalArgumentException e) {
                throw new PropertyException("", setting.name(), e.getMessage());
            }
        }
        Map<String, String> own = settings == null ? Map.of() : settings;
        for (Map.Entry<String, String> entry : own.entrySet()) {
            String key = entry.getKey();
            if (FIELD_NAMES.contains(key)) {
                throw new PropertyException("", "settings", "settings[" + key + "]: " + key
                        + " has a field of its own; set it there");
            }
            try {
                builder.parse(key, entry.getValue());
            } catch (IllegalArgumentException e) {
                throw new PropertyException("", "settings", "settings[" + key + "]: " + e.getMessage());
            }
        }
        resolved = builder.build();
        Map<String, String> text = resolved.asText();
        for (Setting<?> setting : FIELD_SETTINGS) {
            Object value = resolved.get(setting);
            setField(setting.name(), value instanceof Enum<?> ? text.get(setting.name()) : value);
        }
        Map<String, String> effective = new LinkedHashMap<>();
        text.forEach((name, value) -> {
            if (!FIELD_NAMES.contains(name)) {
                effective.put(name, value);
            }
        });
        settings = effective;
    }

    private Object getField(String name) {
        return switch (name) {
            case "learningRate" -> learningRate;
            case "momentum" -> momentum;
            case "damping" -> damping;
            case "dampingMode" -> dampingMode;
            case "tCov" -> tCov;
            case "tInv" -> tInv;
            case "statisticsDecay" -> statisticsDecay;
            case "klClip" -> klClip;
            case "weightDecay" -> weightDecay;
            case "targets" -> targets;
            case "storagePrecision" -> storagePrecision;
            case "decompositionPrecision" -> decompositionPrecision;
            case "unsupportedLayers" -> unsupportedLayers;
            default -> throw new IllegalStateException("no field for setting " + name);
        };
    }

    private void setField(String name, Object value) {
        String asText = value instanceof Enum<?> e ? e.name().toLowerCase(java.util.Locale.ROOT)
                : value instanceof String s ? s : null;
        switch (name) {
            case "learningRate" -> learningRate = (Double) value;
            case "momentum" -> momentum = (Double) value;
            case "damping" -> damping = (Double) value;
            case "dampingMode" -> dampingMode = asText;
            case "tCov" -> tCov = (Integer) value;
            case "tInv" -> tInv = (Integer) value;
            case "statisticsDecay" -> statisticsDecay = (Double) value;
            case "klClip" -> klClip = (Double) value;
            case "weightDecay" -> weightDecay = (Double) value;
            case "targets" -> targets = asText;
            case "storagePrecision" -> storagePrecision = asText;
            case "decompositionPrecision" -> decompositionPrecision = asText;
            case "unsupportedLayers" -> unsupportedLayers = asText;
            default -> throw new IllegalStateException("no field for setting " + name);
        }
    }

    /** The variant's registered name. */
    public String variant() {
        return variant;
    }

    /** Every effective setting (driver and variant) as text, in schema order. */
    public Map<String, String> effectiveSettings() {
        return resolved.asText();
    }

    /** Which targets the statistics use (the trainers check it against their objective). */
    TargetSource targetSource() {
        return resolved.get(OptimizerSettings.TARGETS);
    }

    /** The kron4j optimizer of the current training run, or null outside one (tests, diagnostics). */
    KroneckerOptimizer current() {
        return optimizer;
    }

    /**
     * Builds a fresh kron4j optimizer for these parameters.
     *
     * @throws IllegalArgumentException when the variant cannot precondition a tensor of these
     *     parameters (for example K-FAC and a factorization machine's factor matrices)
     * @throws IllegalStateException    when the variant needs statistics the parameters cannot
     *     record, i.e. a K-FAC family variant inside a plain Tribuo trainer
     */
    @Override
    public void initialise(Parameters params) {
        reset();
        Objects.requireNonNull(params, "parameters");
        CaptureEngine capture = params instanceof CaptureEngine e ? e : null;
        ModelSpec model = capture != null ? capture.modelSpec() : describe(params);
        KroneckerOptimizer.Builder builder = KroneckerOptimizer.builder(Kron4j.variants().get(variant)).model(model);
        for (Setting<?> setting : resolved.schema()) {
            copySetting(builder, setting);
        }
        KroneckerOptimizer built;
        try {
            built = builder.build();
        } catch (UnsupportedModelException e) {
            throw new IllegalArgumentException("variant '" + variant + "' cannot precondition these "
                    + params.getClass().getSimpleName() + " (" + model.layers() + "): " + e.getMessage()
                    + "; set unsupportedLayers=pass_through, or use a gradient-only variant such as shampoo", e);
        }
        StepPlan plan = built.plan();
        if (capture == null && plan.collectsStatistics()) {
            throw new IllegalStateException("variant '" + variant + "' needs per-layer statistics " + plan.fields()
                    + " that Tribuo's optimiser interface does not carry: train it with "
                    + KroneckerClassificationTrainer.class.getSimpleName() + " or "
                    + KroneckerRegressionTrainer.class.getSimpleName() + " (linear models), or use a gradient-only "
                    + "variant such as shampoo");
        }
        this.optimizer = built;
        this.parameters = params;
        this.engine = capture;
        if (capture != null) {
            capture.expect(plan);
        }
    }

    private <T> void copySetting(KroneckerOptimizer.Builder builder, Setting<T> setting) {
        builder.set(setting, resolved.get(setting));
    }

    /** Each tensor of plain Tribuo parameters as one kron4j layer. */
    static ModelSpec describe(Parameters params) {
        Tensor[] tensors = params.get();
        List<LayerSpec> layers = new ArrayList<>(tensors.length);
        if (params instanceof LinearParameters linear && tensors.length == 1) {
            Matrix w = linear.getWeightMatrix();
            layers.add(LayerSpec.dense("weights", w.getDimension2Size() - 1, w.getDimension1Size(), true,
                    Activation.IDENTITY));
        } else {
            for (int i = 0; i < tensors.length; i++) {
                String name = params instanceof FMParameters ? switch (i) {
                    case 0 -> "bias";
                    case 1 -> "weights";
                    default -> "factors" + (i - 2);
                } : "tensor" + i;
                layers.add(LayerSpec.tensor(name, TribuoTensors.shape(tensors[i])));
            }
        }
        // The loss is only read by variants that need statistics, which a plain trainer cannot feed.
        return new ModelSpec(layers, layers.size() == 1, Loss.SQUARED_ERROR);
    }

    /**
     * One kron4j step on Tribuo's gradients.
     *
     * @param updates the ascent directions Tribuo computed (one tensor per parameter tensor)
     * @param weight  the example (or mean minibatch) weight
     * @return Δθ per tensor, to be added by {@code Parameters.update}; zeros when kron4j's guards
     *     skipped the step (non-finite input), leaving the parameters unchanged
     */
    @Override
    public Tensor[] step(Tensor[] updates, double weight) {
        if (optimizer == null) {
            throw new IllegalStateException("step before initialise: Tribuo's lifecycle is initialise, step*, "
                    + "finalise, reset");
        }
        StepPlan plan = optimizer.plan();
        ModelCapture capture = engine != null ? engine.capture(plan, updates, weight) : plainCapture(plan, updates, weight);
        StepResult result = optimizer.step(capture);
        if (engine != null) {
            engine.expect(optimizer.plan());
        }
        if (!result.applied()) {
            return parameters.getEmptyCopy();
        }
        Tensor[] current = parameters.get();
        Tensor[] out = new Tensor[updates.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = TribuoTensors.toTribuo(result.updates().get(i), current[i]);
        }
        return out;
    }

    private ModelCapture plainCapture(StepPlan plan, Tensor[] updates, double weight) {
        Tensor[] current = plan.needs(CaptureField.PARAMETERS) ? parameters.get() : null;
        List<LayerCapture> layers = new ArrayList<>(updates.length);
        for (int i = 0; i < updates.length; i++) {
            INDArray gradient = TribuoTensors.toNd(updates[i]).muli(-weight);
            LayerCapture.Builder layer = LayerCapture.builder().gradient(gradient);
            if (current != null) {
                layer.parameters(TribuoTensors.toNd(current[i]));
            }
            layers.add(layer.build());
        }
        return ModelCapture.of(1, layers);
    }

    @Override
    public void finalise() {
        if (optimizer != null) {
            LOG.debug("kron4j '{}' finished: {} steps, {} skipped by guards", variant, optimizer.steps(),
                    optimizer.skippedSteps());
        }
    }

    @Override
    public void reset() {
        optimizer = null;
        parameters = null;
        engine = null;
    }

    @Override
    public Kron4jOptimiser copy() {
        Kron4jOptimiser twin = new Kron4jOptimiser();
        twin.variant = variant;
        for (Setting<?> setting : FIELD_SETTINGS) {
            twin.setField(setting.name(), getField(setting.name()));
        }
        twin.settings = new LinkedHashMap<>(settings);
        twin.postConfig();
        return twin;
    }

    @Override
    public ConfiguredObjectProvenance getProvenance() {
        return new ConfiguredObjectProvenanceImpl(this, "StochasticGradientOptimiser");
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Kron4jOptimiser(variant=").append(variant);
        for (Setting<?> setting : FIELD_SETTINGS) {
            sb.append(',').append(setting.name()).append('=').append(getField(setting.name()));
        }
        sb.append(",settings=").append(Collections.unmodifiableMap(settings)).append(')');
        return sb.toString();
    }
}
