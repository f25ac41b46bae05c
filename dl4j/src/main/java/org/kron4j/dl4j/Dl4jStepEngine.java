package org.kron4j.dl4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.kron4j.api.CurvatureApproximation;
import org.kron4j.api.UnsupportedModelException;
import org.kron4j.api.capture.BatchOracle;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.capture.StepPlan;
import org.kron4j.api.model.Loss;
import org.kron4j.api.model.ModelSpec;
import org.kron4j.api.support.NdArrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;

/**
 * A DL4J {@link MultiLayerNetwork} as a step-by-step engine for drivers that run the
 * {@link org.kron4j.api.optim.KroneckerOptimizer} themselves instead of attaching it as a listener
 * (data-parallel engines: the Spark module). It captures a minibatch at the current parameters
 * (DL4J's back-propagation, then the same {@link StatisticsPass} the attachment uses), answers the
 * batch oracle, and reads and writes the parameters in kron4j's layout. DL4J's updater is never
 * involved: the caller applies kron4j's whole update ({@code StepResult.updates()}).
 *
 * <p>Every layer must be one kron4j supports for the variant (no pass-through policy here). Not
 * thread-safe; one engine per thread.
 */
public final class Dl4jStepEngine {
    private final MultiLayerNetwork network;
    private final NetworkModel model;
    private final List<ParameterBlock> blocks;
    private final StatisticsPass pass;
    private final ModelSpec spec;

    private Dl4jStepEngine(MultiLayerNetwork network, CurvatureApproximation variant) {
        this.network = network;
        this.model = NetworkModel.of(network);
        this.blocks = model.blocks(Set.of(), variant);
        for (ParameterBlock block : blocks) {
            if (!variant.supports(block.spec())) {
                throw new UnsupportedModelException("variant '" + variant.name() + "' does not support "
                        + block.spec());
            }
        }
        this.pass = new StatisticsPass(model, blocks);
        this.spec = model.modelSpec(blocks, Loss.SQUARED_ERROR);
    }

    /**
     * @param network an initialised network ({@code init()} called)
     * @param variant the variant whose blocks the layers map to
     */
    public static Dl4jStepEngine of(MultiLayerNetwork network, CurvatureApproximation variant) {
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(variant, "variant");
        if (!network.isInitCalled() || network.getLayers() == null) {
            throw new IllegalStateException("call network.init() before building a step engine");
        }
        return NdArrays.detached(() -> new Dl4jStepEngine(network, variant));
    }

    public MultiLayerNetwork network() {
        return network;
    }

    /** The model as the optimizer sees it (one layer per kron4j block). */
    public ModelSpec modelSpec() {
        return spec;
    }

    /** Copies of the parameters in kron4j's layout, one per block. */
    public List<INDArray> parameters() {
        List<INDArray> out = new ArrayList<>(blocks.size());
        blocks.forEach(b -> out.add(b.parameters(network)));
        return out;
    }

    /** Overwrites the network's parameters from kron4j's layout, one array per block. */
    public void setParameters(List<INDArray> parameters) {
        if (parameters.size() != blocks.size()) {
            throw new IllegalArgumentException("expected " + blocks.size() + " parameter arrays, got "
                    + parameters.size());
        }
        Gradient views = new DefaultGradient();
        for (Map.Entry<String, INDArray> entry : network.paramTable().entrySet()) {
            views.setGradientFor(entry.getKey(), entry.getValue());
        }
        for (int i = 0; i < blocks.size(); i++) {
            blocks.get(i).write(views, parameters.get(i), 1.0);
        }
    }

    /**
     * The capture of the plan's fields on (x, y) at the current parameters: DL4J's gradient of
     * the batch-mean loss (kron4j's layout), the statistics fields, the batch loss and the oracle
     * when planned.
     */
    public ModelCapture capture(INDArray x, INDArray y, StepPlan plan, Random random) {
        return NdArrays.detached(() -> {
            network.setInput(x);
            network.setLabels(y);
            network.computeGradientAndScore();
            Gradient gradient = network.gradient();
            return pass.capture(gradient, x, y, plan, random);
        });
    }

    /** The batch oracle of (x, y) at the current parameters (DL4J's loss without regularisation). */
    public BatchOracle oracle(INDArray x, INDArray y) {
        return new Dl4jBatchOracle(model, blocks, x, y);
    }

    /** DL4J's batch-mean loss of (x, y) without regularisation, at the current parameters. */
    public double loss(INDArray x, INDArray y) {
        return NdArrays.detached(() -> oracle(x, y).loss());
    }

    /** The network's output for x (inference mode). */
    public INDArray predict(INDArray x) {
        return NdArrays.detached(() -> network.output(x, false).detach());
    }
}
