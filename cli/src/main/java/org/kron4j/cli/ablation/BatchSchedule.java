package org.kron4j.cli.ablation;

import java.util.Locale;
import org.kron4j.cli.BadInputException;

/**
 * Examples per step: a constant, or the exponential growth schedule of Martens &amp; Grosse (2015,
 * §13), m_k = min(m₁·exp(k/c), |S|), written {@code a..b@K}: batch(k) = min(b, round(a·(b/a)^(k/K)))
 * for the 0-based step k, so that it starts at a and reaches b at step K and stays there.
 *
 * @param from  a, the first batch size
 * @param to    b, the last (equal to {@code from} for a constant)
 * @param steps K, the step at which b is reached (0 for a constant)
 */
public record BatchSchedule(int from, int to, int steps) {
    /** Largest batch a schedule may name. */
    public static final int MAX = 10_000_000;

    public BatchSchedule {
        if (from < 1 || to < 1) {
            throw new BadInputException("batch size must be at least 1, got " + (from < 1 ? from : to));
        }
        if (from > MAX || to > MAX) {
            throw new BadInputException("batch size must be at most " + MAX + ", got " + Math.max(from, to));
        }
        if (steps < 0 || (steps == 0) != (from == to)) {
            throw new BadInputException("a batch schedule a..b@K needs a < b and K ≥ 1, got " + from + ".." + to + "@"
                    + steps);
        }
    }

    /** A constant batch size. */
    public static BatchSchedule constant(int size) {
        return new BatchSchedule(size, size, 0);
    }

    /**
     * Parses "256" or "1000..60000@500".
     *
     * @throws BadInputException naming what is wrong
     */
    public static BatchSchedule parse(String text) {
        String t = text == null ? "" : text.trim();
        String hint = " (write a size like 256, or a growth schedule a..b@K like 1000..60000@500: batch(k) = "
                + "min(b, round(a·(b/a)^(k/K))))";
        int range = t.indexOf("..");
        try {
            if (range < 0) {
                if (t.contains("@")) {
                    throw new BadInputException("--batch '" + text + "': a schedule needs a range a..b" + hint);
                }
                return constant(Integer.parseInt(t));
            }
            int at = t.indexOf('@', range);
            if (at < 0) {
                throw new BadInputException("--batch '" + text + "': the schedule needs '@K', the step at which it "
                        + "reaches its last size" + hint);
            }
            int a = Integer.parseInt(t.substring(0, range).trim());
            int b = Integer.parseInt(t.substring(range + 2, at).trim());
            int k = Integer.parseInt(t.substring(at + 1).trim());
            if (b <= a) {
                throw new BadInputException("--batch '" + text + "': a growth schedule must grow, got " + a + " to " + b
                        + hint);
            }
            if (k < 1) {
                throw new BadInputException("--batch '" + text + "': K (after '@') must be at least 1, got " + k + hint);
            }
            return new BatchSchedule(a, b, k);
        } catch (NumberFormatException e) {
            throw new BadInputException("--batch '" + text + "': expected integers" + hint);
        } catch (BadInputException e) {
            if (e.getMessage().startsWith("--batch")) {
                throw e;
            }
            throw new BadInputException("--batch '" + text + "': " + e.getMessage());
        }
    }

    public boolean isConstant() {
        return from == to;
    }

    /** The batch size of the 0-based step k. */
    public int at(long k) {
        if (isConstant() || k >= steps) {
            return to;
        }
        if (k <= 0) {
            return from;
        }
        double size = from * Math.pow((double) to / from, (double) k / steps);
        return (int) Math.min(to, Math.round(size));
    }

    /** The canonical text, what {@link #parse} reads back. */
    @Override
    public String toString() {
        return isConstant() ? String.valueOf(from) : from + ".." + to + "@" + steps;
    }

    /** For reports: "1000" or "1000..60000@500 (exponential growth from 1000 to 60000 over 500 steps)". */
    public String describe() {
        return isConstant() ? String.valueOf(from) : String.format(Locale.ROOT,
                "%s (batch(k) = min(%d, round(%d·(%d/%d)^(k/%d))): %d at step 0, %d from step %d on)", this, to, from,
                to, from, steps, from, to, steps);
    }
}
