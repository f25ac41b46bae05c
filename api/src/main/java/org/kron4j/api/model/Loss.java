package org.kron4j.api.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.random.impl.GaussianDistribution;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The losses kron4j understands, each the negative log-likelihood of a predictive distribution
 * with its canonical link, so that its Gauss-Newton matrix equals its Fisher matrix:
 *
 * <table>
 *   <caption>losses, links and output curvature</caption>
 *   <tr><th>loss</th><th>prediction o(s)</th><th>distribution</th><th>∂²ℓ/∂s² (per example)</th></tr>
 *   <tr><td>softmax cross-entropy</td><td>softmax(s)</td><td>categorical(o)</td><td>diag(o) − o oᵀ</td></tr>
 *   <tr><td>sigmoid cross-entropy</td><td>σ(s)</td><td>independent Bernoulli(o)</td><td>diag(o(1−o))</td></tr>
 *   <tr><td>squared error ½‖s−y‖²</td><td>s</td><td>Gaussian N(s, I)</td><td>I</td></tr>
 * </table>
 *
 * <p>For all three the per-example gradient with respect to the pre-activation output s is
 * o − y. All methods work on a batch (B rows) with ND4J operations only, so they run on any
 * backend.
 */
public enum Loss {
    SOFTMAX_CROSS_ENTROPY {
        @Override
        public INDArray predictions(INDArray logits) {
            INDArray shifted = logits.subColumnVector(logits.max(1).reshape(logits.rows(), 1));
            INDArray exp = Transforms.exp(shifted, false);
            return exp.diviColumnVector(exp.sum(1).reshape(logits.rows(), 1));
        }

        @Override
        public INDArray sampleTargets(INDArray predictions, Random random) {
            return sampleCategorical(predictions, random);
        }

        @Override
        public INDArray meanOutputHessian(INDArray predictions) {
            int b = predictions.rows();
            INDArray outer = predictions.transpose().mmul(predictions).divi(b);
            INDArray diagonal = Nd4j.diag(predictions.mean(0));
            return diagonal.subi(outer);
        }

        @Override
        public INDArray hessianSquareRoot(INDArray predictions) {
            // column c for example i: sqrt(p_ic) (e_c - p_i); sum_c r r^T = diag(p_i) - p_i p_i^T
            int b = predictions.rows();
            int k = predictions.columns();
            INDArray rows = Nd4j.createUninitialized(predictions.dataType(), (long) k * b, k);
            INDArray roots = Transforms.sqrt(predictions, true);
            for (int c = 0; c < k; c++) {
                INDArray block = predictions.neg();
                block.getColumn(c).addi(1.0);
                block.muliColumnVector(roots.getColumn(c).reshape(b, 1));
                rows.get(NDArrayIndex.interval((long) c * b, (long) (c + 1) * b), NDArrayIndex.all()).assign(block);
            }
            return rows;
        }

        @Override
        public double meanLoss(INDArray logits, INDArray targets) {
            // loss_i = sum_k y_ik (lse_i - z_ik) with z = s - max_k s (the shift cancels)
            int b = logits.rows();
            INDArray shifted = logits.subColumnVector(logits.max(1).reshape(b, 1));
            INDArray logSumExp = Transforms.log(Transforms.exp(shifted, true).sum(1), false).reshape(b, 1);
            double weighted = logSumExp.muli(targets.sum(1).reshape(b, 1)).sumNumber().doubleValue();
            return (weighted - shifted.muli(targets).sumNumber().doubleValue()) / b;
        }
    },
    SIGMOID_CROSS_ENTROPY {
        @Override
        public INDArray predictions(INDArray logits) {
            return Transforms.sigmoid(logits, true);
        }

        @Override
        public INDArray sampleTargets(INDArray predictions, Random random) {
            INDArray uniform = Nd4j.rand(random, predictions.shape()).castTo(predictions.dataType());
            return uniform.lt(predictions).castTo(predictions.dataType());
        }

        @Override
        public INDArray meanOutputHessian(INDArray predictions) {
            INDArray variance = predictions.mul(predictions.rsub(1.0));
            return Nd4j.diag(variance.mean(0));
        }

        @Override
        public INDArray hessianSquareRoot(INDArray predictions) {
            // column c for example i: sqrt(p_ic (1 - p_ic)) e_c
            return diagonalRoot(Transforms.sqrt(predictions.mul(predictions.rsub(1.0)), false));
        }

        @Override
        public double meanLoss(INDArray logits, INDArray targets) {
            // softplus(s) - y s, written stably as max(s, 0) - y s + log(1 + exp(-|s|))
            INDArray positive = Transforms.relu(logits, true);
            INDArray tail = Transforms.log(Transforms.exp(Transforms.abs(logits, true).negi(), false).addi(1.0), false);
            return positive.subi(logits.mul(targets)).addi(tail).sumNumber().doubleValue() / logits.rows();
        }
    },
    SQUARED_ERROR {
        @Override
        public INDArray predictions(INDArray logits) {
            return logits.dup();
        }

        @Override
        public INDArray sampleTargets(INDArray predictions, Random random) {
            INDArray noise = Nd4j.createUninitialized(predictions.dataType(), predictions.shape());
            Nd4j.getExecutioner().exec(new GaussianDistribution(noise, 0.0, 1.0), random);
            return noise.addi(predictions);
        }

        @Override
        public INDArray meanOutputHessian(INDArray predictions) {
            return Nd4j.eye(predictions.columns()).castTo(predictions.dataType());
        }

        @Override
        public INDArray hessianSquareRoot(INDArray predictions) {
            return diagonalRoot(Nd4j.onesLike(predictions));
        }

        @Override
        public double meanLoss(INDArray logits, INDArray targets) {
            INDArray diff = logits.sub(targets);
            return 0.5 * diff.muli(diff).sumNumber().doubleValue() / logits.rows();
        }
    };

    /** o(s): the predictive distribution's parameters for a batch of pre-activation outputs (B×k). */
    public abstract INDArray predictions(INDArray logits);

    /**
     * Targets drawn from the model's own predictive distribution, one per example: the draw
     * that makes o − y an unbiased sample of the Fisher's square root (the MC Fisher).
     */
    public abstract INDArray sampleTargets(INDArray predictions, Random random);

    /** E over the batch of ∂²ℓ/∂s², a k×k matrix. */
    public abstract INDArray meanOutputHessian(INDArray predictions);

    /**
     * A square root of every example's output Hessian, stacked class-major: a (k·B)×k matrix
     * whose row cB + i is r_c for example i, with Σ_c r_c r_cᵀ = ∂²ℓ_i/∂s². Back-propagating
     * these rows gives the exact Fisher factors ({@link org.kron4j.api.capture.TargetSource#EXACT}).
     */
    public abstract INDArray hessianSquareRoot(INDArray predictions);

    /** The batch-mean loss for pre-activation outputs and targets (both B×k). */
    public abstract double meanLoss(INDArray logits, INDArray targets);

    /**
     * Per example the output Hessian times a direction, H_i u_i with H_i = ∂²ℓ_i/∂s_i² (B×k, a new
     * array): (diag(o_i) − o_i o_iᵀ) u_i for softmax cross-entropy, o_i(1 − o_i) ∘ u_i for sigmoid
     * cross-entropy, u_i for squared error. The Gauss-Newton × vector product of the engines
     * applies it between their forward-mode and backward passes.
     *
     * @param predictions o(s), B×k
     * @param directions  u = J v, B×k, row i belonging to example i
     */
    public INDArray hessianTimes(INDArray predictions, INDArray directions) {
        return switch (this) {
            case SOFTMAX_CROSS_ENTROPY -> {
                INDArray weighted = predictions.mul(directions);
                INDArray dots = weighted.sum(1).reshape(predictions.rows(), 1);
                yield weighted.subi(predictions.mulColumnVector(dots));
            }
            case SIGMOID_CROSS_ENTROPY -> predictions.mul(predictions.rsub(1.0)).muli(directions);
            case SQUARED_ERROR -> directions.dup();
        };
    }

    /** Per-example gradient ∂ℓ_i/∂s_i = o_i − y_i (B×k), the same for all three losses. */
    public INDArray perExampleGradient(INDArray predictions, INDArray targets) {
        return predictions.sub(targets);
    }

    /** Rows d_ic e_c stacked class-major, for diagonal Hessians diag(d_i²). */
    static INDArray diagonalRoot(INDArray scales) {
        int b = scales.rows();
        int k = scales.columns();
        INDArray rows = Nd4j.zeros(scales.dataType(), (long) k * b, k);
        for (int c = 0; c < k; c++) {
            rows.get(NDArrayIndex.interval((long) c * b, (long) (c + 1) * b), NDArrayIndex.point(c))
                    .assign(scales.getColumn(c));
        }
        return rows;
    }

    /**
     * One-hot draws from the rows of a probability matrix: row i gets a 1 in the column k with
     * c_{k-1} ≤ u_i &lt; c_k, where c is the row's cumulative sum (its last entry pinned to 1 so
     * rounding cannot leave a row empty) and u_i is uniform on [0, 1).
     */
    static INDArray sampleCategorical(INDArray probabilities, Random random) {
        DataType type = probabilities.dataType();
        int rows = probabilities.rows();
        int cols = probabilities.columns();
        // c = p U with U upper-triangular ones: one gemm; INDArray.cumsum(1) costs ~10 µs per row on CPU.
        // (U is built on the host: Nd4j.triu corrupts the heap for DOUBLE input in 1.0.0-M2.1.)
        double[][] upper = new double[cols][cols];
        for (int i = 0; i < cols; i++) {
            java.util.Arrays.fill(upper[i], i, cols, 1.0);
        }
        INDArray cumulative = probabilities.mmul(Nd4j.create(upper).castTo(type));
        cumulative.get(NDArrayIndex.all(), NDArrayIndex.point(cols - 1)).assign(1.0);
        INDArray previous = Nd4j.zeros(type, rows, cols);
        if (cols > 1) {
            previous.get(NDArrayIndex.all(), NDArrayIndex.interval(1, cols))
                    .assign(cumulative.get(NDArrayIndex.all(), NDArrayIndex.interval(0, cols - 1)));
        }
        INDArray uniform = Nd4j.rand(random, rows, 1).castTo(type);
        INDArray u = uniform.repeat(1, cols);
        // [u < c_k] - [u < c_{k-1}] = 1 exactly when c_{k-1} <= u < c_k; u in [0, 1) always finds a class
        // (c_{-1} = 0 <= u, c_last = 1 > u), whereas c_{k-1} < u <= c_k left the row empty for u = 0
        return cumulative.gt(u).castTo(type).subi(previous.gt(u).castTo(type));
    }
}
