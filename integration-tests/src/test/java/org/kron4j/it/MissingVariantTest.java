package org.kron4j.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.inject.Guice;
import com.google.inject.Key;
import com.google.inject.TypeLiteral;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kron4j.api.CurvatureApproximation;
import org.kron4j.api.Kron4j;
import org.kron4j.api.registry.Kron4jModule;
import org.kron4j.api.registry.VariantRegistry;
import org.kron4j.cli.Kron4jCommand;
import org.kron4j.dl4j.Kron4jDl4j;
import org.kron4j.kfac.KfacApproximation;
import org.nd4j.linalg.learning.config.Nesterovs;

/**
 * A variant missing from the class path is reported by name — with the artifact that provides
 * it and the variants that are there — at every entry point, never as a stack trace. "Missing"
 * is made real by a class loader that hides kfra's service registration, as if kron4j-kfra.jar
 * were not on the class path.
 */
class MissingVariantTest {
    static final String MESSAGE = "variant 'kfra' is not on the class path: add org.kron4j:kron4j-kfra";

    @TempDir
    Path tmp;

    private static HidingClassLoader withoutKfra() {
        return new HidingClassLoader(MissingVariantTest.class.getClassLoader(), "org.kron4j.kfra.");
    }

    @Test
    void registry_withoutKfraJar_listsTheOthersAndNamesKfraWhenAsked() {
        VariantRegistry registry = VariantRegistry.load(withoutKfra());
        assertThat(registry.names()).containsExactly("ekfac", "kfac", "shampoo");
        assertThatThrownBy(() -> registry.get("kfra")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(MESSAGE).hasMessageContaining("available: [ekfac, kfac, shampoo]");
    }

    @Test
    void optimizerSpec_variantNotInRegistry_namesIt() {
        VariantRegistry onlyKfac = VariantRegistry.of(List.of(new KfacApproximation()));
        assertThatThrownBy(() -> Kron4j.optimizer(onlyKfac, "ekfac:damping=0.1"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("variant 'ekfac' is not on the class path: add org.kron4j:kron4j-ekfac");
    }

    @Test
    void guice_withoutKfraJar_bindsTheOthersAndTheFactoryNamesKfra() {
        var injector = Guice.createInjector(new Kron4jModule(VariantRegistry.load(withoutKfra())));
        Map<String, CurvatureApproximation> bound = injector.getInstance(
                Key.get(new TypeLiteral<Map<String, CurvatureApproximation>>() { }));
        assertThat(bound).doesNotContainKey("kfra").containsKeys("kfac", "ekfac", "shampoo");
        Kron4jModule.OptimizerFactory factory = injector.getInstance(Kron4jModule.OptimizerFactory.class);
        assertThatThrownBy(() -> factory.builder("kfra")).hasMessageStartingWith(MESSAGE);
    }

    @Test
    void dl4jAttach_withoutKfraJar_namesIt() {
        MultiLayerNetwork network = Networks.digitsDl4j(1, new Nesterovs(0.1, 0.5));
        assertThatThrownBy(() -> Kron4jDl4j.builder(network).registry(VariantRegistry.load(withoutKfra()))
                .spec("kfra:damping=0.1").attach()).hasMessageStartingWith(MESSAGE);
    }

    @Test
    void cli_withoutKfraJar_exits2WithOneLineNamingIt_andWritesNothing() {
        ClassLoader previous = Thread.currentThread().getContextClassLoader();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Path results = tmp.resolve("run");
        int code;
        Thread.currentThread().setContextClassLoader(withoutKfra());
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = Kron4jCommand.execute(new String[] {"ablate", "--quiet", "--variants", "kfac;kfra", "--steps", "2",
                "--out", results.toString()}, o, e);
        } finally {
            Thread.currentThread().setContextClassLoader(previous);
        }
        String stderr = err.toString(StandardCharsets.UTF_8);
        assertThat(code).as(stderr).isEqualTo(Kron4jCommand.BAD_INPUT);
        assertThat(stderr.strip()).doesNotContain("\n").contains(MESSAGE).doesNotContain("Exception")
                .doesNotContain("\tat ");
        assertThat(results).doesNotExist();
    }

    @Test
    void cli_listWithoutKfraJar_listsTheOthers() {
        ClassLoader previous = Thread.currentThread().getContextClassLoader();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread.currentThread().setContextClassLoader(withoutKfra());
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
                PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = Kron4jCommand.execute(new String[] {"list", "--brief"}, o, e);
        } finally {
            Thread.currentThread().setContextClassLoader(previous);
        }
        assertThat(code).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("kron4j variants on the class path: ekfac, kfac, "
                + "shampoo\n");
    }
}
