package org.kron4j.benchmarks;

import java.util.Arrays;
import java.util.Locale;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.Loss;
import org.kron4j.reference.data.Dataset;
import org.kron4j.reference.data.Datasets;
import org.kron4j.reference.mlp.ReferenceMlp;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The network shapes the benchmarks time: the digits MLP (64-128-128-10, tanh, softmax, on the
 * real digits data) and the classic deep autoencoder (784-1000-500-250-30 and its mirror,
 * logistic units with a linear 30-unit code, sigmoid cross-entropy; Hinton and Salakhutdinov 2006,
 * the K-FAC paper's benchmark) on random inputs in [0, 1], which time the same as MNIST.
 */
enum BenchmarkShape {
    DIGITS {
        @Override
        ReferenceMlp network(long seed) {
            return ReferenceMlp.builder(64, 128, 128, 10).hidden(Activation.TANH).loss(Loss.SOFTMAX_CROSS_ENTROPY)
                    .dataType(DataType.FLOAT).seed(seed).build();
        }

        @Override
        INDArray[] data(long seed) {
            Dataset digits = Datasets.digits().standardize();
            return new INDArray[] {digits.features(), digits.oneHot()};
        }
    },
    AUTOENCODER {
        @Override
        ReferenceMlp network(long seed) {
            int[] sizes = {784, 1000, 500, 250, 30, 250, 500, 1000, 784};
            Activation[] hidden = new Activation[sizes.length - 2];
            Arrays.fill(hidden, Activation.SIGMOID);
            hidden[3] = Activation.IDENTITY; // the 30-unit code layer is linear
            return new ReferenceMlp(sizes, hidden, Loss.SIGMOID_CROSS_ENTROPY, DataType.FLOAT, seed, true);
        }

        @Override
        INDArray[] data(long seed) {
            Nd4j.getRandom().setSeed(seed);
            INDArray x = Nd4j.rand(DataType.FLOAT, 2048, 784);
            return new INDArray[] {x, x};
        }
    };

    abstract ReferenceMlp network(long seed);

    /** Inputs and targets. */
    abstract INDArray[] data(long seed);

    String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    static BenchmarkShape parse(String text) {
        return valueOf(text.trim().toUpperCase(Locale.ROOT));
    }
}
