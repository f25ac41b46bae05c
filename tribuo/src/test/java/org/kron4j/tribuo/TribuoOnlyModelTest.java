package org.kron4j.tribuo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.ObjectStreamClass;
import java.lang.reflect.Method;
import java.net.JarURLConnection;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kron4j.api.Kron4j;
import org.tribuo.Example;
import org.tribuo.Feature;
import org.tribuo.Model;
import org.tribuo.Prediction;
import org.tribuo.classification.Label;
import org.tribuo.classification.sgd.fm.FMClassificationTrainer;
import org.tribuo.classification.sgd.linear.LinearSGDTrainer;
import org.tribuo.classification.sgd.objectives.LogMulticlass;

/**
 * Test 4 of the Tribuo issue: a model trained with kron4j is a plain Tribuo model.
 *
 * <ol>
 *   <li>Protobuf (Tribuo 4.3's own format): the saved model is loaded in a class loader that holds
 *       only Tribuo, OLCUT and protobuf jars, whose parent is the platform loader, so neither
 *       kron4j nor ND4J can be found (checked); it predicts exactly what the original predicts.</li>
 *   <li>Java serialization: every class named in the serialised object graph is recorded while
 *       reading it back; none is kron4j's or ND4J's.</li>
 * </ol>
 * The provenance still names the kron4j trainer and optimiser with their settings, as strings.
 */
class TribuoOnlyModelTest {
    private static final TribuoData.Split<Label> IRIS = TribuoData.classification("iris", 5);

    private static Model<Label> kfacModel() {
        return new KroneckerClassificationTrainer(Kron4jOptimiser.fromSpec("kfac:learningRate=0.5,damping=0.1"), 2, 16,
                5L).train(IRIS.train());
    }

    @Test
    void kfacModel_loadsAndPredictsWithOnlyTribuoOnTheClassPath(@TempDir Path dir) throws Exception {
        Model<Label> model = kfacModel();
        Path file = dir.resolve("kfac-logistic.tribuo");
        model.serializeToFile(file);
        assertPredictsInIsolation(model, file);
    }

    @Test
    void shampooModels_loadAndPredictWithOnlyTribuoOnTheClassPath(@TempDir Path dir) throws Exception {
        assumeTrue(Kron4j.variants().find("shampoo").isPresent(), "shampoo is not on the class path");
        Model<Label> linear = new LinearSGDTrainer(new LogMulticlass(), Kron4jOptimiser.fromSpec(
                "shampoo:learningRate=0.05,startPreconditioningStep=0"), 2, -1, 8, 5L).train(IRIS.train());
        Model<Label> fm = new FMClassificationTrainer(new LogMulticlass(), Kron4jOptimiser.fromSpec(
                "shampoo:learningRate=0.02,startPreconditioningStep=0"), 1, -1, 1, 5L, 2, 0.1).train(
                TribuoData.spread(IRIS.train(), 40));
        for (Model<Label> model : List.of(linear, fm)) {
            Path file = dir.resolve(model.getClass().getSimpleName() + ".tribuo");
            model.serializeToFile(file);
            assertPredictsInIsolation(model, file);
        }
    }

    @Test
    void kfacModel_javaSerializedGraphHoldsNoKron4jOrNd4jClass() throws Exception {
        Model<Label> model = kfacModel();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(model);
        }
        Set<String> classes = new TreeSet<>();
        Object copy;
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray())) {
            @Override
            protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
                classes.add(desc.getName());
                return super.resolveClass(desc);
            }
        }) {
            copy = in.readObject();
        }
        assertThat(classes).isNotEmpty().contains("org.tribuo.math.LinearParameters")
                .noneMatch(name -> name.startsWith("org.kron4j") || name.startsWith("org.nd4j"));
        @SuppressWarnings("unchecked")
        Model<Label> loaded = (Model<Label>) copy;
        List<Prediction<Label>> expected = model.predict(IRIS.test());
        List<Prediction<Label>> actual = loaded.predict(IRIS.test());
        for (int i = 0; i < expected.size(); i++) {
            assertThat(actual.get(i).getOutputScores()).isEqualTo(expected.get(i).getOutputScores());
        }
        assertThat(loaded.getProvenance().toString()).contains(KroneckerClassificationTrainer.class.getName())
                .contains(Kron4jOptimiser.class.getName());
    }

    /** Loads the saved model with Tribuo-only jars and compares every test prediction to the original's. */
    private static void assertPredictsInIsolation(Model<Label> model, Path file) throws Exception {
        try (URLClassLoader tribuoOnly = new URLClassLoader(tribuoJars(), ClassLoader.getPlatformClassLoader())) {
            assertThatThrownBy(() -> tribuoOnly.loadClass(Kron4jOptimiser.class.getName()))
                    .isInstanceOf(ClassNotFoundException.class);
            assertThatThrownBy(() -> tribuoOnly.loadClass("org.nd4j.linalg.factory.Nd4j"))
                    .isInstanceOf(ClassNotFoundException.class);

            Class<?> modelClass = tribuoOnly.loadClass("org.tribuo.Model");
            Object loaded = modelClass.getMethod("deserializeFromFile", Path.class).invoke(null, file);
            assertThat(loaded.getClass().getName()).isEqualTo(model.getClass().getName());
            assertThat(loaded.getClass().getClassLoader()).isSameAs(tribuoOnly);
            Object provenance = modelClass.getMethod("getProvenance").invoke(loaded);
            assertThat(provenance.toString()).contains(Kron4jOptimiser.class.getName());

            Class<?> outputClass = tribuoOnly.loadClass("org.tribuo.Output");
            Class<?> exampleClass = tribuoOnly.loadClass("org.tribuo.Example");
            Object unknown = tribuoOnly.loadClass("org.tribuo.classification.LabelFactory")
                    .getField("UNKNOWN_LABEL").get(null);
            var newExample = tribuoOnly.loadClass("org.tribuo.impl.ArrayExample")
                    .getConstructor(outputClass, String[].class, double[].class);
            Method predict = modelClass.getMethod("predict", exampleClass);

            List<Prediction<Label>> expected = model.predict(IRIS.test());
            int i = 0;
            for (Example<Label> example : IRIS.test()) {
                List<String> names = new ArrayList<>();
                List<Double> values = new ArrayList<>();
                for (Feature f : example) {
                    names.add(f.getName());
                    values.add(f.getValue());
                }
                Object isolatedExample = newExample.newInstance(unknown, names.toArray(String[]::new),
                        values.stream().mapToDouble(Double::doubleValue).toArray());
                Object prediction = predict.invoke(loaded, isolatedExample);
                Object output = prediction.getClass().getMethod("getOutput").invoke(prediction);
                String label = (String) output.getClass().getMethod("getLabel").invoke(output);
                Map<?, ?> scores = (Map<?, ?>) prediction.getClass().getMethod("getOutputScores").invoke(prediction);
                Prediction<Label> reference = expected.get(i++);
                assertThat(label).isEqualTo(reference.getOutput().getLabel());
                for (Map.Entry<String, Label> score : reference.getOutputScores().entrySet()) {
                    Object isolatedScore = scores.get(score.getKey());
                    double value = (double) isolatedScore.getClass().getMethod("getScore").invoke(isolatedScore);
                    assertThat(value).as("score of %s for test example %d", score.getKey(), i)
                            .isEqualTo(score.getValue().getScore());
                }
            }
            assertThat(i).isEqualTo(IRIS.test().size());
        }
    }

    /** The Tribuo, OLCUT and protobuf jars of the test class path, nothing else. */
    private static URL[] tribuoJars() throws IOException {
        Set<URL> jars = new LinkedHashSet<>();
        Enumeration<URL> manifests = ClassLoader.getSystemClassLoader().getResources("META-INF/MANIFEST.MF");
        while (manifests.hasMoreElements()) {
            URL manifest = manifests.nextElement();
            if (!"jar".equals(manifest.getProtocol())) {
                continue;
            }
            URL jar = ((JarURLConnection) manifest.openConnection()).getJarFileURL();
            String path = jar.getPath();
            String name = path.substring(path.lastIndexOf('/') + 1);
            if (name.startsWith("tribuo-") || name.startsWith("olcut-") || name.startsWith("protobuf-java-")) {
                jars.add(jar);
            }
        }
        assertThat(jars).as("Tribuo jars on the test class path").hasSizeGreaterThanOrEqualTo(8);
        assertThat(jars).noneMatch(url -> url.getPath().contains("kron4j") || url.getPath().contains("nd4j"));
        return jars.toArray(URL[]::new);
    }
}
