package org.kron4j.api.capture;

import java.util.List;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Exact second-order information about the objective on the batch of one step, computed by the
 * engine on request: the batch loss, the loss at candidate parameters, and Gauss-Newton × vector
 * products. This is what the adaptive K-FAC of Martens &amp; Grosse (2015, §6–7) needs for its
 * quadratic model M(δ) = ½ δᵀ(G + λI)δ + gᵀδ and its reduction ratio.
 *
 * <p><b>Objective.</b> h(θ) = (1/B) Σ_i ℓ(f(x_i; θ), y_i), the batch-mean loss with the true
 * targets, without weight decay or any other regularisation: the function whose gradient is the
 * capture's {@link CaptureField#GRADIENT}. For an engine whose loss is a constant c times kron4j's
 * {@link org.kron4j.api.model.Loss} (the DL4J adapter's squared errors) every quantity here is
 * that of the engine's own loss, c times kron4j's, consistently with its GRADIENT.
 *
 * <p><b>Gauss-Newton.</b> G = (1/B) Σ_i J_iᵀ H_i J_i, J_i = ∂s_i/∂θ the Jacobian of example i's
 * network output (the pre-activation of the output layer) and H_i = ∂²ℓ_i/∂s_i² the loss Hessian
 * at that output; positive semi-definite, and equal to the Fisher for kron4j's losses (canonical
 * links). Products are exact, not sampled: one forward-mode (R-op) pass gives J_i v, the loss
 * Hessian gives H_i J_i v, one backward pass gives Σ J_iᵀ(·).
 *
 * <p><b>Vectors.</b> A "vector" is a list with one array per layer of the
 * {@link org.kron4j.api.model.ModelSpec}, in model order, each in that layer's gradient shape and
 * layout (exactly the shape of the capture's GRADIENT); any data type, converted to the engine's.
 * Results come back in the same layout and the engine's data type, freshly allocated.
 *
 * <p><b>Lifetime.</b> An oracle belongs to the capture it came with: it answers for the parameters
 * and the batch of that step, and is valid only until the optimizer's {@code step} returns (the
 * engine may update its parameters afterwards). No method changes the model's parameters or any
 * state of the engine's training (random generators included). Not thread-safe.
 */
public interface BatchOracle {

    /** B, the number of examples of the batch (≥ 1). */
    int batchSize();

    /** h(θ): the batch-mean loss at the current parameters, as carried by {@link ModelCapture#batchLoss()}. */
    double loss();

    /**
     * h(θ + δ): the batch-mean loss on the same batch at the current parameters displaced by
     * {@code delta}; the parameters are unchanged afterwards. The sign convention is additive:
     * an optimizer that applies θ ← θ − η·d evaluates {@code lossAt(−η·d)}.
     *
     * @param delta one displacement per layer in the gradient's shape
     */
    double lossAt(List<INDArray> delta);

    /**
     * G v, the exact Gauss-Newton matrix of the batch-mean loss at the current parameters times
     * one vector (no damping): one R-op forward pass and one backward pass.
     *
     * @param vector one array per layer in the gradient's shape
     * @return G v in the same layout, the engine's data type
     */
    List<INDArray> gaussNewtonTimes(List<INDArray> vector);

    /**
     * The Gram matrix of the Gauss-Newton form: entry (a, b) = v_aᵀ G v_b for the given vectors
     * (one or two for the quadratic model of M&amp;G §7), computed from forward-mode passes only:
     * v_aᵀ G v_b = (1/B) Σ_i (J_i v_a)ᵀ H_i (J_i v_b). Symmetric, positive semi-definite. The
     * default forms the products with {@link #gaussNewtonTimes}; engines override it with the
     * cheaper forward-only computation.
     *
     * @param vectors each one array per layer in the gradient's shape
     * @return a vectors.size() × vectors.size() matrix in {@code double}
     */
    default double[][] gaussNewtonGram(List<List<INDArray>> vectors) {
        int n = vectors.size();
        double[][] gram = new double[n][n];
        for (int b = 0; b < n; b++) {
            List<INDArray> product = gaussNewtonTimes(vectors.get(b));
            for (int a = 0; a <= b; a++) {
                double dot = 0.0;
                for (int l = 0; l < product.size(); l++) {
                    dot += vectors.get(a).get(l).castTo(product.get(l).dataType()).reshape(product.get(l).shape())
                            .mul(product.get(l)).sumNumber().doubleValue();
                }
                gram[a][b] = dot;
                gram[b][a] = dot;
            }
        }
        return gram;
    }
}
