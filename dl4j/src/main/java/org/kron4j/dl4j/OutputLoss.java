package org.kron4j.dl4j;

import java.util.Optional;
import org.kron4j.api.capture.TargetSource;
import org.kron4j.api.model.Loss;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossBinaryXENT;
import org.nd4j.linalg.lossfunctions.impl.LossL2;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.nd4j.linalg.lossfunctions.impl.LossMSE;
import org.nd4j.linalg.lossfunctions.impl.LossNegativeLogLikelihood;

/**
 * A DL4J output layer's loss and activation as a kron4j {@link Loss} times a constant:
 * DL4J's per-example loss is ℓ_DL4J = c · ℓ_kron4j.
 *
 * <table>
 *   <caption>supported DL4J output layers</caption>
 *   <tr><th>DL4J loss</th><th>activation</th><th>kron4j loss</th><th>c</th></tr>
 *   <tr><td>LossMCXENT / LossNegativeLogLikelihood, no weights</td><td>softmax</td><td>SOFTMAX_CROSS_ENTROPY</td><td>1</td></tr>
 *   <tr><td>LossBinaryXENT, no weights</td><td>sigmoid</td><td>SIGMOID_CROSS_ENTROPY</td><td>1</td></tr>
 *   <tr><td>LossMSE, no weights (mean over the k outputs: (1/k)‖s−y‖²)</td><td>identity</td><td>SQUARED_ERROR</td><td>2/k</td></tr>
 *   <tr><td>LossL2, no weights (‖s−y‖²)</td><td>identity</td><td>SQUARED_ERROR</td><td>2</td></tr>
 * </table>
 *
 * <p>The curvature the statistics describe is that of DL4J's own loss, c times kron4j's: output
 * gradients are DL4J's per-example gradients {@code ILossFunction.computeGradient} (c(o − y)),
 * MC Fisher targets are drawn from the distribution whose negative log-likelihood is DL4J's loss
 * (for the squared errors N(s, I/c), so that the sampled gradients have covariance c·I, DL4J's
 * output Hessian), the Hessian square root and the mean output Hessian are scaled by √c and c.
 * Preconditioning DL4J's gradient with DL4J's curvature keeps K-FAC's step scale-consistent: the
 * kron4j direction is (c·F + λI)⁻¹ ∇L_DL4J, not (F + λI)⁻¹ ∇L_DL4J.
 */
final class OutputLoss {
    private final ILossFunction lossFunction;
    private final IActivation activation;
    private final Loss loss;
    private final double scale;

    private OutputLoss(ILossFunction lossFunction, IActivation activation, Loss loss, double scale) {
        this.lossFunction = lossFunction;
        this.activation = activation;
        this.loss = loss;
        this.scale = scale;
    }

    /** The kron4j view of a DL4J loss and output activation, or empty with {@code problem[0]} set to why not. */
    static Optional<OutputLoss> of(ILossFunction lossFunction, IActivation activation, int outputs, String[] problem) {
        Class<?> type = lossFunction == null ? null : lossFunction.getClass();
        if (type == LossMCXENT.class || type == LossNegativeLogLikelihood.class) {
            if (((LossMCXENT) lossFunction).getWeights() != null) {
                problem[0] = lossFunction.getClass().getSimpleName() + " with class weights";
            } else if (activation instanceof ActivationSoftmax) {
                return Optional.of(new OutputLoss(lossFunction, activation, Loss.SOFTMAX_CROSS_ENTROPY, 1.0));
            } else {
                problem[0] = lossFunction.getClass().getSimpleName() + " needs a softmax output, not " + activation;
            }
        } else if (type == LossBinaryXENT.class) {
            if (((LossBinaryXENT) lossFunction).getWeights() != null) {
                problem[0] = "LossBinaryXENT with weights";
            } else if (activation instanceof ActivationSigmoid) {
                return Optional.of(new OutputLoss(lossFunction, activation, Loss.SIGMOID_CROSS_ENTROPY, 1.0));
            } else {
                problem[0] = "LossBinaryXENT needs a sigmoid output, not " + activation;
            }
        } else if (type == LossMSE.class || type == LossL2.class) {
            if (((LossL2) lossFunction).getWeights() != null) {
                problem[0] = lossFunction.getClass().getSimpleName() + " with weights";
            } else if (activation instanceof ActivationIdentity) {
                double scale = type == LossMSE.class ? 2.0 / outputs : 2.0;
                return Optional.of(new OutputLoss(lossFunction, activation, Loss.SQUARED_ERROR, scale));
            } else {
                problem[0] = lossFunction.getClass().getSimpleName() + " needs an identity output, not " + activation
                        + " (a non-canonical link has no Fisher = Gauss-Newton equivalence)";
            }
        } else {
            problem[0] = "loss " + (type == null ? "null" : type.getSimpleName())
                    + " (supported: MCXENT/NegativeLogLikelihood + softmax, BinaryXENT + sigmoid, MSE/L2 + identity)";
        }
        return Optional.empty();
    }

    Loss loss() {
        return loss;
    }

    /** c in ℓ_DL4J = c · ℓ_kron4j. */
    double scale() {
        return scale;
    }

    /** o(s): class probabilities, Bernoulli means or the regression output. */
    INDArray predictions(INDArray preOutput) {
        return activation.getActivation(preOutput.dup(), false);
    }

    /**
     * Per-example output gradients (rows, not divided by B) for the given target source: R×k with
     * R = B, or k·B for {@link TargetSource#EXACT}.
     */
    INDArray outputGradients(INDArray preOutput, INDArray predictions, INDArray labels, TargetSource targets,
            Random random) {
        return switch (targets) {
            case EMPIRICAL -> lossFunction.computeGradient(labels, preOutput, activation, null);
            case MC_FISHER -> lossFunction.computeGradient(sampleTargets(preOutput, predictions, random), preOutput,
                    activation, null);
            case EXACT -> {
                INDArray roots = loss.hessianSquareRoot(predictions);
                yield scale == 1.0 ? roots : roots.muli(Math.sqrt(scale));
            }
        };
    }

    /** Targets drawn from the predictive distribution whose negative log-likelihood is DL4J's loss. */
    private INDArray sampleTargets(INDArray preOutput, INDArray predictions, Random random) {
        INDArray sampled = loss.sampleTargets(predictions, random).castTo(preOutput.dataType());
        if (scale == 1.0) {
            return sampled;
        }
        // N(s, I) draws rescaled to N(s, I/c): y' = s + (y - s)/sqrt(c)
        return sampled.subi(preOutput).divi(Math.sqrt(scale)).addi(preOutput);
    }

    /** Per example c · H_i u_i (B×k), H_i = ∂²ℓ_i/∂s² of kron4j's loss: DL4J's output Hessian times u. */
    INDArray hessianTimes(INDArray predictions, INDArray directions) {
        INDArray product = loss.hessianTimes(predictions, directions);
        return scale == 1.0 ? product : product.muli(scale);
    }

    /**
     * DL4J's batch-mean loss, {@code ILossFunction.computeScore(…, average=true)}: c times kron4j's,
     * up to DL4J's clipping of predictions (MCXENT at 1e-10, BinaryXENT at 1e-5), which its
     * gradient {@code computeGradient} shares.
     */
    double meanLoss(INDArray preOutput, INDArray labels) {
        return lossFunction.computeScore(labels, preOutput.dup(), activation, null, true);
    }

    /** c · E_batch[∂²ℓ/∂s²], k×k. */
    INDArray meanOutputHessian(INDArray predictions) {
        INDArray hessian = loss.meanOutputHessian(predictions);
        return scale == 1.0 ? hessian : hessian.muli(scale);
    }

    @Override
    public String toString() {
        return lossFunction.getClass().getSimpleName() + "+" + activation + " as " + loss
                + (scale == 1.0 ? "" : " x " + scale);
    }
}
