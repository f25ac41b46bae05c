package org.kron4j.cli.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.kron4j.cli.BadInputException;

/**
 * The convolutional part of a {@code --model cnn} network: a square single-channel image (the
 * data's features read row by row, NCHW as DL4J's {@code InputType.convolutionalFlat}) through
 * conv stages, each a k×k convolution with stride 1 in DL4J's {@code Same} mode (the output keeps
 * the input's size) and the hidden activation, followed by a 2×2 max pooling with stride 2 (which
 * halves each side, rounding down); then DL4J's CNN-to-dense preprocessor flattens the last
 * stage's maps for the dense layers.
 *
 * <p>Written {@code cnn:5x16-5x32-128}: {@code KxO} items are conv stages (kernel K, O output
 * channels), plain numbers the hidden dense widths after them. {@code cnn} alone is
 * {@link #defaultFor the default for the image}: {@value #DEFAULT_LARGE} for images of side 16 or
 * more (MNIST and Fashion-MNIST, 28×28), {@value #DEFAULT_SMALL} for smaller ones (the 8×8 UCI
 * digits).
 *
 * @param side   the input image's side (height = width)
 * @param stages the conv stages, in order; at least one
 * @param dense  the hidden dense widths after the stages (may be empty)
 */
public record ConvStack(int side, List<Stage> stages, int[] dense) {
    /**
     * The CNN of {@code --model cnn} on 28×28 images: conv 5×5×16 → pool → conv 5×5×32 → pool →
     * dense 128 → softmax (about 232 k parameters). Smaller than the 5×5×32 / 5×5×64 /
     * 1024 example (3.3 M parameters, most of them in the 3137×1024 dense layer) so that an ablation
     * with sweeps and seeds fits two cores; that one is {@code cnn:5x32-5x64-1024}.
     */
    public static final String DEFAULT_LARGE = "5x16-5x32-128";
    /** The CNN of {@code --model cnn} on small images (8×8 digits): conv 3×3×8 → pool → conv 3×3×16 → pool → dense 64. */
    public static final String DEFAULT_SMALL = "3x8-3x16-64";
    /** Images with a side below this get {@link #DEFAULT_SMALL}. */
    public static final int LARGE_SIDE = 16;

    /**
     * One conv stage: k×k convolution, stride 1, Same mode, then 2×2 max pooling with stride 2.
     *
     * @param kernel   k, in [1, 15]
     * @param channels output channels, in [1, 1024]
     */
    public record Stage(int kernel, int channels) {
    }

    public ConvStack {
        stages = List.copyOf(stages);
        dense = dense.clone();
    }

    @Override
    public int[] dense() {
        return dense.clone();
    }

    /** Whether the text names a CNN ("cnn" or "cnn:…"), before the data is known. */
    public static boolean isCnn(String text) {
        String t = text == null ? "" : text.trim().toLowerCase(Locale.ROOT);
        return t.equals("cnn") || t.startsWith("cnn:");
    }

    /** The default stage list for an image of that side. */
    public static String defaultFor(int side) {
        return side >= LARGE_SIDE ? DEFAULT_LARGE : DEFAULT_SMALL;
    }

    /**
     * Parses "cnn" or "cnn:5x16-5x32-128" for square images of {@code features} pixels.
     *
     * @throws BadInputException for malformed text, a non-square image, or pooling that would
     *     shrink a side below 1
     */
    public static ConvStack parse(String text, int features, String dataName) {
        int side = (int) Math.round(Math.sqrt(features));
        if (side * side != features) {
            throw new BadInputException("model '" + text + "' needs square single-channel images, but " + dataName
                    + " has " + features + " features (not a square number); the CNN runs on digits (8×8), mnist and "
                    + "fashion-mnist (28×28)");
        }
        String t = text.trim().toLowerCase(Locale.ROOT);
        String list = t.equals("cnn") ? defaultFor(side) : t.substring("cnn:".length());
        List<Stage> stages = new ArrayList<>();
        List<Integer> dense = new ArrayList<>();
        for (String part : list.split("-", -1)) {
            String p = part.trim();
            int x = p.indexOf('x');
            if (x >= 0) {
                if (!dense.isEmpty()) {
                    throw new BadInputException("model '" + text + "': conv stages (KxO) come before the dense widths, "
                            + "e.g. cnn:5x16-5x32-128");
                }
                int kernel = number(p.substring(0, x), text, "kernel", 1, 15);
                int channels = number(p.substring(x + 1), text, "channels", 1, 1024);
                stages.add(new Stage(kernel, channels));
            } else {
                dense.add(number(p, text, "dense width", 1, 100_000));
            }
        }
        if (stages.isEmpty()) {
            throw new BadInputException("model '" + text + "' has no conv stage; write e.g. cnn:5x16-5x32-128 "
                    + "(KxO conv stages, then dense widths)");
        }
        int s = side;
        for (Stage stage : stages) {
            if (stage.kernel() > side) {
                throw new BadInputException("model '" + text + "': kernel " + stage.kernel() + " is larger than the "
                        + side + "×" + side + " image");
            }
            if (s < 2) {
                throw new BadInputException("model '" + text + "': " + stages.size() + " stages pool the " + side + "×"
                        + side + " image below 1×1; use at most " + (stages.indexOf(stage)) + " stages");
            }
            s /= 2;
        }
        return new ConvStack(side, stages, dense.stream().mapToInt(Integer::intValue).toArray());
    }

    private static int number(String text, String model, String what, int min, int max) {
        int value;
        try {
            value = Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new BadInputException("model '" + model + "': expected conv stages KxO and dense widths like "
                    + "cnn:5x16-5x32-128, got '" + text + "'");
        }
        if (value < min || value > max) {
            throw new BadInputException("model '" + model + "': " + what + " must be in [" + min + ", " + max
                    + "], got " + value);
        }
        return value;
    }

    /** The side of the maps after stage {@code i}'s pooling. */
    public int sideAfter(int i) {
        int s = side;
        for (int j = 0; j <= i; j++) {
            s /= 2;
        }
        return s;
    }

    /** The flattened size of the last stage's pooled maps: the first dense layer's input width. */
    public int flattened() {
        int last = stages.size() - 1;
        return stages.get(last).channels() * sideAfter(last) * sideAfter(last);
    }

    /** Parameters of the conv stages (kernels and biases). */
    public long convParameters() {
        long count = 0;
        int in = 1;
        for (Stage stage : stages) {
            count += (long) stage.channels() * (in * stage.kernel() * stage.kernel() + 1);
            in = stage.channels();
        }
        return count;
    }

    /** The stage list as written after "cnn:", e.g. "5x16-5x32-128". */
    public String stageText() {
        StringBuilder sb = new StringBuilder();
        for (Stage stage : stages) {
            sb.append(sb.length() == 0 ? "" : "-").append(stage.kernel()).append('x').append(stage.channels());
        }
        for (int d : dense) {
            sb.append('-').append(d);
        }
        return sb.toString();
    }

    /** For reports: "28×28×1 → conv 5×5×16 → pool 2 → conv 5×5×32 → pool 2 → 1568". */
    public String describe() {
        StringBuilder sb = new StringBuilder().append(side).append('×').append(side).append("×1");
        for (int i = 0; i < stages.size(); i++) {
            Stage stage = stages.get(i);
            sb.append(" → conv ").append(stage.kernel()).append('×').append(stage.kernel()).append('×')
                    .append(stage.channels()).append(" → pool 2");
        }
        return sb.append(" → ").append(flattened()).toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConvStack other && side == other.side && stages.equals(other.stages)
                && java.util.Arrays.equals(dense, other.dense);
    }

    @Override
    public int hashCode() {
        return side * 31 + stages.hashCode();
    }
}
