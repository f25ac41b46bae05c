package org.kron4j.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps the READMEs true: every {@code ```java} block of the root README and of every module's
 * README is preceded by a {@code <!-- snippet: path#region ... -->} line naming the marked regions
 * ({@code // README: begin region} … {@code // README: end region}) of source files it copies, and
 * must equal them character for character (after removing the regions' common indentation; several
 * regions are joined by one empty line). A region must live in a test source file, or in an example
 * of this module that has a test of the same name plus {@code Test}, so that the copied code is
 * compiled and run. Every {@code scripts/run-main examples <class>} command a README shows must
 * name an example with such a test. A block preceded by {@code <!-- excerpt: path -->} (e.g. the
 * Tribuo configuration file) must be an excerpt of that file: its lines, XML comments aside (the
 * README's own notes), appear in the file in the same order.
 */
class ReadmeSnippetsTest {
    private static final Pattern SNIPPET = Pattern.compile("<!--\\s*snippet:\\s*(.+?)\\s*-->");
    private static final Pattern EXCERPT = Pattern.compile("<!--\\s*excerpt:\\s*(\\S+)\\s*-->\\s*\n```\\w*\n(.*?)```",
            Pattern.DOTALL);
    private static final Pattern RUN_MAIN = Pattern.compile("scripts/run-main\\s+examples\\s+(org\\.kron4j\\.examples\\.\\w+)");

    /** The repository's root: the parent of this module's folder (Maven runs tests in the module). */
    static Path root() {
        Path root = Path.of("").toAbsolutePath().getParent();
        assertThat(root.resolve("README.md")).as("repository root").exists();
        return root;
    }

    static List<Path> readmes() throws IOException {
        List<Path> readmes = new ArrayList<>();
        readmes.add(root().resolve("README.md"));
        try (Stream<Path> modules = Files.list(root())) {
            modules.map(m -> m.resolve("README.md")).filter(Files::isRegularFile).sorted().forEach(readmes::add);
        }
        return readmes;
    }

    /** One ```java block: where it starts (1-based line of the fence), its lines, the regions it names. */
    record Block(Path readme, int line, List<String> code, List<String> regions) {
        String where() {
            return root().relativize(readme) + ":" + line;
        }
    }

    static List<Block> javaBlocks(Path readme) throws IOException {
        List<String> lines = Files.readAllLines(readme);
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).strip().equals("```java")) {
                continue;
            }
            int fence = i;
            List<String> code = new ArrayList<>();
            for (i++; i < lines.size() && !lines.get(i).strip().equals("```"); i++) {
                code.add(lines.get(i).stripTrailing());
            }
            int previous = fence - 1;
            while (previous >= 0 && lines.get(previous).isBlank()) {
                previous--;
            }
            Matcher snippet = previous >= 0 ? SNIPPET.matcher(lines.get(previous)) : null;
            List<String> regions = snippet != null && snippet.find() ? List.of(snippet.group(1).split("\\s+")) : List.of();
            blocks.add(new Block(readme, fence + 1, code, regions));
        }
        return blocks;
    }

    /** The lines between the markers of {@code path#name}, common indentation removed. */
    static List<String> region(String reference) throws IOException {
        int hash = reference.indexOf('#');
        assertThat(hash).as("'%s' must be path#region", reference).isPositive();
        Path file = root().resolve(reference.substring(0, hash));
        String name = reference.substring(hash + 1);
        assertThat(file).as(reference).isRegularFile();
        List<String> lines = Files.readAllLines(file);
        int begin = lines.stream().map(String::strip).toList().indexOf("// README: begin " + name);
        int end = lines.stream().map(String::strip).toList().indexOf("// README: end " + name);
        assertThat(begin).as("marker '// README: begin %s' in %s", name, file).isNotNegative();
        assertThat(end).as("marker '// README: end %s' in %s", name, file).isGreaterThan(begin);
        List<String> body = lines.subList(begin + 1, end);
        int indent = body.stream().filter(l -> !l.isBlank()).mapToInt(l -> l.length() - l.stripLeading().length())
                .min().orElse(0);
        return body.stream().map(l -> l.isBlank() ? "" : l.substring(indent).stripTrailing()).toList();
    }

    /** True when the file's code runs in a test: a test source, or an example with its own test. */
    static boolean runByATest(Path file) {
        String path = root().relativize(file).toString().replace('\\', '/');
        if (path.contains("/src/test/java/")) {
            return true;
        }
        if (path.startsWith("examples/src/main/java/") && path.endsWith(".java")) {
            String test = path.replace("/src/main/java/", "/src/test/java/").replace(".java", "Test.java");
            return Files.isRegularFile(root().resolve(test));
        }
        return false;
    }

    @Test
    void everyJavaBlock_equalsTheTestedRegionsItNames() throws IOException {
        int checked = 0;
        for (Path readme : readmes()) {
            for (Block block : javaBlocks(readme)) {
                if (block.regions().isEmpty()) {
                    fail("%s: a ```java block without a '<!-- snippet: path#region -->' line before it; copy the code "
                            + "from a tested source file and name its region", block.where());
                }
                List<String> expected = new ArrayList<>();
                for (String reference : block.regions()) {
                    if (!expected.isEmpty()) {
                        expected.add("");
                    }
                    expected.addAll(region(reference));
                    Path file = root().resolve(reference.substring(0, reference.indexOf('#')));
                    assertThat(runByATest(file)).as("%s: %s is neither a test source nor an example with a test",
                            block.where(), reference).isTrue();
                }
                assertThat(String.join("\n", block.code())).as("%s must equal %s", block.where(), block.regions())
                        .isEqualTo(String.join("\n", expected));
                checked++;
            }
        }
        assertThat(checked).as("java blocks found in %s", readmes()).isGreaterThanOrEqualTo(7);
    }

    @Test
    void everyExampleCommand_namesAnExampleWithATest() throws IOException {
        int commands = 0;
        for (Path readme : readmes()) {
            Matcher command = RUN_MAIN.matcher(Files.readString(readme));
            while (command.find()) {
                String simpleName = command.group(1).substring(command.group(1).lastIndexOf('.') + 1);
                Path source = root().resolve("examples/src/main/java/org/kron4j/examples/" + simpleName + ".java");
                assertThat(source).as("%s names %s", readme, command.group(1)).isRegularFile();
                assertThat(runByATest(source)).as("%s runs in a test", command.group(1)).isTrue();
                commands++;
            }
        }
        assertThat(commands).as("example commands in the READMEs").isGreaterThanOrEqualTo(2);
    }

    @Test
    void everyExcerpt_appearsInItsFileInOrder() throws IOException {
        int excerpts = 0;
        for (Path readme : readmes()) {
            Matcher excerpt = EXCERPT.matcher(Files.readString(readme));
            while (excerpt.find()) {
                Path file = root().resolve(excerpt.group(1));
                assertThat(file).as("%s: excerpt of %s", readme, excerpt.group(1)).isRegularFile();
                List<String> lines = Files.readAllLines(file).stream().map(String::strip).toList();
                int at = 0;
                for (String line : excerpt.group(2).split("\n")) {
                    String wanted = line.strip();
                    if (wanted.isEmpty() || wanted.startsWith("<!--")) {
                        continue;
                    }
                    int found = lines.subList(at, lines.size()).indexOf(wanted);
                    assertThat(found).as("%s: '%s' in %s after line %d", readme, wanted, file, at).isNotNegative();
                    at += found + 1;
                }
                excerpts++;
            }
        }
        assertThat(excerpts).as("excerpts in the READMEs").isGreaterThanOrEqualTo(1);
    }

    /** The checker itself: a block that differs from its region by one character is caught. */
    @Test
    void checker_seesAOneCharacterDifference(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Path readme = dir.resolve("README.md");
        Files.writeString(readme, "text\n\n<!-- snippet: examples/src/main/java/org/kron4j/examples/QuickStartExample.java"
                + "#optimizer-config -->\n```java\n" + String.join("\n",
                region("examples/src/main/java/org/kron4j/examples/QuickStartExample.java#optimizer-config"))
                .replace("tInv=5", "tInv=6") + "\n```\n");
        Block block = javaBlocks(readme).get(0);
        assertThat(block.regions()).hasSize(1);
        assertThat(String.join("\n", block.code())).isNotEqualTo(String.join("\n", region(block.regions().get(0))));
        assertThat(block.code()).anySatisfy(line -> assertThat(line).contains("tInv=6"));
    }
}
