package org.kron4j.kfra;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.Loss;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.optim.OptimizerSettings;
import org.kron4j.api.store.Precision;
import org.kron4j.reference.exact.RandomTargets;
import org.kron4j.reference.mlp.ReferenceMlp;
import org.kron4j.testkit.oracle.DenseMatrices;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Small nets, batches and accessors shared by the KFRA tests. Everything in float64. */
final class KfraFixtures {
    private KfraFixtures() {
    }

    /** Standard normal entries. */
    static double[][] gaussian(long seed, int rows, int cols) {
        Random random = new Random(seed);
        double[][] x = new double[rows][cols];
        for (double[] row : x) {
            for (int j = 0; j < cols; j++) {
                row[j] = random.nextGaussian();
            }
        }
        return x;
    }

    /** Targets the loss accepts (see {@link RandomTargets}). */
    static double[][] targets(Loss loss, int rows, int k, long seed) {
        return RandomTargets.of(new Random(seed), loss, rows, k);
    }

    /**
     * A float64 reference MLP with one activation per hidden layer and every weight, bias included,
     * drawn from N(0, 1/(n+1)) (a non-zero bias makes the homogeneous coordinate matter).
     */
    static ReferenceMlp mlp(int[] sizes, Activation[] hidden, Loss loss, boolean bias, long seed) {
        ReferenceMlp mlp = new ReferenceMlp(sizes, hidden, loss, DataType.DOUBLE, seed, bias);
        Random random = new Random(seed * 31 + 7);
        List<INDArray> weights = new ArrayList<>();
        for (INDArray w : mlp.parameters()) {
            double[][] values = new double[w.rows()][w.columns()];
            double scale = 1.0 / Math.sqrt(w.columns());
            for (double[] row : values) {
                for (int j = 0; j < row.length; j++) {
                    row[j] = random.nextGaussian() * scale;
                }
            }
            weights.add(DenseMatrices.toINDArray(values, DataType.DOUBLE));
        }
        mlp.setParameters(weights);
        return mlp;
    }

    static Activation[] repeat(Activation activation, int count) {
        Activation[] out = new Activation[count];
        java.util.Arrays.fill(out, activation);
        return out;
    }

    /** KFRA in float64 with plain steps (no momentum, no KL clipping), statistics and refresh at step 0. */
    static KroneckerOptimizer.Builder kfra(ReferenceMlp mlp) {
        return kfra(mlp, Precision.DOUBLE);
    }

    /** {@link #kfra(ReferenceMlp)} with another storage precision. */
    static KroneckerOptimizer.Builder kfra(ReferenceMlp mlp, Precision storage) {
        return KroneckerOptimizer.builder(new KfraApproximation()).model(mlp.modelSpec())
                .set(OptimizerSettings.STORAGE_PRECISION, storage)
                .set(OptimizerSettings.KL_CLIP, 0.0)
                .momentum(0.0).learningRate(1.0);
    }

    /** One step of {@code optimizer} on the batch (the optimizer's plan, captured by the MLP). */
    static ModelCapture step(KroneckerOptimizer optimizer, ReferenceMlp mlp, double[][] x, double[][] y) {
        ModelCapture capture = mlp.capture(DenseMatrices.toINDArray(x, DataType.DOUBLE),
                DenseMatrices.toINDArray(y, DataType.DOUBLE), optimizer.plan(), null);
        optimizer.step(capture);
        return capture;
    }

    /** A fresh KFRA optimizer after one statistics step on the batch: its G factors hold this batch's H̄. */
    static KroneckerOptimizer afterOneStep(ReferenceMlp mlp, double[][] x, double[][] y) {
        KroneckerOptimizer optimizer = kfra(mlp).build();
        step(optimizer, mlp, x, y);
        return optimizer;
    }

    static KfraBlock block(KroneckerOptimizer optimizer, int layer) {
        return (KfraBlock) optimizer.estimator().blocks().get(layer);
    }

    /** The averaged G factor of a layer: KFRA's H̄_l. */
    static double[][] propagated(KroneckerOptimizer optimizer, int layer) {
        return DenseMatrices.toDoubleArray(block(optimizer, layer).factors().output().average());
    }

    /** The averaged A factor of a layer. */
    static double[][] inputFactor(KroneckerOptimizer optimizer, int layer) {
        return DenseMatrices.toDoubleArray(block(optimizer, layer).factors().input().average());
    }

    /** max |actual − expected| / max |expected|. */
    static double relativeError(double[][] actual, double[][] expected) {
        return DenseMatrices.maxAbsDifference(actual, expected) / DenseMatrices.maxAbs(expected);
    }
}
