package org.kron4j.spark;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.kron4j.api.capture.StepPlan;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.Loss;
import org.kron4j.api.optim.KroneckerOptimizer;
import org.kron4j.api.optim.StepResult;
import org.kron4j.api.settings.OptimizerConfig;
import org.kron4j.reference.mlp.ReferenceMlp;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Shared set-up of the Spark tests: a local context, a small classification set, the one-process oracle. */
final class SparkFixtures {
    static final int EXAMPLES = 96;
    static final int BATCH = 32;
    static final ReferenceShardModel MODEL = new ReferenceShardModel(new int[] {6, 10, 8, 4},
            new Activation[] {Activation.TANH, Activation.TANH}, Loss.SOFTMAX_CROSS_ENTROPY, true, 7);

    private SparkFixtures() {
    }

    /** A quiet local context (no UI, loopback only). */
    static JavaSparkContext context(String master) {
        SparkConf conf = new SparkConf().setMaster(master).setAppName("kron4j-spark-test")
                .set("spark.ui.enabled", "false").set("spark.driver.host", "127.0.0.1")
                .set("spark.driver.bindAddress", "127.0.0.1").set("spark.ui.showConsoleProgress", "false");
        return new JavaSparkContext(conf);
    }

    /** Features: standard normal; labels: a fixed random linear rule's argmax, one-hot (float64). */
    static INDArray[] data() {
        Nd4j.getRandom().setSeed(11);
        INDArray x = Nd4j.randn(DataType.DOUBLE, EXAMPLES, 6);
        INDArray rule = Nd4j.randn(DataType.DOUBLE, 6, 4);
        INDArray classes = x.mmul(rule).argMax(1);
        INDArray y = Nd4j.zeros(DataType.DOUBLE, EXAMPLES, 4);
        for (int i = 0; i < EXAMPLES; i++) {
            y.putScalar(i, classes.getInt(i), 1.0);
        }
        return new INDArray[] {x, y};
    }

    /** The one-process run: same network, same batches (the windows of ShardData), whole batch at once. */
    static Run oneProcess(String spec, INDArray x, INDArray y, int steps) {
        ReferenceMlp mlp = ReferenceShardModel.network(MODEL.create());
        KroneckerOptimizer optimizer = KroneckerOptimizer.builder(OptimizerConfig.parse(spec)).model(mlp.modelSpec())
                .build();
        Run run = new Run();
        for (int t = 0; t < steps; t++) {
            int[] rows = ShardData.window(t, BATCH, EXAMPLES);
            StepPlan plan = optimizer.plan();
            ReferenceMlp.StepCapture capture = mlp.captureWithLoss(x.getRows(rows), y.getRows(rows), plan, null);
            StepResult result = optimizer.step(capture.capture());
            if (result.applied()) {
                mlp.addToParameters(result.updates());
            }
            run.losses.add(capture.loss());
            run.parameters.add(mlp.copyParameters());
        }
        return run;
    }

    /** A small DL4J network of the same shape as MODEL (float64, so the derived tolerance applies). */
    static org.deeplearning4j.nn.conf.MultiLayerConfiguration dl4jNetwork() {
        return new org.deeplearning4j.nn.conf.NeuralNetConfiguration.Builder().seed(7).dataType(DataType.DOUBLE)
                .updater(new org.nd4j.linalg.learning.config.NoOp())
                .weightInit(org.deeplearning4j.nn.weights.WeightInit.XAVIER).list()
                .layer(new org.deeplearning4j.nn.conf.layers.DenseLayer.Builder().nIn(6).nOut(10)
                        .activation(org.nd4j.linalg.activations.Activation.TANH).build())
                .layer(new org.deeplearning4j.nn.conf.layers.DenseLayer.Builder().nIn(10).nOut(8)
                        .activation(org.nd4j.linalg.activations.Activation.TANH).build())
                .layer(new org.deeplearning4j.nn.conf.layers.OutputLayer.Builder(
                        org.nd4j.linalg.lossfunctions.LossFunctions.LossFunction.MCXENT).nIn(8).nOut(4)
                        .activation(org.nd4j.linalg.activations.Activation.SOFTMAX).build())
                .build();
    }

    /** The one-process run of any shard model: the plain driver loop on the whole batch through its engine. */
    static Run oneProcess(ShardModel model, String spec, INDArray x, INDArray y, int steps) {
        ShardEngine engine = model.create();
        KroneckerOptimizer optimizer = KroneckerOptimizer.builder(OptimizerConfig.parse(spec))
                .model(engine.modelSpec()).build();
        List<INDArray> parameters = engine.parameters();
        Run run = new Run();
        for (int t = 0; t < steps; t++) {
            int[] rows = ShardData.window(t, BATCH, EXAMPLES);
            INDArray xb = x.getRows(rows);
            INDArray yb = y.getRows(rows);
            double loss = engine.loss(xb, yb);
            StepResult result = optimizer.step(engine.capture(xb, yb, optimizer.plan(), null));
            if (result.applied()) {
                for (int l = 0; l < parameters.size(); l++) {
                    parameters.get(l).addi(result.updates().get(l));
                }
                engine.setParameters(parameters);
            }
            run.losses.add(loss);
            List<INDArray> copies = new ArrayList<>();
            parameters.forEach(p -> copies.add(p.dup()));
            run.parameters.add(copies);
        }
        return run;
    }

    static Run distributed(SparkKfacTrainer trainer, int steps) {
        Run run = new Run();
        for (int t = 0; t < steps; t++) {
            StepTimes times = trainer.step();
            run.times.add(times);
            run.losses.add(times.loss());
            run.parameters.add(trainer.parameters());
        }
        return run;
    }

    /** Losses and parameters after every step. */
    static final class Run {
        final List<Double> losses = new ArrayList<>();
        final List<List<INDArray>> parameters = new ArrayList<>();
        final List<StepTimes> times = new ArrayList<>();
    }
}
