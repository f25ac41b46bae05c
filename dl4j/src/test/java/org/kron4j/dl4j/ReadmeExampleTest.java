package org.kron4j.dl4j;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import org.deeplearning4j.datasets.iterator.utilty.ListDataSetIterator;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.deeplearning4j.optimize.listeners.ScoreIterationListener;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kron4j.reference.data.Dataset;
import org.kron4j.reference.data.Datasets;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction;

/** The example of {@code dl4j/README.md}, line for line, so that it keeps compiling and working. */
class ReadmeExampleTest {

    @Test
    void readmeExample_trainsDigitsWithKfac(@TempDir Path dir) throws IOException {
        Dataset digits = Datasets.digits().standardize();            // kron4j-reference's copy of the UCI set
        DataSetIterator train = new ListDataSetIterator<>(new DataSet(digits.features(), digits.oneHot()).asList(), 256);

        MultiLayerNetwork net = new MultiLayerNetwork(new NeuralNetConfiguration.Builder()
                .seed(1).updater(new Nesterovs(0.5, 0.5)).weightInit(WeightInit.XAVIER_UNIFORM).list()
                .layer(new DenseLayer.Builder().nIn(64).nOut(128).activation(Activation.TANH).build())
                .layer(new DenseLayer.Builder().nIn(128).nOut(128).activation(Activation.TANH).build())
                .layer(new OutputLayer.Builder(LossFunction.MCXENT).nIn(128).nOut(10).activation(Activation.SOFTMAX).build())
                .build());
        net.init();
        Kron4jAttachment kfac = Kron4jDl4j.attach(net, "kfac:damping=0.1,tCov=1,tInv=3,klClip=0,adaptiveStep=false,adaptiveDamping=false");
        net.addListeners(new ScoreIterationListener(10));             // add, don't set: setListeners would drop kron4j

        net.fit(train, 5);
        double accuracy = net.evaluate(train).accuracy();            // DL4J's evaluation, as usual
        ModelSerializer.writeModel(net, dir.resolve("digits.zip").toFile(), true);
        kfac.save(dir.resolve("digits.kron4j"));

        assertThat(accuracy).isGreaterThan(0.97);
        assertThat(kfac.isAttached()).isTrue();
        assertThat(kfac.diagnostics().appliedSteps()).isEqualTo(40); // 5 epochs of 8 batches
    }
}
