package org.kron4j.spark;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kron4j.api.settings.OptimizerConfig;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The Java of {@code spark/README.md}: the code between the {@code README:} markers is the
 * README's code character for character (the examples module's {@code ReadmeSnippetsTest}
 * compares them), run here on the Spark tests' small classification set with a checkpoint in a
 * temporary folder. It must train (the loss falls) and leave a checkpoint that resumes.
 */
class ReadmeExampleTest {

    @Test
    void readmeSnippet_trainsAndCheckpoints(@TempDir Path dir) throws Exception {
        INDArray[] data = SparkFixtures.data();
        INDArray features = data[0];
        INDArray labels = data[1];
        MultiLayerConfiguration networkConf = SparkFixtures.dl4jNetwork();
        Path checkpointFile = dir.resolve("run.k4js");
        int steps = 12;
        List<Double> losses = new ArrayList<>();
        // README: begin spark
        JavaSparkContext sc = new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName("kfac")
                .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1"));
        OptimizerConfig config = OptimizerConfig.parse("kfac:tCov=2,tInv=4");
        try (SparkKfacTrainer trainer = SparkKfacTrainer.builder(sc, Dl4jShardModel.of(networkConf, config), config)
                .data(features, labels).batchSize(32).workers(2)     // the data set becomes 2 cached partitions
                .refreshWorkers(2)                                   // decompositions sharded over 2 workers
                .checkpoint(checkpointFile, 4).build()) {
            trainer.resumeIfPresent();                               // continues a killed job, if any
            for (int t = 0; t < steps; t++) {
                StepTimes times = trainer.step();                    // loss, compute/communication/decomposition
                losses.add(times.loss());
            }
        } finally {
            sc.stop();
        }
        // README: end spark
        assertThat(losses).hasSize(steps);
        assertThat(losses.get(steps - 1)).isLessThan(losses.get(0));
        assertThat(Files.size(checkpointFile)).isPositive();
    }
}
