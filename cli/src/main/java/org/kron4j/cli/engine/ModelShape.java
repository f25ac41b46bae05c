package org.kron4j.cli.engine;

import org.kron4j.cli.BadInputException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.Loss;

/**
 * The network an ablation trains, independent of the engine that builds it: layer widths,
 * the activation of every hidden layer, and the loss.
 *
 * <ul>
 *   <li>an MLP classifier, written {@code 64-128-128-10}: dense layers with the given hidden
 *       activation (default tanh) and a softmax cross-entropy output; the first width must be
 *       the data's feature count and the last its class count;</li>
 *   <li>{@code autoencoder}: the deep autoencoder of Hinton &amp; Salakhutdinov (2006),
 *       d-1000-500-250-30-250-500-1000-d, in the set-up of Martens &amp; Grosse (2015): tanh
 *       units except the linear 30-unit code layer, and a sigmoid cross-entropy (Bernoulli)
 *       reconstruction loss summed over the d outputs, d = 784 on MNIST; with activation
 *       {@code sigmoid} it is the original sigmoid autoencoder of Hinton &amp; Salakhutdinov and
 *       Martens (2010);</li>
 *   <li>{@code autoencoder:256-64-16}: the same with another encoder (the decoder mirrors it,
 *       the last encoder width is the linear code layer);</li>
 *   <li>{@code cnn} or {@code cnn:5x16-5x32-128}: a convolutional classifier on square
 *       single-channel images ({@link ConvStack}: conv stages with 2×2 max pooling, then dense
 *       layers, softmax cross-entropy; relu by default); DL4J engine only. {@code sizes} are then
 *       the dense part's widths, the flattened maps first.</li>
 * </ul>
 *
 * @param text        the canonical textual form, as written to config.json
 * @param sizes       layer widths, input first
 * @param activations one per layer (the last is IDENTITY: the loss applies the link)
 * @param loss        softmax cross-entropy (classifier) or sigmoid cross-entropy (autoencoder)
 * @param hidden      the name of the hidden activation as given ("tanh", "sigmoid", …)
 * @param conv        the convolutional stages before the dense layers; null for MLPs and autoencoders
 */
public record ModelShape(String text, int[] sizes, List<Activation> activations, Loss loss, String hidden,
        ConvStack conv) {
    /** The classic autoencoder's encoder widths. */
    public static final int[] CLASSIC_ENCODER = {1000, 500, 250, 30};
    /** Hidden widths of the default classifier, between the data's inputs and classes. */
    public static final int[] DEFAULT_HIDDEN = {128, 128};
    public static final List<String> ACTIVATIONS = List.of("tanh", "sigmoid", "relu", "softplus", "identity");

    /** The default hidden activation of a CNN (that of every conv stage and hidden dense layer). */
    public static final String CNN_ACTIVATION = "relu";

    public ModelShape {
        sizes = sizes.clone();
        activations = List.copyOf(activations);
    }

    /** An MLP or autoencoder (no conv stages). */
    public ModelShape(String text, int[] sizes, List<Activation> activations, Loss loss, String hidden) {
        this(text, sizes, activations, loss, hidden, null);
    }

    /** Whether the network has conv stages (then only the DL4J engine trains it). */
    public boolean isCnn() {
        return conv != null;
    }

    /** Whether the text names a CNN (before the data is known). */
    public static boolean isCnn(String text) {
        return ConvStack.isCnn(text);
    }

    /** The hidden activation used when none is given: relu for CNNs, tanh otherwise. */
    public static String defaultActivation(String text) {
        return isCnn(text) ? CNN_ACTIVATION : "tanh";
    }

    @Override
    public int[] sizes() {
        return sizes.clone();
    }

    public boolean isAutoencoder() {
        return loss == Loss.SIGMOID_CROSS_ENTROPY;
    }

    public int inputs() {
        return sizes[0];
    }

    public int outputs() {
        return sizes[sizes.length - 1];
    }

    public int layerCount() {
        return sizes.length - 1;
    }

    /** Widths joined by '-', e.g. "784-1000-500-250-30-250-500-1000-784"; for a CNN its text, e.g. "cnn:5x16-5x32-128". */
    public String widths() {
        if (isCnn()) {
            return text;
        }
        StringBuilder sb = new StringBuilder();
        for (int s : sizes) {
            sb.append(sb.length() == 0 ? "" : "-").append(s);
        }
        return sb.toString();
    }

    public long parameterCount() {
        long count = isCnn() ? conv.convParameters() : 0;
        for (int l = 0; l < layerCount(); l++) {
            count += (long) (sizes[l] + 1) * sizes[l + 1];
        }
        return count;
    }

    /** One line for reports: widths, activations, loss, parameter count. */
    public String describe() {
        if (isCnn()) {
            return "CNN " + conv.describe() + " → dense " + widths(sizes) + ", " + hidden
                    + " units, softmax cross-entropy (" + String.format(Locale.ROOT, "%,d", parameterCount())
                    + " parameters)";
        }
        String kind = isAutoencoder()
                ? "autoencoder " + widths() + ", " + hidden + " units, linear code layer, sigmoid cross-entropy"
                : "MLP " + widths() + ", " + hidden + " hidden units, softmax cross-entropy";
        return kind + " (" + String.format(Locale.ROOT, "%,d", parameterCount()) + " parameters)";
    }

    private static String widths(int[] sizes) {
        return Arrays.stream(sizes).mapToObj(String::valueOf).reduce((a, b) -> a + "-" + b).orElseThrow();
    }

    /** Whether the text names an autoencoder (before the data is known). */
    public static boolean isAutoencoder(String text) {
        return text != null && text.trim().toLowerCase(Locale.ROOT).startsWith("autoencoder");
    }

    /**
     * Resolves a model text against the data it will train on.
     *
     * @param text       "64-128-128-10", "autoencoder", "autoencoder:256-64-16", "cnn",
     *                   "cnn:5x16-5x32-128", or null for the default classifier d-128-128-C
     * @param activation the hidden activation name; null for the default, tanh (relu for CNNs)
     * @param features   d, the data's feature count
     * @param classes    C, the data's class count
     * @param dataName   for messages
     * @throws BadInputException for malformed text or widths that do not fit the data
     */
    public static ModelShape resolve(String text, String activation, int features, int classes, String dataName) {
        String model = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        boolean autoencoder = isAutoencoder(model);
        String hidden = activation == null ? defaultActivation(model) : activation.trim().toLowerCase(Locale.ROOT);
        Activation f = activation(hidden);
        if (isCnn(model)) {
            ConvStack stack = ConvStack.parse(model, features, dataName);
            int[] dense = stack.dense();
            int[] sizes = new int[dense.length + 2];
            sizes[0] = stack.flattened();
            System.arraycopy(dense, 0, sizes, 1, dense.length);
            sizes[sizes.length - 1] = classes;
            List<Activation> perLayer = new ArrayList<>();
            for (int l = 0; l < sizes.length - 1; l++) {
                perLayer.add(l == sizes.length - 2 ? Activation.IDENTITY : f);
            }
            return new ModelShape("cnn:" + stack.stageText(), sizes, perLayer, Loss.SOFTMAX_CROSS_ENTROPY, hidden,
                    stack);
        }
        if (autoencoder) {
            int[] encoder = CLASSIC_ENCODER;
            String canonical = "autoencoder";
            if (!model.equals("autoencoder")) {
                if (!model.startsWith("autoencoder:")) {
                    throw new BadInputException("model '" + text + "': write 'autoencoder' or 'autoencoder:256-64-16' "
                            + "(encoder widths, the last one the code layer)");
                }
                encoder = widths(model.substring("autoencoder:".length()), text);
                canonical = model;
            }
            int[] sizes = new int[2 * encoder.length + 1];
            sizes[0] = features;
            for (int i = 0; i < encoder.length; i++) {
                sizes[1 + i] = encoder[i];
                sizes[sizes.length - 2 - i] = encoder[i];
            }
            sizes[sizes.length - 1] = features;
            List<Activation> perLayer = new ArrayList<>();
            for (int l = 0; l < sizes.length - 1; l++) {
                boolean code = l == encoder.length - 1;
                boolean last = l == sizes.length - 2;
                perLayer.add(last || code ? Activation.IDENTITY : f);
            }
            return new ModelShape(canonical, sizes, perLayer, Loss.SIGMOID_CROSS_ENTROPY, hidden);
        }
        int[] sizes;
        if (model.isEmpty() || model.equals("mlp")) {
            sizes = new int[DEFAULT_HIDDEN.length + 2];
            sizes[0] = features;
            System.arraycopy(DEFAULT_HIDDEN, 0, sizes, 1, DEFAULT_HIDDEN.length);
            sizes[sizes.length - 1] = classes;
        } else {
            sizes = widths(model, text);
            if (sizes.length < 2) {
                throw new BadInputException("model '" + text + "' needs at least an input and an output width, e.g. "
                        + features + "-128-" + classes);
            }
            if (sizes[0] != features) {
                throw new BadInputException("model '" + text + "' takes " + sizes[0] + " inputs but " + dataName
                        + " has " + features + " features: use " + features + "-…-" + classes);
            }
            if (sizes[sizes.length - 1] != classes) {
                throw new BadInputException("model '" + text + "' has " + sizes[sizes.length - 1] + " outputs but "
                        + dataName + " has " + classes + " classes: use " + features + "-…-" + classes);
            }
        }
        List<Activation> perLayer = new ArrayList<>();
        for (int l = 0; l < sizes.length - 1; l++) {
            perLayer.add(l == sizes.length - 2 ? Activation.IDENTITY : f);
        }
        String canonical = Arrays.stream(sizes).mapToObj(String::valueOf).reduce((a, b) -> a + "-" + b).orElseThrow();
        return new ModelShape(canonical, sizes, perLayer, Loss.SOFTMAX_CROSS_ENTROPY, hidden);
    }

    /** A copy with every width capped at {@code cap} (at least 2): the "tiny copy" {@code verify} checks. */
    public ModelShape tiny(int cap) {
        if (isCnn()) {
            throw new IllegalStateException("a CNN has no tiny MLP copy; verify checks CNNs on a tiny conv net");
        }
        int[] small = new int[sizes.length];
        for (int i = 0; i < sizes.length; i++) {
            small[i] = Math.max(2, Math.min(cap, sizes[i]));
        }
        return new ModelShape(text, small, activations, loss, hidden);
    }

    /** kron4j's activation for a name. */
    public static Activation activation(String name) {
        return switch (name) {
            case "tanh" -> Activation.TANH;
            case "sigmoid" -> Activation.SIGMOID;
            case "relu" -> Activation.RELU;
            case "softplus" -> Activation.SOFTPLUS;
            case "identity" -> Activation.IDENTITY;
            default -> throw new BadInputException("unknown activation '" + name + "'; known: " + ACTIVATIONS);
        };
    }

    private static int[] widths(String list, String original) {
        String[] parts = list.split("-", -1);
        int[] sizes = new int[parts.length];
        for (int i = 0; i < parts.length; i++) {
            try {
                sizes[i] = Integer.parseInt(parts[i].trim());
            } catch (NumberFormatException e) {
                throw new BadInputException("model '" + original + "': expected widths like 64-128-128-10 or "
                        + "'autoencoder', got '" + parts[i] + "'");
            }
            if (sizes[i] < 1 || sizes[i] > 1_000_000) {
                throw new BadInputException("model '" + original + "': every width must be in [1, 1000000], got "
                        + sizes[i]);
            }
        }
        return sizes;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelShape other && text.equals(other.text) && Arrays.equals(sizes, other.sizes)
                && activations.equals(other.activations) && loss == other.loss && hidden.equals(other.hidden)
                && java.util.Objects.equals(conv, other.conv);
    }

    @Override
    public int hashCode() {
        return text.hashCode() * 31 + Arrays.hashCode(sizes);
    }

    @Override
    public String toString() {
        return describe();
    }
}
