package org.kron4j.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.kron4j.cli.soak.SoakCsv;

/** {@code kron4j soak} at CI size: 200 steps of K-FAC on the digits MLP, memory every 50 steps. */
class SoakCommandTest {

    @Test
    void soak_smallRun_writesCsvAndPlot_andPrintsTheSlope(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("soak");
        Cli.Result result = Cli.run("soak", "--variants", "kfac", "--steps", "200", "--every", "50", "--batch", "64",
                "--out", out.toString());
        assertThat(result.exitCode()).as(result.toString()).isZero();

        List<String> lines = Files.readAllLines(out.resolve("soak.csv"));
        assertThat(lines.get(0)).isEqualTo(SoakCsv.HEADER);
        List<Map<String, String>> rows = AblateCommandTest.csv(out.resolve("soak.csv"));
        assertThat(rows).extracting(r -> r.get("step")).containsExactly("0", "50", "100", "150", "200");
        for (Map<String, String> r : rows) {
            assertThat(r.get("variant")).isEqualTo("kfac");
            assertThat(Long.parseLong(r.get("rss_bytes"))).as(r.toString()).isGreaterThan(10L << 20);
            assertThat(Long.parseLong(r.get("javacpp_physical_bytes"))).isGreaterThan(10L << 20);
            assertThat(Long.parseLong(r.get("heap_used_bytes"))).isPositive();
            assertThat(Long.parseLong(r.get("gc_count"))).isNotNegative();
        }
        // the factor store is allocated by the first statistics step and keeps its size
        assertThat(Long.parseLong(rows.get(1).get("store_bytes"))).isPositive();
        assertThat(rows.subList(1, rows.size())).extracting(r -> r.get("store_bytes")).containsOnly(rows.get(1)
                .get("store_bytes"));

        BufferedImage png = ImageIO.read(out.resolve("soak.png").toFile());
        assertThat(png.getWidth()).isPositive();

        Matcher line = Pattern.compile("(?m)^kfac\\s+(\\d+)\\.\\.(\\d+)\\s+([-+][0-9.]+)\\s+([-+][0-9.]+)\\s+"
                + "([-+][0-9.]+)\\s+([-+][0-9.]+)").matcher(result.out());
        assertThat(line.find()).as(result.out()).isTrue();
        assertThat(line.group(1)).isEqualTo("50"); // warm-up: a tenth of 200 steps, so from the sample at 50
        assertThat(line.group(2)).isEqualTo("200");
        assertThat(Double.parseDouble(line.group(6))).as("store slope").isZero();
        assertThat(result.out()).contains("MB per 1000 steps").contains("soak.csv, soak.png");
    }

    @Test
    void soak_badInput_namesTheOption(@TempDir Path tmp) {
        Cli.Result result = Cli.run("soak", "--steps", "100", "--every", "500", "--out", tmp.resolve("x").toString());
        assertThat(result.exitCode()).isEqualTo(2);
        assertThat(result.err()).contains("--every must be in [1, 100]");
        assertThat(tmp.resolve("x")).doesNotExist();
    }
}
