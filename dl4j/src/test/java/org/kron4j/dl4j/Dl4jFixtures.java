package org.kron4j.dl4j;

import java.util.Arrays;
import java.util.Random;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.kron4j.reference.data.Dataset;
import org.kron4j.reference.data.Datasets;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/** Networks, data and a training loop shared by the DL4J tests and the benchmark. */
final class Dl4jFixtures {
    /** scikit-learn's digits (1797 × 64, 10 classes), features z-scored. */
    static final Dataset DIGITS = Datasets.digits().standardize();

    private Dl4jFixtures() {
    }

    /**
     * A DL4J MLP: {@code sizes[0]} inputs, dense hidden layers with {@code hidden}, an
     * OutputLayer with {@code output} and {@code loss}; Glorot-uniform weights (the testkit MLP's
     * initialisation), zero biases, float32.
     */
    static MultiLayerNetwork mlp(long seed, IUpdater updater, Activation hidden, Activation output, ILossFunction loss,
            int... sizes) {
        NeuralNetConfiguration.ListBuilder list = new NeuralNetConfiguration.Builder().seed(seed).updater(updater)
                .weightInit(WeightInit.XAVIER_UNIFORM).biasInit(0.0).dataType(DataType.FLOAT).list();
        for (int l = 0; l < sizes.length - 2; l++) {
            list.layer(new DenseLayer.Builder().nIn(sizes[l]).nOut(sizes[l + 1]).activation(hidden).build());
        }
        list.layer(new OutputLayer.Builder(loss).nIn(sizes[sizes.length - 2]).nOut(sizes[sizes.length - 1])
                .activation(output).build());
        MultiLayerConfiguration conf = list.build();
        MultiLayerNetwork network = new MultiLayerNetwork(conf);
        network.init();
        return network;
    }

    /** The digits MLP: 64-128-128-10, tanh, softmax cross-entropy. */
    static MultiLayerNetwork digitsMlp(long seed, IUpdater updater) {
        return mlp(seed, updater, Activation.TANH, Activation.SOFTMAX, new LossMCXENT(), 64, 128, 128, 10);
    }

    /** Per-step batch losses of a run and when (if) the moving mean reached the target. */
    record Run(double[] losses, int stepsToTarget, double seconds) {
        boolean reached() {
            return stepsToTarget > 0;
        }

        @Override
        public String toString() {
            return (reached() ? stepsToTarget + " steps" : "not reached in " + losses.length + " steps")
                    + String.format(" (%.2f s, last loss %.4f)", seconds, losses[losses.length - 1]);
        }
    }

    /**
     * Trains with DL4J's {@code fit(DataSet)} on batches of {@code batch} rows drawn uniformly with
     * replacement from {@code new Random(seed)} (the testkit's {@code TrainingRun} protocol) and
     * records {@code network.score()} after each fit: the batch loss before that step's update.
     * Stops once the mean of the last {@code window} losses is at most {@code target}, or after
     * {@code maxSteps}.
     */
    static Run train(MultiLayerNetwork network, INDArray x, INDArray y, int batch, int maxSteps, long seed,
            double target, int window) {
        Random random = new Random(seed);
        int n = (int) x.size(0);
        int[] rows = new int[batch];
        double[] losses = new double[maxSteps];
        int taken = 0;
        int reached = -1;
        double sum = 0;
        long start = System.nanoTime();
        for (int step = 0; step < maxSteps; step++) {
            for (int i = 0; i < batch; i++) {
                rows[i] = random.nextInt(n);
            }
            network.fit(new DataSet(Nd4j.pullRows(x, 1, rows), Nd4j.pullRows(y, 1, rows)));
            double loss = network.score();
            losses[taken++] = loss;
            sum += loss;
            if (taken > window) {
                sum -= losses[taken - 1 - window];
            }
            if (!Double.isFinite(loss)) {
                break;
            }
            if (taken >= window && sum / window <= target) {
                reached = taken;
                break;
            }
        }
        return new Run(Arrays.copyOf(losses, taken), reached, (System.nanoTime() - start) / 1e9);
    }
}
