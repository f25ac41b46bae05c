package org.kron4j.dl4j;

import java.util.List;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.capture.StepPlan;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.optim.StepResult;
import org.kron4j.api.support.NdArrays;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The hook: DL4J's {@code BaseOptimizer.gradientAndScore} calls
 * {@link #onGradientCalculation} after back-propagation and before the updater (and outside every
 * workspace). Here the listener asks the optimizer for its plan, captures the step, runs
 * {@link KroneckerOptimizer#step} and overwrites DL4J's gradient views with the direction, which
 * DL4J's updater then divides by B and scales by its learning rate (and momentum).
 */
final class PreconditioningListener extends BaseTrainingListener {
    private static final Logger LOG = LoggerFactory.getLogger(PreconditioningListener.class);

    private final MultiLayerNetwork network;
    private final KroneckerOptimizer optimizer;
    private final List<ParameterBlock> blocks;
    private final StatisticsPass pass;
    private final LearningRateSource learningRate;
    private final Random random;
    private final boolean wholeUpdate;

    private long iterations;
    private long applied;
    private long skipped;
    private long statisticsSteps;
    private long refreshSteps;
    private String lastSkipReason;
    private StepResult lastResult;
    private long statisticsNanos;
    private long optimizerNanos;

    PreconditioningListener(MultiLayerNetwork network, KroneckerOptimizer optimizer, List<ParameterBlock> blocks,
            StatisticsPass pass, LearningRateSource learningRate, Random random, boolean wholeUpdate) {
        this.wholeUpdate = wholeUpdate;
        this.network = network;
        this.optimizer = optimizer;
        this.blocks = List.copyOf(blocks);
        this.pass = pass;
        this.learningRate = learningRate;
        this.random = random;
    }

    /** Where kron4j's learning rate (for the KL clip) comes from each step. */
    interface LearningRateSource {
        /** η for this step, or NaN to keep the optimizer's. */
        double at(int iteration, int epoch, int batchSize);
    }

    @Override
    public void onGradientCalculation(Model model) {
        if (model != network) {
            return; // e.g. layer-wise pretraining, where DL4J hands listeners a single layer
        }
        NdArrays.detached(this::step);
    }

    private void step() {
        Gradient gradient = network.gradient();
        INDArray x = network.getInput();
        INDArray y = network.getLabels();
        if (gradient == null || x == null) {
            throw new IllegalStateException("onGradientCalculation without a gradient or an input: kron4j needs "
                    + "MultiLayerNetwork.fit(...) to have set them");
        }
        int batch = (int) x.size(0);
        double eta = learningRate.at(network.getIterationCount(), network.getEpochCount(), batch);
        if (eta > 0 && eta != optimizer.learningRate()) { // a DL4J schedule at 0 keeps the last positive rate
            optimizer.setLearningRate(eta);
        }
        iterations++;
        long start = System.nanoTime();
        StepPlan plan = optimizer.plan();
        ModelCapture capture = pass.capture(gradient, x, y, plan, random);
        long captured = System.nanoTime();
        StepResult result = optimizer.step(capture);
        lastResult = result;
        if (result.applied()) {
            // DL4J's step is θ ← θ − updater(gradient view / B) (no division without miniBatch); with the
            // adaptive step the updater is a pass-through, so −B·δ makes it add exactly δ.
            double scale = network.conf().isMiniBatch() ? batch : 1.0;
            for (int i = 0; i < blocks.size(); i++) {
                if (wholeUpdate) {
                    blocks.get(i).write(gradient, result.updates().get(i), -scale);
                } else {
                    blocks.get(i).write(gradient, result.directions().get(i), batch);
                }
            }
            applied++;
            statisticsSteps += result.collectedStatistics() ? 1 : 0;
            refreshSteps += result.refreshed() ? 1 : 0;
        } else {
            blocks.forEach(b -> b.zero(gradient));
            skipped++;
            lastSkipReason = result.skipReason();
            LOG.warn("DL4J iteration {}: kron4j skipped the step ({}); the gradient was zeroed",
                    network.getIterationCount(), result.skipReason());
        }
        long done = System.nanoTime();
        statisticsNanos += captured - start;
        optimizerNanos += done - captured;
    }

    java.util.Optional<StepResult> lastStep() {
        return java.util.Optional.ofNullable(lastResult);
    }

    KroneckerOptimizer optimizer() {
        return optimizer;
    }

    /** The sampling generator's position: its root and node states. */
    long[] samplingState() {
        return new long[] {random.rootState(), random.nodeState()};
    }

    /** Puts the sampling generator at a position {@link #samplingState} returned. */
    void restoreSamplingState(long rootState, long nodeState) {
        random.setStates(rootState, nodeState);
    }

    Dl4jDiagnostics diagnostics() {
        java.util.Map<String, org.kron4j.api.DampingInUse> damping = new java.util.LinkedHashMap<>();
        for (org.kron4j.api.CurvatureBlock block : optimizer.estimator().blocks()) {
            block.dampingInUse().ifPresent(used -> damping.put(block.layer().name(), used));
        }
        return new Dl4jDiagnostics(iterations, applied, skipped, statisticsSteps, refreshSteps,
                optimizer.lastKlScale(), lastSkipReason, statisticsNanos, optimizerNanos, optimizer.store().bytes(),
                damping);
    }

    void close() {
        try {
            random.close();
        } catch (Exception e) {
            LOG.debug("closing the sampling generator failed", e);
        }
    }

    @Override
    public String toString() {
        return "kron4j[" + optimizer.variant().name() + "]";
    }
}
