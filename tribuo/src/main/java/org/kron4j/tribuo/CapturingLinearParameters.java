package org.kron4j.tribuo;

import com.oracle.labs.mlrg.olcut.util.Pair;
import java.util.ArrayList;
import java.util.List;
import org.kron4j.api.capture.CaptureField;
import org.kron4j.api.capture.LayerCapture;
import org.kron4j.api.capture.ModelCapture;
import org.kron4j.api.capture.StepPlan;
import org.kron4j.api.capture.TargetSource;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.LayerSpec;
import org.kron4j.api.model.Loss;
import org.kron4j.api.model.ModelSpec;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.rng.Random;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tribuo.math.LinearParameters;
import org.tribuo.math.la.DenseVector;
import org.tribuo.math.la.SGDVector;
import org.tribuo.math.la.Tensor;

/**
 * The training-time parameters of the Kronecker linear trainers: Tribuo's own
 * {@link LinearParameters} (W, outputs × (features + 1), the bias as the last column, which is
 * kron4j's m×(n+1) dense layout), plus a recorder in {@link #gradients}, the hook Tribuo's SGD
 * loop calls once per example with the objective's output gradient and the feature vector.
 *
 * <p>What it records for a statistics step, per example: the feature vector (layer input a,
 * without the bias feature) and, for {@link TargetSource#EMPIRICAL}, the objective's gradient.
 * At {@link #capture} it computes, with the weights the gradients were taken at (Tribuo updates
 * only after the step), the logits W ā, the predictions o(s) of the {@link Loss}, and the output
 * gradients g = o − y of targets y sampled from o ({@link TargetSource#MC_FISHER}), or the rows
 * of the output Hessian's square root ({@link TargetSource#EXACT}); like
 * {@code org.kron4j.reference.mlp.ReferenceMlp}, g is per example, not divided by B.
 *
 * <p>The trainer swaps this object for a plain {@link LinearParameters} before it builds the model,
 * so nothing of kron4j is saved with it. Not thread-safe, like Tribuo's training loop.
 */
final class CapturingLinearParameters extends LinearParameters implements CaptureEngine {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(CapturingLinearParameters.class);

    private final int inputs;
    private final int outputs;
    private final transient Loss loss;
    private final transient Loss nominalLoss;
    private final transient String objective;
    private final long samplingSeed;
    private transient Random random;
    private transient StepPlan plan;
    private transient int pending;
    private transient List<SGDVector> features = new ArrayList<>();
    private transient List<SGDVector> objectiveGradients = new ArrayList<>();

    /**
     * @param featuresWithBias n + 1: Tribuo's feature count plus its bias feature
     * @param outputs          m
     * @param loss             the likelihood the objective is the negative log of, or null when it
     *                         is none (hinge, Huber, absolute): then only empirical statistics work
     * @param nominalLoss      the loss the {@link ModelSpec} names when {@code loss} is null
     * @param objective        the objective's description, for error messages
     * @param samplingSeed     seed of the generator that draws MC Fisher targets
     */
    CapturingLinearParameters(int featuresWithBias, int outputs, Loss loss, Loss nominalLoss, String objective,
            long samplingSeed) {
        super(featuresWithBias, outputs);
        this.inputs = featuresWithBias - 1;
        this.outputs = outputs;
        this.loss = loss;
        this.nominalLoss = nominalLoss;
        this.objective = objective;
        this.samplingSeed = samplingSeed;
    }

    @Override
    public ModelSpec modelSpec() {
        return ModelSpec.sequential(loss != null ? loss : nominalLoss,
                LayerSpec.dense("weights", inputs, outputs, true, Activation.IDENTITY));
    }

    /** Whether an optimiser asked for statistics during this training run. */
    boolean attached() {
        return plan != null;
    }

    @Override
    public void expect(StepPlan next) {
        if (next.collectsStatistics()) {
            requireLoss(next);
        }
        if (needsBatch(next) && loss == null) {
            throw new IllegalStateException("objective " + objective + " is not the negative log-likelihood of a "
                    + "distribution kron4j knows (LogMulticlass, SquaredLoss): no batch loss or Gauss-Newton products");
        }
        this.plan = next;
    }

    /** Whether the plan asks for the batch loss or the batch oracle (which need the examples and their targets). */
    private static boolean needsBatch(StepPlan stepPlan) {
        return stepPlan.needs(CaptureField.BATCH_LOSS) || stepPlan.needs(CaptureField.BATCH_ORACLE);
    }

    private static boolean records(StepPlan stepPlan) {
        return stepPlan.collectsStatistics() || needsBatch(stepPlan);
    }

    @Override
    public Tensor[] gradients(Pair<Double, SGDVector> score, SGDVector example) {
        pending++;
        if (plan != null && records(plan)) {
            features.add(example);
            if ((plan.needs(CaptureField.OUTPUT_GRADIENTS) && plan.targets() == TargetSource.EMPIRICAL)
                    || needsBatch(plan)) {
                objectiveGradients.add(score.getB().copy());
            }
        }
        return super.gradients(score, example);
    }

    @Override
    public ModelCapture capture(StepPlan stepPlan, Tensor[] gradients, double weight) {
        if (gradients.length != 1) {
            throw new IllegalArgumentException("linear parameters have one gradient tensor, got " + gradients.length);
        }
        int batch = Math.max(pending, 1);
        // Tribuo hands over (Σ ascent) · minibatchSize with weight Σw / minibatchSize (or one example's ascent
        // and weight): −weight · tensor / B² is the mean weight times the gradient of the batch-mean loss.
        INDArray gradient = TribuoTensors.toNd(gradients[0]).muli(-weight / ((double) batch * batch));
        LayerCapture.Builder layer = LayerCapture.builder().gradient(gradient);
        if (stepPlan.needs(CaptureField.PARAMETERS)) {
            layer.parameters(TribuoTensors.toNd(getWeightMatrix()));
        }
        INDArray hessian = null;
        if (records(stepPlan) && features.size() != batch) {
            throw new IllegalStateException("recorded " + features.size() + " of the step's " + batch
                    + " examples: expect(plan) must precede the step's examples");
        }
        if (stepPlan.collectsStatistics()) {
            hessian = fillStatistics(stepPlan, layer, batch);
        }
        ModelCapture capture = new ModelCapture(batch, List.of(layer.build()), hessian);
        if (needsBatch(stepPlan)) {
            LinearBatchOracle oracle = batchOracle(batch);
            if (stepPlan.needs(CaptureField.BATCH_LOSS)) {
                capture = capture.withBatchLoss(oracle.loss());
            }
            if (stepPlan.needs(CaptureField.BATCH_ORACLE)) {
                capture = capture.withOracle(oracle);
            }
        }
        pending = 0;
        features.clear();
        objectiveGradients.clear();
        return capture;
    }

    /**
     * The oracle of the recorded batch at the current weights. The targets are recovered from
     * the objective's ascent direction y − o (LogMulticlass, SquaredLoss): y = o + ascent.
     */
    private LinearBatchOracle batchOracle(int batch) {
        double[][] rows = new double[batch][inputs + 1];
        for (int i = 0; i < batch; i++) {
            TribuoTensors.copyFeatures(features.get(i), inputs + 1, rows[i]);
        }
        INDArray augmented = Nd4j.create(rows);
        INDArray weights = TribuoTensors.toNd(getWeightMatrix());
        INDArray predictions = loss.predictions(augmented.mmul(weights.transpose()));
        INDArray targets = predictions.add(empiricalOutputGradients(batch).negi());
        return new LinearBatchOracle(loss, augmented, targets, weights);
    }

    private INDArray fillStatistics(StepPlan stepPlan, LayerCapture.Builder layer, int batch) {
        if (stepPlan.needs(CaptureField.LAYER_INPUTS)) {
            double[][] rows = new double[batch][inputs];
            for (int i = 0; i < batch; i++) {
                TribuoTensors.copyFeatures(features.get(i), inputs, rows[i]);
            }
            layer.inputs(Nd4j.create(rows));
        }
        boolean needsPredictions = stepPlan.needs(CaptureField.OUTPUT_HESSIAN)
                || (stepPlan.needs(CaptureField.OUTPUT_GRADIENTS) && stepPlan.targets() != TargetSource.EMPIRICAL);
        INDArray predictions = needsPredictions ? requireLoss(stepPlan).predictions(logits(batch)) : null;
        if (stepPlan.needs(CaptureField.OUTPUT_GRADIENTS)) {
            layer.outputGradients(switch (stepPlan.targets()) {
                case MC_FISHER -> loss.perExampleGradient(predictions, loss.sampleTargets(predictions, random()));
                case EXACT -> loss.hessianSquareRoot(predictions);
                case EMPIRICAL -> empiricalOutputGradients(batch);
            });
        }
        if (stepPlan.needs(CaptureField.ACTIVATION_DERIVATIVES)) {
            layer.activationDerivatives(Nd4j.ones(DataType.DOUBLE, batch, outputs));
        }
        return stepPlan.needs(CaptureField.OUTPUT_HESSIAN) ? loss.meanOutputHessian(predictions) : null;
    }

    /** s = W ā per recorded example (Tribuo's feature vectors carry the bias feature), B×m. */
    private INDArray logits(int batch) {
        double[][] rows = new double[batch][];
        for (int i = 0; i < batch; i++) {
            rows[i] = getWeightMatrix().leftMultiply(features.get(i)).toArray();
        }
        return Nd4j.create(rows);
    }

    /** g = ∂ℓ/∂s = −(the objective's ascent direction), per example. */
    private INDArray empiricalOutputGradients(int batch) {
        double[][] rows = new double[batch][];
        for (int i = 0; i < batch; i++) {
            SGDVector ascent = objectiveGradients.get(i);
            rows[i] = ascent instanceof DenseVector dense ? dense.toArray() : TribuoTensors.toNd(ascent).toDoubleVector();
            for (int k = 0; k < rows[i].length; k++) {
                rows[i][k] = -rows[i][k];
            }
        }
        return Nd4j.create(rows);
    }

    private Loss requireLoss(StepPlan stepPlan) {
        boolean modelBased = stepPlan.needs(CaptureField.OUTPUT_HESSIAN)
                || (stepPlan.needs(CaptureField.OUTPUT_GRADIENTS) && stepPlan.targets() != TargetSource.EMPIRICAL);
        if (modelBased && loss == null) {
            throw new IllegalStateException("objective " + objective + " is not the negative log-likelihood of a "
                    + "distribution kron4j knows (LogMulticlass, SquaredLoss), so its Fisher cannot be sampled: use "
                    + "targets=empirical");
        }
        return loss;
    }

    private Random random() {
        if (random == null) {
            random = Nd4j.getRandomFactory().getNewRandomInstance(samplingSeed);
        }
        return random;
    }

    /** Frees the sampling generator; called when training ends. */
    void release() {
        if (random != null) {
            try {
                random.close();
            } catch (Exception e) {
                LOG.debug("closing the MC Fisher generator failed", e);
            }
            random = null;
        }
        plan = null;
        features.clear();
        objectiveGradients.clear();
    }
}
