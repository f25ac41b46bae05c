package org.kron4j.cli.report;

/**
 * CSV cells as RFC 4180 writes them: a cell holding a comma, a double quote or a line break is
 * enclosed in double quotes, with its quotes doubled; every other cell is written as it is.
 */
public final class Csv {

    private Csv() {
    }

    public static String cell(String text) {
        if (text.indexOf(',') < 0 && text.indexOf('"') < 0 && text.indexOf('\n') < 0 && text.indexOf('\r') < 0) {
            return text;
        }
        return '"' + text.replace("\"", "\"\"") + '"';
    }
}
