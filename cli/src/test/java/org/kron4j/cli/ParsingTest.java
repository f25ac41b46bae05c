package org.kron4j.cli;

import org.kron4j.cli.ablation.AblationConfig;
import org.kron4j.cli.ablation.MethodConfig;
import org.kron4j.cli.data.DataCatalog;
import org.kron4j.cli.data.IdxReader;
import org.kron4j.cli.data.TrainingData;
import org.kron4j.cli.engine.ModelShape;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kron4j.api.Kron4j;
import org.kron4j.api.optim.OptimizerSettings;
import org.kron4j.api.model.Activation;
import org.kron4j.api.model.Loss;

/** Models, seeds, method specs, config files and IDX files. */
class ParsingTest {
    @TempDir
    Path tmp;

    @Test
    void model_default_isDataShapedTanhClassifier() {
        ModelShape shape = ModelShape.resolve(null, null, 64, 10, "digits");
        assertThat(shape.sizes()).containsExactly(64, 128, 128, 10);
        assertThat(shape.activations()).containsExactly(Activation.TANH, Activation.TANH, Activation.IDENTITY);
        assertThat(shape.loss()).isEqualTo(Loss.SOFTMAX_CROSS_ENTROPY);
        assertThat(shape.text()).isEqualTo("64-128-128-10");
    }

    @Test
    void model_autoencoder_isTheClassicMirroredNetWithLinearCode() {
        // the sigmoid autoencoder of Hinton & Salakhutdinov, now on request (the default is tanh, issue 17)
        ModelShape shape = ModelShape.resolve("autoencoder", "sigmoid", 784, 10, "mnist");
        assertThat(shape.sizes()).containsExactly(784, 1000, 500, 250, 30, 250, 500, 1000, 784);
        assertThat(shape.activations()).containsExactly(Activation.SIGMOID, Activation.SIGMOID, Activation.SIGMOID,
                Activation.IDENTITY, Activation.SIGMOID, Activation.SIGMOID, Activation.SIGMOID, Activation.IDENTITY);
        assertThat(shape.loss()).isEqualTo(Loss.SIGMOID_CROSS_ENTROPY);
    }

    @Test
    void model_customAutoencoder_mirrorsTheEncoder() {
        assertThat(ModelShape.resolve("autoencoder:16-4", "tanh", 64, 10, "digits").sizes())
                .containsExactly(64, 16, 4, 16, 64);
    }

    @Test
    void model_malformedOrMismatched_isBadInput() {
        assertThatThrownBy(() -> ModelShape.resolve("64-x-10", null, 64, 10, "digits"))
                .isInstanceOf(BadInputException.class).hasMessageContaining("got 'x'");
        assertThatThrownBy(() -> ModelShape.resolve("64-128-3", null, 64, 10, "digits"))
                .isInstanceOf(BadInputException.class).hasMessageContaining("has 3 outputs but digits has 10 classes");
        assertThatThrownBy(() -> ModelShape.resolve(null, "swish", 64, 10, "digits"))
                .isInstanceOf(BadInputException.class).hasMessageContaining("unknown activation 'swish'");
    }

    @Test
    void seeds_listsRangesAndDuplicates() {
        assertThat(AblateCommand.parseSeeds("1,2,3")).containsExactly(1L, 2L, 3L);
        assertThat(AblateCommand.parseSeeds("1..4,10")).containsExactly(1L, 2L, 3L, 4L, 10L);
        assertThat(AblateCommand.parseSeeds("7")).containsExactly(7L);
        assertThatThrownBy(() -> AblateCommand.parseSeeds("1,1")).isInstanceOf(BadInputException.class)
                .hasMessageContaining("twice");
    }

    @Test
    void methods_presetThenOverrides_everySettingPresent() {
        List<MethodConfig> methods = MethodConfig.parseList("kfac:damping=0.01;kfac;sgd", Kron4j.variants(), false);
        // issue 16: a repeated method is labelled by the settings that tell the repeats apart (was "kfac", "kfac-2")
        assertThat(methods).extracting(MethodConfig::label).containsExactly("kfac[damping=0.01]", "kfac", "sgd");
        MethodConfig first = methods.get(0);
        assertThat(first.settings()).containsEntry("damping", "0.01").containsEntry("tInv", "5")
                // the K-FAC family's presets leave the learning rate at the library default (issue 17)
                .containsEntry("learningRate", String.valueOf(OptimizerSettings.LEARNING_RATE.defaultValue()))
                .containsEntry("targets", "mc_fisher");
        assertThat(first.settings().keySet()).containsAll(Kron4j.settingsOf("kfac").stream().map(s -> s.name())
                .toList());
        assertThat(methods.get(2).learningRates()).containsExactly(0.3, 0.6, 1.0);
        assertThat(methods.get(2).settings()).containsEntry("momentum", "0.9");
    }

    @Test
    void methods_labelsAndSweeps() {
        List<MethodConfig> methods = MethodConfig.parseList("kfac:label=k1,learningRate=0.1|1;adam:beta1=0.8",
                Kron4j.variants(), false);
        assertThat(methods.get(0).label()).isEqualTo("k1");
        assertThat(methods.get(0).learningRates()).containsExactly(0.1, 1.0);
        assertThat(methods.get(0).spec()).startsWith("kfac:label=k1,learningRate=0.1|1.0,");
        assertThat(methods.get(1).settings()).containsEntry("beta1", "0.8");
        assertThatThrownBy(() -> MethodConfig.parseList("kfac:label=a;sgd:label=a", Kron4j.variants(), false))
                .isInstanceOf(BadInputException.class).hasMessageContaining("labelled 'a'");
        assertThatThrownBy(() -> MethodConfig.parseList("sgd:learningRate=0.1|0", Kron4j.variants(), false))
                .isInstanceOf(BadInputException.class).hasMessageContaining("learningRate must be in (0, ∞)");
    }

    @Test
    void config_jsonRoundTrip_isIdentical() {
        AblationConfig config = new AblationConfig("iris", null, "4-16-3", "relu", "testkit", 32, 20, 0.2, 5,
                List.of(3L, 4L), 0.25, 7, 500, 1,
                MethodConfig.parseList("kfac:damping=0.3;shampoo;adam", Kron4j.variants(), false)).check();
        Path file = tmp.resolve("config.json");
        try {
            Files.writeString(file, config.toJson());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
        AblationConfig read = AblationConfig.read(file, Kron4j.variants());
        assertThat(read).isEqualTo(config);
        assertThat(read.toJson()).isEqualTo(config.toJson());
    }

    @Test
    void config_mistypedField_isBadInputNamingIt() throws IOException {
        AblationConfig config = new AblationConfig("digits", null, "64-128-128-10", "tanh", "dl4j", 32, 20, 0.2, 5,
                List.of(1L), 0.2, 0, 500, 1, MethodConfig.parseList("sgd", Kron4j.variants(), false));
        Path file = Files.writeString(tmp.resolve("c.json"), config.toJson().replace("\"steps\" : 20",
                "\"steps\" : \"many\""));
        assertThatThrownBy(() -> AblationConfig.read(file, Kron4j.variants())).isInstanceOf(BadInputException.class)
                .hasMessageContaining("'steps' must be an integer");
    }

    private static byte[] idx(int[] dims, byte[] values) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.write(new byte[] {0, 0, 0x08, (byte) dims.length});
        for (int d : dims) {
            out.writeInt(d);
        }
        out.write(values);
        return bytes.toByteArray();
    }

    private static byte[] gzip(byte[] raw) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream out = new GZIPOutputStream(bytes)) {
            out.write(raw);
        }
        return bytes.toByteArray();
    }

    @Test
    void idx_plainAndGzipped_readTheSameValues() throws IOException {
        byte[] values = {0, 1, 2, (byte) 200, (byte) 255, 7};
        Path plain = Files.write(tmp.resolve("plain-idx3-ubyte"), idx(new int[] {2, 3}, values));
        Path zipped = Files.write(tmp.resolve("zipped"), gzip(idx(new int[] {2, 3}, values)));
        for (Path file : List.of(plain, zipped)) {
            IdxReader.Idx read = IdxReader.read(file);
            assertThat(read.dims()).containsExactly(2, 3);
            assertThat(read.itemSize()).isEqualTo(3);
            assertThat(read.unsigned(3)).isEqualTo(200);
            assertThat(read.unsigned(4)).isEqualTo(255);
        }
    }

    @Test
    void idx_truncatedOrWrongType_failsWithTheFileName() throws IOException {
        byte[] full = idx(new int[] {4}, new byte[] {1, 2, 3, 4});
        Path truncated = Files.write(tmp.resolve("short"), java.util.Arrays.copyOf(full, full.length - 1));
        assertThatThrownBy(() -> IdxReader.read(truncated)).hasMessageContaining("short").hasMessageContaining(
                "truncated");
        byte[] floats = full.clone();
        floats[2] = 0x0D;
        Path wrong = Files.write(tmp.resolve("floats"), floats);
        assertThatThrownBy(() -> IdxReader.read(wrong)).hasMessageContaining("0xd is not supported");
    }

    @Test
    void mnistFolder_npmLayoutWithGzippedFiles_loadsAsClassifierAndAutoencoder() throws IOException {
        Path data = Files.createDirectories(tmp.resolve("mnist").resolve("package").resolve("data"));
        byte[] images = new byte[3 * 4];
        for (int i = 0; i < images.length; i++) {
            images[i] = (byte) (i * 20);
        }
        Files.write(data.resolve("train-images-idx3-ubyte.gz"), gzip(idx(new int[] {3, 2, 2}, images)));
        Files.write(data.resolve("train-labels-idx1-ubyte"), idx(new int[] {3}, new byte[] {0, 2, 1}));
        Files.write(data.resolve("t10k-images-idx3-ubyte"), idx(new int[] {1, 2, 2}, new byte[] {0, 0, 0, (byte) 255}));
        Files.write(data.resolve("t10k-labels-idx1-ubyte"), idx(new int[] {1}, new byte[] {2}));
        TrainingData classifier = DataCatalog.load("mnist", tmp.resolve("mnist"), false, 0.2, 0, 2);
        assertThat(classifier.features()).isEqualTo(4);
        assertThat(classifier.classes()).isEqualTo(3);
        assertThat(classifier.trainSize()).isEqualTo(3);
        assertThat(classifier.evalX().rows()).isEqualTo(2);
        assertThat(classifier.trainX().getDouble(1, 1)).isCloseTo(100 / 255.0, org.assertj.core.data.Offset.offset(1e-6));
        assertThat(classifier.trainY().getDouble(1, 2)).isEqualTo(1.0);
        TrainingData autoencoder = DataCatalog.load("mnist", tmp.resolve("mnist"), true, 0.2, 0, 10);
        assertThat(autoencoder.trainY()).isEqualTo(autoencoder.trainX());
        assertThat(autoencoder.testX().getDouble(0, 3)).isEqualTo(1.0);
    }

    @Test
    void uciAutoencoderData_isScaledToUnitInterval() {
        TrainingData digits = DataCatalog.load("digits", null, true, 0.2, 0, 10_000);
        assertThat(digits.trainX().minNumber().doubleValue()).isGreaterThanOrEqualTo(0.0);
        assertThat(digits.trainX().maxNumber().doubleValue()).isLessThanOrEqualTo(1.0);
        assertThat(digits.testX().maxNumber().doubleValue()).isLessThanOrEqualTo(1.0);
        assertThat(digits.trainSize() + digits.testSize()).isEqualTo(1797);
        assertThat(Map.of("k", digits.classes())).containsEntry("k", 10);
    }
}
