package org.kron4j.kfac;

import java.util.Optional;
import java.util.Set;
import org.kron4j.api.BlockStatistics;
import org.kron4j.api.CurvatureBlock;
import org.kron4j.api.capture.CaptureField;
import org.kron4j.api.capture.LayerCapture;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.optim.DampingMode;
import org.kron4j.api.support.NdArrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * K-FAC for a dense layer (Martens and Grosse 2015): the Fisher block approximated by A ⊗ G.
 *
 * <ul>
 *   <li>{@link DampingMode#FACTORED}: refresh computes (A + π√λ I)⁻¹ and (G + √λ/π I)⁻¹ by
 *       Cholesky; a direction is G_d⁻¹ V A_d⁻¹, two products, O(m²(n+1) + m(n+1)²).</li>
 *   <li>{@link DampingMode#EIGEN}: refresh eigendecomposes A and G; a direction is
 *       Q_G [(Q_Gᵀ V Q_A) ⊘ (λ_G λ_Aᵀ + λ)] Q_Aᵀ, the exact (A ⊗ G + λI)⁻¹ vec(V), four products.</li>
 * </ul>
 * A refresh costs O((n+1)³ + m³) instead of the O((n+1)³m³) of inverting the block itself.
 * Before the first successful refresh the block passes gradients through unchanged.
 *
 * <p>Memory: 2((n+1)² + m²) values in storage precision (averages plus one decomposition each).
 */
public final class DenseKfacBlock implements CurvatureBlock {
    private static final Logger LOG = LoggerFactory.getLogger(DenseKfacBlock.class);

    private final KroneckerFactors factors;
    private final DampingMode mode;
    private boolean warnedPassThrough;

    public DenseKfacBlock(KroneckerFactors factors, DampingMode mode) {
        this.factors = factors;
        this.mode = mode;
    }

    public KroneckerFactors factors() {
        return factors;
    }

    @Override
    public LayerSpec layer() {
        return factors.layer();
    }

    @Override
    public Set<CaptureField> statisticsFields() {
        return KroneckerFactors.statisticsFields();
    }

    @Override
    public BlockStatistics collect(LayerCapture capture, int batchSize) {
        return factors.collect(capture, batchSize);
    }

    @Override
    public void absorb(BlockStatistics statistics) {
        factors.absorb(statistics);
    }

    @Override
    public void refresh(double damping) {
        if (mode == DampingMode.FACTORED) {
            double pi = factors.pi();
            double root = Math.sqrt(damping);
            factors.input().refreshInverse(pi * root);
            factors.output().refreshInverse(root / pi);
        } else {
            factors.input().refreshEigen();
            factors.output().refreshEigen();
        }
    }

    @Override
    public INDArray precondition(INDArray gradient, double damping) {
        if (mode == DampingMode.FACTORED) {
            Optional<INDArray> inputInverse = factors.input().inverse();
            Optional<INDArray> outputInverse = factors.output().inverse();
            if (inputInverse.isPresent() && outputInverse.isPresent()) {
                return KroneckerAlgebra.applyInverses(outputInverse.get(), gradient, inputInverse.get());
            }
        } else {
            Optional<INDArray> inputVectors = factors.input().eigenvectors();
            Optional<INDArray> outputVectors = factors.output().eigenvectors();
            if (inputVectors.isPresent() && outputVectors.isPresent()) {
                INDArray denominators = KroneckerAlgebra.kroneckerEigenvalues(
                        factors.output().eigenvalues().orElseThrow(), factors.input().eigenvalues().orElseThrow(),
                        damping);
                return KroneckerAlgebra.applyEigenInverse(outputVectors.get(), gradient, inputVectors.get(),
                        denominators);
            }
        }
        if (!warnedPassThrough) {
            warnedPassThrough = true;
            LOG.warn("{}: no decomposition available yet; passing the gradient through", layer().name());
        }
        return gradient.dup();
    }

    /** A ⊗ G over the column-major vec of the m×(n+1) weights. */
    @Override
    public Optional<INDArray> curvatureMatrix() {
        return Optional.of(NdArrays.detached(
                () -> KroneckerAlgebra.kron(factors.input().average(), factors.output().average())));
    }
}
