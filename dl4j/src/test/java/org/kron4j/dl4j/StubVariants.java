package org.kron4j.dl4j;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.kron4j.api.BlockContext;
import org.kron4j.api.BlockStatistics;
import org.kron4j.api.CurvatureApproximation;
import org.kron4j.api.CurvatureBlock;
import org.kron4j.api.CurvatureEstimator;
import org.kron4j.api.EstimatorContext;
import org.kron4j.api.Statistics;
import org.kron4j.api.capture.CaptureField;
import org.kron4j.api.capture.LayerCapture;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.model.LayerKind;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.registry.VariantRegistry;
import org.kron4j.api.support.BlockwiseEstimator;
import org.kron4j.api.support.PassThroughBlock;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Test-only variants: an identity preconditioner and one that records every capture. */
final class StubVariants {
    private StubVariants() {
    }

    /** Returns every gradient unchanged and asks for nothing: training must equal plain DL4J. */
    static final class Identity implements CurvatureApproximation {
        @Override
        public String name() {
            return "identity";
        }

        @Override
        public boolean supports(LayerSpec layer) {
            return true;
        }

        @Override
        public CurvatureBlock createBlock(BlockContext context) {
            return new PassThroughBlock(context.layer());
        }
    }

    /** One step's capture, copied: per layer its fields, and the model-level output Hessian. */
    record Recorded(int batchSize, List<Map<CaptureField, INDArray>> layers, INDArray outputHessian) {
        INDArray field(int layer, CaptureField field) {
            return layers.get(layer).get(field);
        }
    }

    /**
     * Asks for every statistic on dense layers (inputs, output gradients, f', parameters, the
     * output Hessian), records copies of each statistics step's capture, and returns the
     * gradient unchanged.
     */
    static final class Recording implements CurvatureApproximation {
        final List<Recorded> captures = new ArrayList<>();

        @Override
        public String name() {
            return "recording";
        }

        @Override
        public boolean supports(LayerSpec layer) {
            return true;
        }

        @Override
        public CurvatureBlock createBlock(BlockContext context) {
            LayerSpec layer = context.layer();
            Set<CaptureField> fields = layer.kind().equals(LayerKind.DENSE)
                    ? EnumSet.of(CaptureField.LAYER_INPUTS, CaptureField.OUTPUT_GRADIENTS,
                            CaptureField.ACTIVATION_DERIVATIVES, CaptureField.PARAMETERS, CaptureField.OUTPUT_HESSIAN)
                    : layer.kind().equals(org.kron4j.core.Conv2d.KIND)
                            ? EnumSet.of(CaptureField.LAYER_INPUTS, CaptureField.OUTPUT_GRADIENTS,
                                    CaptureField.PARAMETERS)
                            : EnumSet.noneOf(CaptureField.class);
            return new CurvatureBlock() {
                @Override
                public LayerSpec layer() {
                    return layer;
                }

                @Override
                public Set<CaptureField> statisticsFields() {
                    return fields;
                }

                @Override
                public BlockStatistics collect(LayerCapture capture, int batchSize) {
                    return BlockStatistics.empty();
                }

                @Override
                public void absorb(BlockStatistics statistics) {
                }

                @Override
                public void refresh(double damping) {
                }

                @Override
                public INDArray precondition(INDArray gradient, double damping) {
                    return gradient.dup();
                }
            };
        }

        @Override
        public CurvatureEstimator createEstimator(EstimatorContext context) {
            List<CurvatureBlock> blocks = new ArrayList<>();
            for (int i = 0; i < context.model().size(); i++) {
                blocks.add(createBlock(context.block(i)));
            }
            return new BlockwiseEstimator(blocks) {
                @Override
                public Statistics collect(ModelCapture capture) {
                    List<Map<CaptureField, INDArray>> layers = new ArrayList<>();
                    for (LayerCapture layer : capture.layers()) {
                        Map<CaptureField, INDArray> copy = new EnumMap<>(CaptureField.class);
                        layer.fields().forEach((field, value) -> copy.put(field, value.dup()));
                        layers.add(copy);
                    }
                    captures.add(new Recorded(capture.batchSize(), layers,
                            capture.outputHessian() == null ? null : capture.outputHessian().dup()));
                    return super.collect(capture);
                }
            };
        }
    }

    static VariantRegistry registry(CurvatureApproximation... variants) {
        return VariantRegistry.of(List.of(variants));
    }
}
