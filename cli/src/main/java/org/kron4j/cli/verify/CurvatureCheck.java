package org.kron4j.cli.verify;

import org.kron4j.cli.BadInputException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.kron4j.api.CurvatureApproximation;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.Loss;
import org.kron4j.api.capture.TargetSource;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.optim.OptimizerSettings;
import org.kron4j.api.optim.StepResult;
import org.kron4j.reference.exact.DoubleMatrices;
import org.kron4j.reference.exact.ExactCurvature;
import org.kron4j.reference.exact.RandomTargets;
import org.kron4j.reference.mlp.ReferenceMlp;
import org.kron4j.api.settings.OptimizerConfig;
import org.kron4j.api.store.Precision;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * How far each variant's curvature blocks are from the exact Fisher of a tiny network: the
 * relative Frobenius error ‖C_l − F_l‖_F / ‖F_l‖_F per layer l, with F_l the exact Fisher block
 * of layer l's parameters computed in plain Java from per-example Jacobians
 * ({@link ExactCurvature}; for the softmax / sigmoid cross-entropy and squared-error losses the
 * Fisher equals the generalised Gauss-Newton matrix) and C_l the block's
 * {@code curvatureMatrix()}.
 *
 * <p>Protocol (that of the variants' own oracle tests): a float64 reference MLP with the given
 * widths, Glorot-uniform weights from the seed and biases drawn from N(0, 0.5²) so that the
 * point is generic; B standard-normal inputs with random targets; each variant in float64 with
 * {@code targets=exact} (the statistics are exact expectations under the model's predictive
 * distribution, no sampling noise), statistics every step and one refresh, takes two steps on
 * that batch without applying them (EKFAC measures its scalings in the basis of the first).
 * Then the same with the first example alone: with one example every Kronecker factorisation
 * of a dense layer is exact (ā āᵀ ⊗ G is that example's Fisher block), so K-FAC, EKFAC and KFRA
 * must all show errors at rounding level there — the pass/fail part of the check.
 */
public final class CurvatureCheck {
    /** Errors below this on one example count as exact (float64, blocks of a few hundred entries). */
    public static final double EXACT_TOLERANCE = 1e-8;

    /**
     * Settings the check applies unless the user's spec sets them; each only where it applies to
     * the variant (KFRA and Shampoo have no {@code targets}).
     */
    public static final OptimizerConfig.Defaults CHECK_SETTINGS = OptimizerConfig.Defaults.builder()
            .put(OptimizerSettings.STORAGE_PRECISION, Precision.DOUBLE)
            .put(OptimizerSettings.DECOMPOSITION_PRECISION, Precision.DOUBLE)
            .put(OptimizerSettings.TARGETS, TargetSource.EXACT)
            .put(OptimizerSettings.T_COV, 1).put(OptimizerSettings.T_INV, 1000)
            .put(OptimizerSettings.KL_CLIP, 0.0).put(OptimizerSettings.LEARNING_RATE, 1.0)
            .put(OptimizerSettings.MOMENTUM, 0.0).put(OptimizerSettings.WEIGHT_DECAY, 0.0).build();

    private CurvatureCheck() {
    }

    /**
     * Per variant and layer the relative error; empty for a variant that states no curvature
     * matrix (Shampoo's preconditioner is not a curvature estimate).
     *
     * @param given      the settings the user gave for this variant
     * @param errors     per layer, the batch's error; null entries mean "no matrix"
     * @param oneExample per layer, the error on the first example alone
     */
    public record VariantErrors(String variant, Map<String, String> given, List<Double> errors, List<Double> oneExample,
            boolean exactTargets) {
        public boolean statesCurvature() {
            return errors.stream().anyMatch(e -> e != null);
        }

        /** True unless the one-example errors exceed {@link #EXACT_TOLERANCE} (judged only with exact targets). */
        public boolean passes() {
            if (!exactTargets) {
                return true;
            }
            return oneExample.stream().allMatch(e -> e == null || e <= EXACT_TOLERANCE);
        }
    }

    /** The network of the check and each variant's errors. */
    public record Result(int[] sizes, List<Activation> activations, Loss loss, int batch, long seed, long parameters,
            List<VariantErrors> variants) {
    }

    /**
     * Runs the check.
     *
     * @param sizes       the tiny network's widths
     * @param activations one per layer, the last IDENTITY
     * @param variants    each variant with the settings the user gave, in report order
     */
    public static Result run(int[] sizes, List<Activation> activations, Loss loss, int batch, long seed,
            List<OptimizerConfig> variants) {
        ReferenceMlp mlp = ReferenceMlp.builder(sizes)
                .hidden(activations.subList(0, activations.size() - 1).toArray(new Activation[0]))
                .loss(loss).dataType(DataType.DOUBLE).seed(seed).build();
        Random random = new Random(seed);
        for (INDArray w : mlp.parameters()) {
            int m = (int) w.rows();
            int n = (int) w.columns() - 1;
            for (int r = 0; r < m; r++) {
                w.putScalar(r, n, 0.5 * random.nextGaussian());
            }
        }
        double[][] x = new double[batch][sizes[0]];
        for (double[] row : x) {
            for (int j = 0; j < row.length; j++) {
                row[j] = random.nextGaussian();
            }
        }
        double[][] y = RandomTargets.of(random, loss, batch, sizes[sizes.length - 1]);
        ExactCurvature exact = ExactCurvature.of(mlp, x, y);
        ExactCurvature single = ExactCurvature.of(mlp, new double[][] {x[0]}, new double[][] {y[0]});
        List<VariantErrors> out = new ArrayList<>();
        for (OptimizerConfig given : variants) {
            OptimizerConfig settings = CHECK_SETTINGS.applyTo(given);
            List<Double> batchErrors = errors(settings, mlp, x, y, exact);
            List<Double> singleErrors = errors(settings, mlp, new double[][] {x[0]}, new double[][] {y[0]}, single);
            boolean exactTargets = !OptimizerConfig.applies(settings.variant(), OptimizerSettings.TARGETS)
                    || settings.get(OptimizerSettings.TARGETS) == TargetSource.EXACT;
            out.add(new VariantErrors(given.variantName(), given.givenText(), batchErrors, singleErrors,
                    exactTargets));
        }
        return new Result(sizes, activations, loss, batch, seed, mlp.parameterCount(), out);
    }

    private static List<Double> errors(OptimizerConfig settings, ReferenceMlp mlp, double[][] x, double[][] y,
            ExactCurvature exact) {
        CurvatureApproximation variant = settings.variant();
        KroneckerOptimizer.Builder builder = KroneckerOptimizer.builder(settings).model(mlp.modelSpec());
        KroneckerOptimizer optimizer;
        try {
            optimizer = builder.build();
        } catch (IllegalArgumentException | IllegalStateException | UnsupportedOperationException e) {
            throw new BadInputException(variant.name() + " cannot handle this network: " + e.getMessage());
        }
        INDArray inputs = DoubleMatrices.toINDArray(x, DataType.DOUBLE);
        INDArray targets = DoubleMatrices.toINDArray(y, DataType.DOUBLE);
        org.nd4j.linalg.api.rng.Random sampler = org.nd4j.linalg.factory.Nd4j.getRandomFactory()
                .getNewRandomInstance(1);
        try {
            for (int step = 0; step < 2; step++) {
                StepResult result = optimizer.step(mlp.capture(inputs, targets, optimizer.plan(), sampler));
                if (!result.applied()) {
                    throw new IllegalStateException(variant.name() + " skipped a step of the check: "
                            + result.skipReason());
                }
            }
        } finally {
            try {
                sampler.close();
            } catch (Exception e) {
                // nothing to do
            }
        }
        List<Double> errors = new ArrayList<>();
        for (int l = 0; l < mlp.layerCount(); l++) {
            Optional<INDArray> matrix = optimizer.estimator().blocks().get(l).curvatureMatrix();
            if (matrix.isEmpty()) {
                errors.add(null);
                continue;
            }
            double[][] fisher = exact.fisherBlock(l);
            double[][] approx = DoubleMatrices.toDoubleArray(matrix.get());
            errors.add(DoubleMatrices.relativeError(approx, fisher));
        }
        return errors;
    }
}
