package org.kron4j.cli.verify;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.kron4j.api.UnsupportedModelException;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.capture.TargetSource;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.model.Loss;
import org.kron4j.api.model.ModelSpec;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.optim.OptimizerSettings;
import org.kron4j.api.optim.StepResult;
import org.kron4j.api.settings.OptimizerConfig;
import org.kron4j.cli.BadInputException;
import org.kron4j.core.Conv2d;
import org.kron4j.reference.exact.DoubleMatrices;
import org.kron4j.reference.exact.RandomTargets;
import org.kron4j.reference.exact.TinyCnn;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The curvature check of {@code kron4j verify --model cnn:…}: each variant's conv block (KFC,
 * Grosse &amp; Martens 2016; EKFAC on its eigenbasis, George et al. 2018) and the dense block
 * after it against the exact Fisher (= GGN) of a tiny one-conv-layer network
 * ({@link TinyCnn}: plain float64, per-example Jacobians written from the convolution's
 * definition), as the relative Frobenius error ‖C − F‖ / ‖F‖ per layer.
 *
 * <p>Three cases, each with {@link CurvatureCheck#CHECK_SETTINGS} ({@code targets=exact}, float64,
 * statistics every step, one refresh, two steps on the same batch) and the adaptive step and
 * damping off (the tiny net has no batch oracle; neither changes the curvature blocks):
 * <ol>
 *   <li><b>batch</b>: the given geometry, B standard-normal images, kernel and dense weights drawn
 *       from the seed, random targets: KFC is an approximation here (information only);</li>
 *   <li><b>one position</b>: the kernel covers the whole input (|T| = 1, no padding) and one
 *       example: the conv layer is a dense layer on its patch, so its KFC block is that example's
 *       exact Fisher block — must be at rounding level;</li>
 *   <li><b>shared weights</b>: the given kernel, stride and dilation without padding over
 *       |T| ≥ 1 positions, with KFC's assumptions made exact: a constant image per channel (every
 *       patch equal: spatial homogeneity), a linear conv, squared error (H = I) and a dense layer
 *       in which logit (o, t) reads only map o at position t (derivatives at different positions
 *       uncorrelated); one example. The exact block is then āāᵀ ⊗ Σ_t E[g_t g_tᵀ], which KFC's
 *       A ⊗ G equals only with G summed — not averaged — over positions: the |T| scaling is checked
 *       — must be at rounding level.</li>
 * </ol>
 * In cases 2 and 3 the dense block is exact too (one example). KFRA refuses convolutions (not a
 * published method); Shampoo states no curvature matrix.
 */
public final class ConvCurvatureCheck {
    /** Errors below this count as exact (float64; blocks of at most a few thousand entries). */
    public static final double EXACT_TOLERANCE = CurvatureCheck.EXACT_TOLERANCE;

    /** The check's settings on top of {@link CurvatureCheck#CHECK_SETTINGS}: no adaptive step or damping. */
    public static final OptimizerConfig.Defaults FIXED = OptimizerConfig.Defaults.builder()
            .put(OptimizerSettings.ADAPTIVE_STEP, false).put(OptimizerSettings.ADAPTIVE_DAMPING, false).build();

    private ConvCurvatureCheck() {
    }

    /**
     * One variant's errors: per case, per layer (conv, dense); null entries mean "no matrix".
     *
     * @param refusal why the variant cannot build the network (KFRA), else empty
     */
    public record VariantErrors(String variant, Map<String, String> given, List<Double> batch,
            List<Double> onePosition, List<Double> sharedWeights, boolean exactTargets, Optional<String> refusal) {
        public boolean statesCurvature() {
            return refusal.isEmpty() && batch.stream().anyMatch(e -> e != null);
        }

        /** True unless an error of the two exact cases exceeds {@link #EXACT_TOLERANCE} (judged only with exact targets). */
        public boolean passes() {
            if (!exactTargets || !statesCurvature()) {
                return true;
            }
            return java.util.stream.Stream.concat(onePosition.stream(), sharedWeights.stream())
                    .allMatch(e -> e == null || e <= EXACT_TOLERANCE);
        }
    }

    /** The geometry, the networks of the three cases and each variant's errors. */
    public record Result(TinyConv geometry, Activation activation, Loss loss, int batch, long seed,
            TinyConv onePosition, TinyConv sharedWeights, List<VariantErrors> variants) {
    }

    /** Runs the three cases for every variant. */
    public static Result run(TinyConv geometry, Activation activation, Loss loss, int batch, long seed,
            List<OptimizerConfig> variants) {
        Random random = new Random(seed);
        Case general = general(geometry, activation, loss, batch, random);
        Case single = onePosition(geometry.onePosition(), activation, loss, random);
        Case shared = sharedWeights(geometry.sharedWeights(), random);
        List<VariantErrors> out = new ArrayList<>();
        for (OptimizerConfig given : variants) {
            OptimizerConfig settings = FIXED.applyTo(CurvatureCheck.CHECK_SETTINGS.applyTo(given));
            boolean exactTargets = !OptimizerConfig.applies(settings.variant(), OptimizerSettings.TARGETS)
                    || settings.get(OptimizerSettings.TARGETS) == TargetSource.EXACT;
            try {
                out.add(new VariantErrors(given.variantName(), given.givenText(), general.errors(settings),
                        single.errors(settings), shared.errors(settings), exactTargets, Optional.empty()));
            } catch (UnsupportedModelException e) {
                List<Double> none = Arrays.asList(null, null);
                out.add(new VariantErrors(given.variantName(), given.givenText(), none, none, none, exactTargets,
                        Optional.of(e.getMessage())));
            }
        }
        return new Result(geometry, activation, loss, batch, seed, geometry.onePosition(), geometry.sharedWeights(),
                out);
    }

    /** A network, a batch and the exact Fisher blocks of its two layers. */
    private record Case(TinyCnn cnn, TinyConv geometry, Activation activation, Loss loss, double[][][][] x,
            double[][] y) {

        List<Double> errors(OptimizerConfig settings) {
            LayerSpec conv = Conv2d.layer("conv", geometry.inChannels(), geometry.outChannels(),
                    geometry.kernelHeight(), geometry.kernelWidth(), true, activation);
            LayerSpec fc = LayerSpec.dense("fc", geometry.outChannels() * geometry.positions(), geometry.classes(),
                    true, Activation.IDENTITY);
            KroneckerOptimizer optimizer;
            try {
                optimizer = KroneckerOptimizer.builder(settings).model(ModelSpec.sequential(loss, conv, fc)).build();
            } catch (UnsupportedModelException e) {
                throw e; // the variant refuses a layer kind (KFRA and convolutions): reported, not bad input
            } catch (IllegalArgumentException | IllegalStateException | UnsupportedOperationException e) {
                throw new BadInputException(settings.variantName() + " cannot handle this network: " + e.getMessage());
            }
            ModelCapture capture = cnn.exactCapture(x, y);
            for (int step = 0; step < 2; step++) {
                StepResult result = optimizer.step(capture);
                if (!result.applied()) {
                    throw new IllegalStateException(settings.variantName() + " skipped a step of the check: "
                            + result.skipReason());
                }
            }
            double[][][] exact = {cnn.convFisher(x), denseFisher()};
            List<Double> errors = new ArrayList<>();
            for (int l = 0; l < 2; l++) {
                Optional<INDArray> matrix = optimizer.estimator().blocks().get(l).curvatureMatrix();
                double[][] expected = exact[l];
                errors.add(matrix.map(m -> DoubleMatrices.relativeError(DoubleMatrices.toDoubleArray(m), expected))
                        .orElse(null));
            }
            return errors;
        }

        /**
         * The dense layer's exact Fisher block, (1/B) Σ_b Σ_c vec(u_c āᵀ) vec(u_c āᵀ)ᵀ with ā the
         * flattened activations and a bias 1, u_c the rows of a square root of H_b: the dense layer's
         * Jacobian in its own parameters is I ⊗ āᵀ, so this is exact.
         */
        private double[][] denseFisher() {
            int k = geometry.classes();
            int n = geometry.outChannels() * geometry.positions() + 1;
            double[][] fisher = new double[k * n][k * n];
            for (double[][][] image : x) {
                double[] flat = cnn.flattened(image);
                double[] a = Arrays.copyOf(flat, n);
                a[n - 1] = 1.0;
                double[][] h = cnn.outputHessian(image);
                // vec(W) column-major: entry (r, c) at r + k·c; F[(r,c),(s,d)] = H[r][s] a[c] a[d]
                for (int c = 0; c < n; c++) {
                    for (int d = 0; d < n; d++) {
                        double ad = a[c] * a[d];
                        if (ad == 0.0) {
                            continue;
                        }
                        for (int r = 0; r < k; r++) {
                            for (int s = 0; s < k; s++) {
                                fisher[r + k * c][s + k * d] += h[r][s] * ad / x.length;
                            }
                        }
                    }
                }
            }
            return fisher;
        }
    }

    private static Case general(TinyConv g, Activation activation, Loss loss, int batch, Random random) {
        TinyCnn cnn = network(g, activation, loss, gaussian(random, g.classes(), g.outChannels() * g.positions() + 1,
                0.5), random);
        double[][][][] x = images(random, batch, g);
        return new Case(cnn, g, activation, loss, x, RandomTargets.of(random, loss, batch, g.classes()));
    }

    private static Case onePosition(TinyConv g, Activation activation, Loss loss, Random random) {
        TinyCnn cnn = network(g, activation, loss, gaussian(random, g.classes(), g.outChannels() + 1, 0.7), random);
        return new Case(cnn, g, activation, loss, images(random, 1, g), RandomTargets.of(random, loss, 1, g.classes()));
    }

    private static Case sharedWeights(TinyConv g, Random random) {
        int logits = g.classes();
        double[][] dense = new double[logits][logits + 1];
        for (int i = 0; i < logits; i++) {
            dense[i][i] = 0.5 + 0.25 * i;
            dense[i][logits] = 0.1 * i;
        }
        TinyCnn cnn = network(g, Activation.IDENTITY, Loss.SQUARED_ERROR, dense, random);
        double[][][][] x = new double[1][g.inChannels()][g.height()][g.width()];
        for (int c = 0; c < g.inChannels(); c++) {
            double value = random.nextGaussian();
            for (double[] row : x[0][c]) {
                Arrays.fill(row, value);
            }
        }
        return new Case(cnn, g, Activation.IDENTITY, Loss.SQUARED_ERROR, x,
                RandomTargets.of(random, Loss.SQUARED_ERROR, 1, logits));
    }

    /** The tiny net with a kernel from N(0, 0.5²) (bias included, so the point is generic). */
    private static TinyCnn network(TinyConv g, Activation activation, Loss loss, double[][] dense, Random random) {
        return new TinyCnn(gaussian(random, g.outChannels(), g.patchLength() + 1, 0.5), g.inChannels(),
                g.kernelHeight(), g.kernelWidth(), g.stride(), g.padding(), g.dilation(), g.height(), g.width(),
                activation, dense, loss);
    }

    private static double[][] gaussian(Random random, int rows, int cols, double scale) {
        double[][] a = new double[rows][cols];
        for (double[] row : a) {
            for (int j = 0; j < cols; j++) {
                row[j] = scale * random.nextGaussian();
            }
        }
        return a;
    }

    private static double[][][][] images(Random random, int batch, TinyConv g) {
        double[][][][] x = new double[batch][g.inChannels()][g.height()][g.width()];
        for (double[][][] e : x) {
            for (double[][] ch : e) {
                for (double[] row : ch) {
                    for (int j = 0; j < row.length; j++) {
                        row[j] = random.nextGaussian();
                    }
                }
            }
        }
        return x;
    }
}
