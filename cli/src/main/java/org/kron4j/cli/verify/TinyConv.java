package org.kron4j.cli.verify;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.kron4j.cli.BadInputException;

/**
 * The geometry of the tiny CNN {@code kron4j verify --model cnn:…} checks: one 2-D convolution
 * (C → O channels, kH×kW kernel, stride, symmetric zero padding, dilation, NCHW) on an H×W×C
 * image, then a dense layer to the k logits.
 *
 * <p>Written {@code cnn} (the defaults below) or {@code cnn:key=value,...} with keys
 * {@code input=HxWxC} (default 6x6x2), {@code kernel=K} or {@code KHxKW} (3), {@code channels=O}
 * (3), {@code stride} (1), {@code padding} (0), {@code dilation} (1), {@code classes=k} (4).
 */
public record TinyConv(int height, int width, int inChannels, int kernelHeight, int kernelWidth, int outChannels,
        int stride, int padding, int dilation, int classes) {
    /** The check's default geometry: 6×6×2 image, 3×3 kernel, 3 output channels, 4×4 positions, 4 classes. */
    public static final TinyConv DEFAULT = new TinyConv(6, 6, 2, 3, 3, 3, 1, 0, 1, 4);
    private static final String KEYS = "input=HxWxC, kernel=K or KHxKW, channels, stride, padding, dilation, classes";

    public TinyConv {
        int kh = (kernelHeight - 1) * dilation + 1;
        int kw = (kernelWidth - 1) * dilation + 1;
        if (height + 2 * padding < kh || width + 2 * padding < kw) {
            throw new BadInputException("model cnn: a " + kh + "×" + kw + " dilated kernel does not fit the " + height
                    + "×" + width + " input with padding " + padding);
        }
    }

    /**
     * Parses {@code cnn} or {@code cnn:key=value,...}.
     *
     * @throws BadInputException naming the key and its allowed range
     */
    public static TinyConv parse(String text) {
        String t = text.trim().toLowerCase(Locale.ROOT);
        if (t.equals("cnn")) {
            return DEFAULT;
        }
        if (!t.startsWith("cnn:")) {
            throw new BadInputException("model '" + text + "': write 'cnn' or 'cnn:" + KEYS + "'");
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (String item : t.substring(4).split(",")) {
            if (item.isBlank()) {
                continue;
            }
            int eq = item.indexOf('=');
            if (eq < 0) {
                throw new BadInputException("model '" + text + "': '" + item + "' is not key=value (keys: " + KEYS
                        + "); verify checks a tiny one-conv-layer CNN, not the ablation's cnn:5x16-… stages");
            }
            values.put(item.substring(0, eq).trim(), item.substring(eq + 1).trim());
        }
        int[] input = {DEFAULT.height, DEFAULT.width, DEFAULT.inChannels};
        int[] kernel = {DEFAULT.kernelHeight, DEFAULT.kernelWidth};
        int channels = DEFAULT.outChannels;
        int stride = DEFAULT.stride;
        int padding = DEFAULT.padding;
        int dilation = DEFAULT.dilation;
        int classes = DEFAULT.classes;
        for (Map.Entry<String, String> e : values.entrySet()) {
            String v = e.getValue();
            switch (e.getKey()) {
                case "input" -> {
                    String[] parts = v.split("x");
                    if (parts.length != 3) {
                        throw new BadInputException("model '" + text + "': input must be HxWxC, e.g. 6x6x2, got " + v);
                    }
                    input = new int[] {number(parts[0], "input height", 1, 12), number(parts[1], "input width", 1, 12),
                        number(parts[2], "input channels", 1, 4)};
                }
                case "kernel" -> {
                    String[] parts = v.split("x");
                    if (parts.length > 2) {
                        throw new BadInputException("model '" + text + "': kernel must be K or KHxKW, got " + v);
                    }
                    int kh = number(parts[0], "kernel", 1, 7);
                    kernel = new int[] {kh, parts.length == 2 ? number(parts[1], "kernel width", 1, 7) : kh};
                }
                case "channels" -> channels = number(v, "channels", 1, 8);
                case "stride" -> stride = number(v, "stride", 1, 4);
                case "padding" -> padding = number(v, "padding", 0, 4);
                case "dilation" -> dilation = number(v, "dilation", 1, 4);
                case "classes" -> classes = number(v, "classes", 2, 10);
                default -> throw new BadInputException("model '" + text + "': unknown key '" + e.getKey()
                        + "'; keys: " + KEYS);
            }
        }
        return new TinyConv(input[0], input[1], input[2], kernel[0], kernel[1], channels, stride, padding, dilation,
                classes);
    }

    private static int number(String text, String what, int min, int max) {
        int value;
        try {
            value = Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new BadInputException("model cnn: " + what + " must be an integer in [" + min + ", " + max + "], got '"
                    + text + "'");
        }
        if (value < min || value > max) {
            throw new BadInputException("model cnn: " + what + " must be in [" + min + ", " + max + "], got " + value);
        }
        return value;
    }

    private int effective(int kernel) {
        return (kernel - 1) * dilation + 1;
    }

    public int outputHeight() {
        return (height + 2 * padding - effective(kernelHeight)) / stride + 1;
    }

    public int outputWidth() {
        return (width + 2 * padding - effective(kernelWidth)) / stride + 1;
    }

    public int positions() {
        return outputHeight() * outputWidth();
    }

    public int patchLength() {
        return inChannels * kernelHeight * kernelWidth;
    }

    /** Conv parameters: O·(C·kH·kW + 1). */
    public int convParameters() {
        return outChannels * (patchLength() + 1);
    }

    /** The kernel covering the whole (dilated-extent) input: one output position, no padding, stride 1. */
    public TinyConv onePosition() {
        return new TinyConv(effective(kernelHeight), effective(kernelWidth), inChannels, kernelHeight, kernelWidth,
                outChannels, 1, 0, dilation, classes);
    }

    /**
     * The shared-weights case: the same input, kernel, stride and dilation without padding (every
     * patch of a constant image must be equal) and one logit per map position, O·|T| classes.
     */
    public TinyConv sharedWeights() {
        TinyConv unpadded = new TinyConv(height, width, inChannels, kernelHeight, kernelWidth, outChannels, stride, 0,
                dilation, classes);
        return new TinyConv(height, width, inChannels, kernelHeight, kernelWidth, outChannels, stride, 0, dilation,
                outChannels * unpadded.positions());
    }

    /** One line: "conv 3×3 (2 → 3 channels, stride 1, padding 0, dilation 1) on 6×6×2 → 4×4 positions → dense 48 → 4". */
    public String describe() {
        return String.format(Locale.ROOT, "conv %d×%d (%d → %d channels, stride %d, padding %d, dilation %d) on "
                + "%d×%d×%d → %d×%d positions → dense %d → %d", kernelHeight, kernelWidth, inChannels, outChannels,
                stride, padding, dilation, height, width, inChannels, outputHeight(), outputWidth(),
                outChannels * positions(), classes);
    }
}
