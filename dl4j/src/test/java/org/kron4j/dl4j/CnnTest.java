package org.kron4j.dl4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.Stream;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.kron4j.api.capture.CaptureField;
import org.kron4j.core.Conv2d;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DL4J convolutional networks through the attachment, on the digits (8×8 images, one channel,
 * the flat z-scored features reshaped by DL4J's own preprocessor):
 * <ul>
 *   <li>the statistics pass reproduces DL4J's own gradients of every conv and dense layer from
 *       the captured patches and per-position output gradients, (1/B) Σ_b Σ_t δ_{b,t} ā_{b,t}ᵀ,
 *       for stride, padding, Same mode and dilation, through max and average pooling, global
 *       pooling, a dropout layer, batch normalization (on the batch's statistics, as DL4J trains)
 *       and the CNN-to-dense preprocessor, and of batch normalization's gamma and beta from the
 *       captured x̂ and output gradients;</li>
 *   <li>training with the identity preconditioner (the recording variant asking for every
 *       statistic with exact targets, so the pass runs on every step) is bit-identical to plain
 *       DL4J;</li>
 *   <li>K-FAC and EKFAC reduce a small CNN's loss in fewer steps than DL4J's SGD on every seed,
 *       Shampoo over the seeds together (see the test).</li>
 * </ul>
 */
class CnnTest {
    private static final Logger RESULTS = LoggerFactory.getLogger("org.kron4j.results.dl4j");
    private static final INDArray X = Dl4jFixtures.DIGITS.features();
    private static final INDArray Y = Dl4jFixtures.DIGITS.oneHot();
    private static final int B = 64;

    /** The CNNs under test. */
    enum Net {
        /** conv 3×3 (6×6×4, tanh) → max pool 2×2 → conv 2×2 stride 2 Same (2×2×6, relu) → dense 16 → softmax. */
        POOLED,
        /**
         * conv 3×3 stride 2 padding 1 dilation 2 (3×3×4, relu) → dropout layer → conv 2×2 Same
         * (3×3×5, tanh) → average pool 2×2 stride 1 → global average pooling → softmax.
         */
        DILATED,
        /** conv 3×3 (6×6×4) → batch normalization → max pool → dense 16 → softmax. */
        BATCH_NORMALIZED
    }

    static MultiLayerNetwork network(Net net, long seed, IUpdater updater, double retain) {
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().seed(seed).updater(updater)
                .weightInit(WeightInit.XAVIER_UNIFORM).biasInit(0.0).dataType(DataType.FLOAT).list();
        switch (net) {
            case POOLED -> list
                    .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.TANH).build())
                    .layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                    .layer(new ConvolutionLayer.Builder(2, 2).stride(2, 2).convolutionMode(ConvolutionMode.Same)
                            .nOut(6).activation(Activation.RELU).build())
                    .layer(new DenseLayer.Builder().nOut(16).activation(Activation.TANH).build());
            case DILATED -> list
                    .layer(new ConvolutionLayer.Builder(3, 3).stride(2, 2).padding(1, 1).dilation(2, 2).nOut(4)
                            .activation(Activation.RELU).build())
                    .layer(new DropoutLayer.Builder(retain).build())
                    .layer(new ConvolutionLayer.Builder(2, 2).convolutionMode(ConvolutionMode.Same).nOut(5)
                            .activation(Activation.TANH).build())
                    .layer(new SubsamplingLayer.Builder(PoolingType.AVG).kernelSize(2, 2).stride(1, 1).build())
                    .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).build());
            case BATCH_NORMALIZED -> list
                    .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.IDENTITY).build())
                    .layer(new BatchNormalization.Builder().build())
                    .layer(new SubsamplingLayer.Builder(PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build())
                    .layer(new DenseLayer.Builder().nOut(16).activation(Activation.TANH).build());
        }
        list.layer(new OutputLayer.Builder(new LossMCXENT()).nOut(10).activation(Activation.SOFTMAX).build());
        MultiLayerConfiguration conf = list.setInputType(InputType.convolutionalFlat(8, 8, 1)).build();
        MultiLayerNetwork network = new MultiLayerNetwork(conf);
        network.init();
        return network;
    }

    /** DL4J's gradient of DL4J layer {@code layer} in kron4j's layout divided by B: conv [W as O×K | b], dense [Wᵀ | bᵀ]. */
    private static INDArray dl4jGradient(Gradient gradient, int layer, boolean conv) {
        INDArray w = gradient.getGradientFor(layer + "_W");
        INDArray b = gradient.getGradientFor(layer + "_b");
        INDArray weights = conv ? w.dup('c').reshape('c', w.size(0), w.length() / w.size(0)) : w.transpose();
        return Nd4j.hstack(weights, b.reshape(b.length(), 1)).divi(B);
    }

    /** (1/B) Σ_b Σ_t δ_{b,t} [ā_{b,t}; 1]ᵀ from a conv block's captured patches and per-position gradients. */
    private static INDArray convGradientFromStatistics(INDArray patches, INDArray deltas) {
        long rows = patches.size(0) * patches.size(1);
        INDArray a = Nd4j.hstack(patches.dup('c').reshape('c', rows, patches.size(2)),
                Nd4j.ones(patches.dataType(), rows, 1));
        INDArray g = deltas.permute(0, 2, 3, 1).dup('c').reshape('c', rows, deltas.size(1));
        return g.transpose().mmul(a).divi(B);
    }

    private static double relativeError(INDArray actual, INDArray expected) {
        return actual.castTo(DataType.DOUBLE).sub(expected.castTo(DataType.DOUBLE)).norm2Number().doubleValue()
                / expected.castTo(DataType.DOUBLE).norm2Number().doubleValue();
    }

    private static float[] flat(INDArray a) {
        return a.dup('c').reshape(a.length()).toFloatVector();
    }

    private static INDArray rows(INDArray a, int from, int count) {
        return a.get(NDArrayIndex.interval(from, from + count), NDArrayIndex.all()).dup();
    }

    static Stream<Arguments> reproducible() {
        return Stream.of(Arguments.of(Net.POOLED), Arguments.of(Net.DILATED), Arguments.of(Net.BATCH_NORMALIZED));
    }

    /** DL4J's gradient of a BatchNormalization layer's gamma and beta as the C×2 [γ | β] divided by B. */
    private static INDArray dl4jScaleShiftGradient(Gradient gradient, int layer) {
        INDArray gamma = gradient.getGradientFor(layer + "_gamma");
        INDArray beta = gradient.getGradientFor(layer + "_beta");
        return Nd4j.hstack(gamma.reshape(gamma.length(), 1), beta.reshape(beta.length(), 1)).divi(B);
    }

    /** (1/B) Σ_b [Σ_t x̂ δ | Σ_t δ] per channel from a scale-and-shift block's captured x̂ and output gradients. */
    private static INDArray scaleShiftGradientFromStatistics(org.kron4j.api.model.LayerSpec spec, INDArray xHat,
            INDArray deltas) {
        org.kron4j.api.capture.LayerCapture capture = org.kron4j.api.capture.LayerCapture.builder()
                .gradient(Nd4j.zeros(xHat.dataType(), spec.gradientShape())).inputs(xHat).outputGradients(deltas)
                .build();
        INDArray[] perExample = new org.kron4j.core.ScaleShiftStatistics(spec, DataType.DOUBLE)
                .perExampleGradients(capture, B);
        return Nd4j.hstack(perExample[0].sum(0).reshape(perExample[0].size(1), 1),
                perExample[1].sum(0).reshape(perExample[1].size(1), 1)).divi(B);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("reproducible")
    void empiricalStatistics_reproduceDl4jGradientsOfEveryLayer(Net net) {
        MultiLayerNetwork network = network(net, 3, new Sgd(0.05), 1.0);
        INDArray x = rows(X, 0, B);
        INDArray y = rows(Y, 0, B);
        Gradient reference = network.clone().calculateGradients(x, y, null, null).getFirst();
        StubVariants.Recording recording = new StubVariants.Recording();
        Kron4jAttachment attachment = Kron4jDl4j.builder(network).registry(StubVariants.registry(recording))
                .spec("recording:targets=empirical,tCov=1,klClip=0").seed(11).attach();
        List<org.kron4j.api.model.LayerSpec> specs = attachment.modelSpec().layers();
        network.fit(new DataSet(x, y));
        attachment.detach();
        StubVariants.Recorded recorded = recording.captures.get(0);
        int checked = 0;
        for (int block = 0; block < specs.size(); block++) {
            org.kron4j.api.model.LayerSpec spec = specs.get(block);
            int layer = Integer.parseInt(spec.name().substring("layer".length()));
            boolean conv = spec.kind().equals(Conv2d.KIND);
            boolean scaleShift = spec.kind().equals(org.kron4j.core.ScaleShift.KIND);
            INDArray expected = scaleShift ? dl4jScaleShiftGradient(reference, layer) : dl4jGradient(reference, layer, conv);
            // the recorded GRADIENT is DL4J's own, mapped to kron4j's layout: equal up to the ÷B
            assertThat(relativeError(recorded.field(block, CaptureField.GRADIENT), expected)).isLessThan(1e-6);
            INDArray inputs = recorded.field(block, CaptureField.LAYER_INPUTS);
            INDArray deltas = recorded.field(block, CaptureField.OUTPUT_GRADIENTS);
            INDArray fromStatistics = conv ? convGradientFromStatistics(inputs, deltas)
                    : scaleShift ? scaleShiftGradientFromStatistics(spec, inputs, deltas)
                    : deltas.transpose().mmul(Nd4j.hstack(inputs, Nd4j.ones(inputs.dataType(), B, 1))).divi(B);
            // float32: DL4J (libnd4j conv, pooling backprop) and the pass (im2col, col2im, gemms) sum
            // the same products in different orders through up to four layers: 1e-4 relative is a few
            // hundred ulps of the accumulated sums, while a wrong padding, tap order or scale is O(1)
            assertThat(relativeError(fromStatistics, expected)).as("%s block %s", net, spec).isLessThan(1e-4);
            checked++;
        }
        assertThat(checked).isEqualTo(net == Net.DILATED ? 3 : 4);
    }

    /**
     * Batch normalization's gamma and beta are one scale-and-shift block: after one K-FAC step (SGD
     * updater) they differ from plain DL4J's, as the conv and dense parameters do, while the
     * running mean (DL4J's own bookkeeping, not a trained parameter) is DL4J's bit for bit.
     * (Before the scale-and-shift block they were passed through and equalled plain DL4J's.)
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Net.class, names = "BATCH_NORMALIZED")
    void batchNormalization_scaleAndShiftPreconditioned_likeTheOtherLayers(Net net) {
        MultiLayerNetwork plain = network(net, 3, new Sgd(0.05), 1.0);
        MultiLayerNetwork attached = network(net, 3, new Sgd(0.05), 1.0);
        INDArray x = rows(X, 0, B);
        INDArray y = rows(Y, 0, B);
        Kron4jAttachment attachment = Kron4jDl4j.attach(attached, "kfac:damping=0.1,tCov=1,tInv=1,klClip=0,adaptiveStep=false,adaptiveDamping=false");
        assertThat(attachment.modelSpec().layers()).extracting(l -> l.name())
                .containsExactly("layer0", "layer1", "layer3", "layer4");
        assertThat(attachment.modelSpec().layer(1).kind()).isEqualTo(org.kron4j.core.ScaleShift.KIND);
        plain.fit(new DataSet(x, y));
        attached.fit(new DataSet(x, y));
        assertThat(attachment.diagnostics().appliedSteps()).isEqualTo(1);
        assertThat(flat(attached.getParam("1_mean"))).isEqualTo(flat(plain.getParam("1_mean")));
        for (String key : List.of("0_W", "1_gamma", "1_beta", "3_W", "4_W")) {
            assertThat(flat(attached.getParam(key))).as(key).isNotEqualTo(flat(plain.getParam(key)));
        }
    }

    private static ListDataSetIterator<DataSet> batches(int batch) {
        List<DataSet> list = new DataSet(rows(X, 0, 7 * batch), rows(Y, 0, 7 * batch)).asList();
        return new ListDataSetIterator<>(list, batch);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Net.class)
    void identityPreconditioner_cnnTrainingBitIdenticalToPlainDl4j(Net net) {
        for (String spec : List.of("identity:klClip=0", "recording:klClip=0,tCov=1,targets=exact")) {
            MultiLayerNetwork plain = network(net, 7, new Nesterovs(0.1, 0.9), 1.0);
            MultiLayerNetwork attached = network(net, 7, new Nesterovs(0.1, 0.9), 1.0);
            Kron4jAttachment attachment = Kron4jDl4j.builder(attached)
                    .registry(StubVariants.registry(new StubVariants.Identity(), new StubVariants.Recording()))
                    .spec(spec).attach();
            plain.fit(batches(B), 1);
            attached.fit(batches(B), 1);
            assertThat(attachment.diagnostics().appliedSteps()).isEqualTo(7);
            assertThat(attached.params().toFloatVector()).as("%s %s", net, spec)
                    .isEqualTo(plain.params().toFloatVector());
            assertThat(attached.getUpdater().getStateViewArray().toFloatVector())
                    .isEqualTo(plain.getUpdater().getStateViewArray().toFloatVector());
            assertThat(attached.score()).isEqualTo(plain.score());
        }
    }

    /**
     * The POOLED CNN on the digits, batches of 128 drawn with replacement, seeds 1 and 2: steps
     * until the 10-step mean batch loss is at most 0.3, within 200 steps. SGD (DL4J's Nesterovs,
     * momentum 0.9) at its best rate of {0.03, 0.1, 0.3} per seed, against K-FAC and EKFAC (KFC
     * blocks for both conv layers; each with the fixed-damping settings of its MLP digits test,
     * unchanged, and with its adaptive defaults on DL4J's NoOp updater) and Shampoo (DL4J's 4-D
     * kernels and bias vectors as tensors).
     *
     * <p>K-FAC's and EKFAC's claims are per seed (measured when written: K-FAC 28 and 26 steps,
     * EKFAC 28 and 41, against SGD's 49 and 47; with the adaptive defaults and nothing tuned —
     * the batch oracle's products through the conv and pooling layers — K-FAC 31 and 34, EKFAC 36
     * and 33). Shampoo's is weaker, and stated as what was measured: over the seeds together it needs
     * fewer steps than SGD (30 + 53 against 49 + 47), but not on seed 2 — of the six settings tried
     * (rate 0.01/0.02/0.03/0.05, tInv 1/5) none beat SGD there (53 to 160 steps); with the kernel
     * as one O×(C·kH·kW+1) matrix instead of a 4-D tensor it did (32 and 43 steps).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("trainers")
    void digitsCnn_variantReachesTargetInFewerStepsThanSgd(String spec, IUpdater updater) {
        long[] seeds = {1, 2};
        int cap = 200;
        double target = 0.3;
        int[] sgd = new int[seeds.length];
        int[] variant = new int[seeds.length];
        for (int s = 0; s < seeds.length; s++) {
            sgd[s] = Integer.MAX_VALUE;
            for (double rate : new double[] {0.03, 0.1, 0.3}) {
                MultiLayerNetwork network = network(Net.POOLED, seeds[s], new Nesterovs(rate, 0.9), 1.0);
                Dl4jFixtures.Run run = Dl4jFixtures.train(network, X, Y, 128, cap, seeds[s], target, 10);
                sgd[s] = Math.min(sgd[s], run.reached() ? run.stepsToTarget() : Integer.MAX_VALUE);
            }
            MultiLayerNetwork network = network(Net.POOLED, seeds[s], updater.clone(), 1.0);
            Kron4jDl4j.attach(network, spec);
            Dl4jFixtures.Run run = Dl4jFixtures.train(network, X, Y, 128, cap, seeds[s], target, 10);
            variant[s] = run.reached() ? run.stepsToTarget() : Integer.MAX_VALUE;
            RESULTS.info("digits CNN/DL4J seed {}: {} {} vs best SGD {} steps", seeds[s], spec, run, sgd[s]);
        }
        if (!spec.startsWith("shampoo")) {
            for (int s = 0; s < seeds.length; s++) {
                assertThat(variant[s]).as("%s seed %d (SGD %d)", spec, seeds[s], sgd[s]).isLessThan(sgd[s]);
            }
        } else {
            assertThat(variant).as("%s reaches the target on every seed", spec).doesNotContain(Integer.MAX_VALUE);
            assertThat((long) variant[0] + variant[1]).as("%s steps over both seeds (SGD %d + %d)", spec, sgd[0],
                    sgd[1]).isLessThan((long) sgd[0] + sgd[1]);
        }
    }

    /**
     * Adaptive K-FAC (the defaults: Levenberg-Marquardt damping and the quadratic-model step, which
     * need the batch oracle's exact Gauss-Newton products through conv, batch normalization and
     * pooling) on the batch-normalized CNN, with the scale-and-shift block for gamma and beta and
     * DL4J's NoOp updater: every step applied, and the target of the test above reached on seeds
     * 1–3 in fewer steps in total than DL4J's SGD (Nesterov, momentum 0.9) at its best rate per
     * seed of {0.1, 0.3} (0.03 and 1.0 were never best). Batch normalization makes this CNN easy for
     * SGD, so the claim is the weak one measured when written: K-FAC 26 + 25 + 20 = 71 steps
     * against SGD's 25 + 29 + 26 = 80 (EKFAC 23 + 28 + 19; K-FAC with gamma and beta passed through
     * 23 + 27 + 22).
     */
    @org.junit.jupiter.api.Test
    void adaptiveKfac_batchNormalizedCnn_fewerStepsThanBestSgdOverSeeds() {
        int cap = 200;
        double target = 0.3;
        long sgd = 0;
        long kfac = 0;
        for (long seed = 1; seed <= 3; seed++) {
            int best = Integer.MAX_VALUE;
            for (double rate : new double[] {0.1, 0.3}) {
                MultiLayerNetwork network = network(Net.BATCH_NORMALIZED, seed, new Nesterovs(rate, 0.9), 1.0);
                Dl4jFixtures.Run run = Dl4jFixtures.train(network, X, Y, 128, cap, seed, target, 10);
                best = Math.min(best, run.reached() ? run.stepsToTarget() : Integer.MAX_VALUE);
            }
            MultiLayerNetwork network = network(Net.BATCH_NORMALIZED, seed, new org.nd4j.linalg.learning.config.NoOp(),
                    1.0);
            Kron4jAttachment attachment = Kron4jDl4j.attach(network, "kfac");
            assertThat(attachment.modelSpec().layer(1).kind()).isEqualTo(org.kron4j.core.ScaleShift.KIND);
            Dl4jFixtures.Run run = Dl4jFixtures.train(network, X, Y, 128, cap, seed, target, 10);
            RESULTS.info("digits BN CNN/DL4J seed {}: adaptive kfac {} vs best SGD {} steps", seed, run, best);
            assertThat(attachment.diagnostics().skippedSteps()).isZero();
            assertThat(run.reached()).as("seed %d", seed).isTrue();
            assertThat(best).as("seed %d SGD", seed).isLessThan(Integer.MAX_VALUE);
            sgd += best;
            kfac += run.stepsToTarget();
        }
        assertThat(kfac).as("adaptive K-FAC steps over seeds 1-3 (best SGD %d)", sgd).isLessThan(sgd);
    }

    static Stream<Arguments> trainers() {
        return Stream.of(
                Arguments.of("kfac:damping=0.1,tCov=1,tInv=3,klClip=0,adaptiveStep=false,adaptiveDamping=false", new Nesterovs(0.5, 0.5)),
                Arguments.of("ekfac:damping=0.15,tCov=1,tInv=5,klClip=0,adaptiveStep=false,adaptiveDamping=false", new Nesterovs(0.2, 0.7)),
                Arguments.of("shampoo:tInv=1,startPreconditioningStep=0", new Nesterovs(0.03, 0.9)),
                Arguments.of("kfac", new org.nd4j.linalg.learning.config.NoOp()),
                Arguments.of("ekfac", new org.nd4j.linalg.learning.config.NoOp()));
    }
}
