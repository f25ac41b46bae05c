package org.kron4j.it;

import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.Loss;
import org.kron4j.reference.mlp.ReferenceMlp;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/** The digits MLP, 64-128-128-10 with tanh and a softmax cross-entropy output, in both engines. */
final class Networks {
    private Networks() {
    }

    static MultiLayerNetwork digitsDl4j(long seed, IUpdater updater) {
        MultiLayerNetwork network = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(seed)
                .updater(updater).weightInit(WeightInit.XAVIER_UNIFORM).biasInit(0.0).dataType(DataType.FLOAT).list()
                .layer(new DenseLayer.Builder().nIn(64).nOut(128)
                        .activation(org.nd4j.linalg.activations.Activation.TANH).build())
                .layer(new DenseLayer.Builder().nIn(128).nOut(128)
                        .activation(org.nd4j.linalg.activations.Activation.TANH).build())
                .layer(new OutputLayer.Builder(new LossMCXENT()).nIn(128).nOut(10)
                        .activation(org.nd4j.linalg.activations.Activation.SOFTMAX).build())
                .build());
        network.init();
        return network;
    }

    static ReferenceMlp digitsTestkit(long seed) {
        return ReferenceMlp.builder(64, 128, 128, 10).hidden(Activation.TANH).loss(Loss.SOFTMAX_CROSS_ENTROPY)
                .seed(seed).build();
    }
}
