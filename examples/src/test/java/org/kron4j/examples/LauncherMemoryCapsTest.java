package org.kron4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The launchers' memory options ({@code scripts/java-opts}, used by {@code scripts/run-main} and so
 * by {@code ./kron4j}): {@code KRON4J_JAVA_OPTS} adds to the default caps, a user's cap replaces
 * the default of the same name (one value each), and the off-heap cap really stops ND4J: a child
 * JVM started with the composed options and a small {@code maxphysicalbytes} is refused its
 * arrays, where {@code maxbytes} alone (which ND4J's native buffers bypass) would not stop it.
 */
class LauncherMemoryCapsTest {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(LauncherMemoryCapsTest.class);
    private static final String MAX_BYTES = "-Dorg.bytedeco.javacpp.maxbytes";
    private static final String MAX_PHYSICAL = "-Dorg.bytedeco.javacpp.maxphysicalbytes";

    /** Runs scripts/java-opts with KRON4J_JAVA_OPTS set to the given text (unset when null). */
    static List<String> javaOpts(String userOpts) throws IOException, InterruptedException {
        ProcessBuilder builder = new ProcessBuilder("bash", ReadmeSnippetsTest.root().resolve("scripts/java-opts").toString());
        builder.environment().remove("KRON4J_JAVA_OPTS");
        if (userOpts != null) {
            builder.environment().put("KRON4J_JAVA_OPTS", userOpts);
        }
        Process process = builder.redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as(out).isZero();
        return out.lines().toList();
    }

    private static long count(List<String> options, String prefix) {
        return options.stream().filter(o -> o.startsWith(prefix)).count();
    }

    @Test
    void defaults_capHeapOffHeapAndProcess() throws Exception {
        assertThat(javaOpts(null)).containsExactly("-Xmx3g", MAX_BYTES + "=6g", MAX_PHYSICAL + "=10g");
        assertThat(javaOpts("")).containsExactly("-Xmx3g", MAX_BYTES + "=6g", MAX_PHYSICAL + "=10g");
    }

    @Test
    void userOptions_addToTheCaps_andReplaceOnlyTheSameName() throws Exception {
        assertThat(javaOpts("-XX:+UseG1GC -Dfoo=bar"))
                .containsExactly("-Xmx3g", MAX_BYTES + "=6g", MAX_PHYSICAL + "=10g", "-XX:+UseG1GC", "-Dfoo=bar");
        List<String> heap = javaOpts("-Xmx8g");
        assertThat(heap).containsExactly(MAX_BYTES + "=6g", MAX_PHYSICAL + "=10g", "-Xmx8g");
        List<String> offHeap = javaOpts("-Dorg.bytedeco.javacpp.maxphysicalbytes=300m  -Xms1g");
        assertThat(offHeap).containsExactly("-Xmx3g", MAX_BYTES + "=6g", MAX_PHYSICAL + "=300m", "-Xms1g");
        for (List<String> options : List.of(heap, offHeap)) {
            assertThat(count(options, "-Xmx")).isEqualTo(1);
            assertThat(count(options, MAX_BYTES + "=")).isEqualTo(1);
            assertThat(count(options, MAX_PHYSICAL + "=")).isEqualTo(1);
        }
    }

    /** Starts OffHeapProbe in a child JVM with the launcher's options for that KRON4J_JAVA_OPTS. */
    private static String probe(String userOpts, int arrays) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString()));
        command.addAll(javaOpts(userOpts));
        command.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(OffHeapProbe.class.getName());
        command.add(String.valueOf(arrays));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] out = process.getInputStream().readAllBytes();
        assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String text = new String(out, StandardCharsets.UTF_8);
        assertThat(process.exitValue()).as(text).isZero();
        LOG.info("KRON4J_JAVA_OPTS=\"{}\" -> {}; probe printed:\n{}", userOpts, command.subList(1, command.indexOf("-cp")),
                text.lines().filter(l -> !l.contains(" DEBUG ")).collect(java.util.stream.Collectors.joining("\n")));
        return text;
    }

    @Test
    void smallPhysicalCap_refusesNd4jArrays() throws Exception {
        // 150 arrays of 4 MB = 600 MB off the heap; the cap, on the whole process's resident memory,
        // is 400 MB (a JVM with ND4J loaded starts around 150-250 MB), so the probe is refused
        // part-way, by JavaCPP, with its message naming physicalBytes.
        String out = probe("-Xmx256m -Dorg.bytedeco.javacpp.maxphysicalbytes=400m", 150);
        assertThat(out).as(out).contains("maxPhysicalBytes 419430400").contains("REFUSED after ")
                .contains("OutOfMemoryError").contains("physicalBytes");
    }

    @Test
    void smallMaxBytesAlone_doesNotStopNd4j_whichIsWhyTheLauncherCapsPhysicalBytes() throws Exception {
        // The observation, explained: ND4J 1.0.0-M2.1 allocates array memory in libnd4j, and
        // JavaCPP's maxbytes counts only the pointers it allocates itself (32 bytes per array), so a
        // 4 MB maxbytes lets 100 arrays of 4 MB through (maxphysicalbytes left at the default 10g).
        String out = probe("-Xmx256m -Dorg.bytedeco.javacpp.maxbytes=4m", 100);
        assertThat(out).as(out).contains("maxBytes 4194304").contains("ALLOCATED 100");
    }
}
