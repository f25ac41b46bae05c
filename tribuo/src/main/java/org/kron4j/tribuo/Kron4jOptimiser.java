package org.kron4j.tribuo;

import com.oracle.labs.mlrg.olcut.config.Config;
import com.oracle.labs.mlrg.olcut.config.PropertyException;
import com.oracle.labs.mlrg.olcut.provenance.ConfiguredObjectProvenance;
import com.oracle.labs.mlrg.olcut.provenance.impl.ConfiguredObjectProvenanceImpl;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
import org.kron4j.api.settings.OptimizerConfig;
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
 * <p><b>Configuration.</b> {@code variant} names the variant; the {@code settings} map holds
 * every setting by its kron4j name, as text: the driver's ({@code learningRate}, {@code damping},
 * {@code tCov}, …; enum values in lower case, e.g. {@code targets = "mc_fisher"}) and the
 * variant's own (Shampoo's {@code epsilon}, {@code grafting}, …). A setting left out takes the
 * variant's default. {@link #postConfig()} validates the map through kron4j's one parser into an
 * {@link OptimizerConfig} (a bad value raises a {@link PropertyException} on {@code settings}
 * with kron4j's message, e.g. {@code settings[damping]: damping must be in [0, ∞), got -1.0}; a
 * setting that does not apply to the variant is refused naming both) and then writes every
 * effective value back into the map, so that provenance and {@link #toString()} record the
 * complete configuration, defaults included.
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

    @Config(description = "The kron4j variant, by its registered name: shampoo, kfac, ekfac, kfra, …")
    private String variant = "shampoo";

    @Config(description = "The variant's settings by kron4j name, as text: driver settings (learningRate, damping, "
            + "tCov, …) and the variant's own (e.g. Shampoo's epsilon, grafting); unset ones take the variant's "
            + "default. After configuration it holds every effective value.")
    private Map<String, String> settings = new LinkedHashMap<>();

    private transient OptimizerConfig config;
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
     * @throws PropertyException naming the setting when a value is out of range, unknown or does
     *     not apply to the variant
     */
    public Kron4jOptimiser(String variant, Map<String, ?> settings) {
        adopt(configure(Objects.requireNonNull(variant, "variant"), settings));
    }

    /** An optimiser of a configuration parsed or built before. */
    public Kron4jOptimiser(OptimizerConfig config) {
        adopt(Objects.requireNonNull(config, "config"));
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

    private static CurvatureApproximation lookUp(String variant) {
        if (variant == null || variant.isBlank()) {
            throw new PropertyException("", "variant", "variant must name a kron4j variant; available: "
                    + Kron4j.variants().names());
        }
        try {
            return Kron4j.variants().get(variant);
        } catch (IllegalArgumentException e) {
            throw new PropertyException("", "variant", e.getMessage());
        }
    }

    /**
     * The one place this class turns configured values into a kron4j configuration: text goes
     * through kron4j's parser ({@link OptimizerConfig.Builder#parse}), typed values are validated.
     */
    private static OptimizerConfig configure(String variant, Map<String, ?> settings) {
        OptimizerConfig.Builder builder = OptimizerConfig.builder(lookUp(variant));
        for (Map.Entry<String, ?> entry : settings.entrySet()) {
            String key = Objects.requireNonNull(entry.getKey(), "setting name");
            try {
                if (entry.getValue() instanceof String text) {
                    builder.parse(key, text);
                } else {
                    builder.set(key, entry.getValue());
                }
            } catch (IllegalArgumentException | IllegalStateException e) {
                throw new PropertyException("", "settings", "settings[" + key + "]: " + e.getMessage());
            }
        }
        return builder.build();
    }

    /** Takes a validated configuration and writes every effective value back into the fields (provenance). */
    private void adopt(OptimizerConfig validated) {
        this.config = validated;
        this.variant = validated.variantName();
        this.settings = new LinkedHashMap<>(validated.asText());
    }

    /** Validates the settings against the variant's schema and fills unset ones with the variant's defaults. */
    @Override
    public void postConfig() {
        adopt(configure(variant, settings == null ? Map.of() : settings));
    }

    /** The variant's registered name. */
    public String variant() {
        return variant;
    }

    /** The validated configuration. */
    public OptimizerConfig config() {
        return config;
    }

    /** Every effective setting (driver and variant) as text, in schema order. */
    public Map<String, String> effectiveSettings() {
        return config.asText();
    }

    /** Which targets the statistics use (the trainers check it against their objective). */
    TargetSource targetSource() {
        return config.driverValue(OptimizerSettings.TARGETS);
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
        KroneckerOptimizer.Builder builder = KroneckerOptimizer.builder(config).model(model);
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
        return new Kron4jOptimiser(config);
    }

    @Override
    public ConfiguredObjectProvenance getProvenance() {
        return new ConfiguredObjectProvenanceImpl(this, "StochasticGradientOptimiser");
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Kron4jOptimiser(variant=").append(variant);
        settings.forEach((name, value) -> sb.append(',').append(name).append('=').append(value));
        return sb.append(')').toString();
    }
}
