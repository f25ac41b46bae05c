package org.kron4j.api.testing;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.kron4j.api.BlockContext;
import org.kron4j.api.BlockStatistics;
import org.kron4j.api.CurvatureApproximation;
import org.kron4j.api.CurvatureBlock;
import org.kron4j.api.capture.CaptureField;
import org.kron4j.api.capture.LayerCapture;
import org.kron4j.api.model.LayerKind;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.store.SymmetricFactor;
import org.kron4j.api.support.NdArrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A deliberately small variant for testing the driver and the store without depending on a
 * variant module: one factor per dense layer, A = E[āāᵀ], direction V (A + λI)⁻¹. Its math is
 * easy to recompute by hand in a test.
 */
public final class InputFactorApproximation implements CurvatureApproximation {
    private final String name;

    public InputFactorApproximation() {
        this("input-factor");
    }

    public InputFactorApproximation(String name) {
        this.name = name;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public boolean supports(LayerSpec layer) {
        return layer.kind().equals(LayerKind.DENSE);
    }

    @Override
    public CurvatureBlock createBlock(BlockContext context) {
        LayerSpec layer = context.layer();
        SymmetricFactor factor = context.store().symmetricFactor(layer.name(), "A", layer.augmentedInputs());
        return new CurvatureBlock() {
            @Override
            public LayerSpec layer() {
                return layer;
            }

            @Override
            public Set<CaptureField> statisticsFields() {
                return Set.of(CaptureField.LAYER_INPUTS);
            }

            @Override
            public BlockStatistics collect(LayerCapture capture, int batchSize) {
                INDArray a = NdArrays.as(capture.require(CaptureField.LAYER_INPUTS),
                        factor.average().dataType());
                INDArray abar = layer.hasBias() ? NdArrays.appendOnes(a) : a;
                return BlockStatistics.of(batchSize, Map.of("A", NdArrays.rowOuterProductSum(abar)));
            }

            @Override
            public void absorb(BlockStatistics statistics) {
                factor.absorb(statistics.sum("A"), statistics.count());
            }

            @Override
            public void refresh(double damping) {
                factor.refreshInverse(damping);
            }

            @Override
            public INDArray precondition(INDArray gradient, double damping) {
                Optional<INDArray> inverse = factor.inverse();
                return inverse.isPresent() ? gradient.mmul(inverse.get()) : gradient.dup();
            }
        };
    }
}
