package org.kron4j.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Runs {@code scripts/run-main examples org.kron4j.examples.DigitsKfacExample} in-process, with
 * the command's defaults (no arguments), and reads what it prints.
 */
class DigitsKfacExampleTest {

    @Test
    void main_withDefaults_printsBothCurvesAndKfacReachesTheTargetFirst() {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(captured, true, StandardCharsets.UTF_8)) {
            System.setOut(out);
            DigitsKfacExample.main(new String[0]);
        } finally {
            System.setOut(original);
        }
        String printed = captured.toString(StandardCharsets.UTF_8);
        assertThat(printed).contains("| step | K-FAC loss | SGD loss |").contains("| 60 | ");
        Matcher steps = Pattern.compile("steps to a 10-step mean loss <= 0\\.05: K-FAC (\\d+), SGD (\\d+|not within 60)")
                .matcher(printed);
        assertThat(steps.find()).as(printed).isTrue();
        // the digits protocol: fixed K-FAC (lr 0.5, damping 0.1, inverses every 5 steps) reaches the
        // target in about 20 steps, the best SGD-momentum later or not within 60 (DigitsProtocol tests)
        int kfac = Integer.parseInt(steps.group(1));
        assertThat(kfac).isBetween(10, 40);
        if (!steps.group(2).startsWith("not")) {
            assertThat(Integer.parseInt(steps.group(2))).isGreaterThan(kfac);
        }
    }
}
