package org.kron4j.cli.soak;

import java.util.List;
import java.util.Locale;
import org.kron4j.cli.report.Csv;

/** soak.csv: one row per sample, with the header {@value #HEADER}. */
public final class SoakCsv {
    public static final String HEADER = "variant,step,rss_bytes,javacpp_physical_bytes,javacpp_total_bytes,store_bytes,"
            + "heap_used_bytes,gc_count,seconds";

    private SoakCsv() {
    }

    public static String write(List<MemorySample> samples) {
        StringBuilder csv = new StringBuilder(HEADER).append('\n');
        for (MemorySample s : samples) {
            csv.append(Csv.cell(s.variant())).append(',').append(s.step()).append(',').append(s.rssBytes()).append(',')
                    .append(s.physicalBytes()).append(',').append(s.javacppBytes()).append(',').append(s.storeBytes())
                    .append(',').append(s.heapBytes()).append(',').append(s.gcCount()).append(',')
                    .append(String.format(Locale.ROOT, "%.3f", s.seconds())).append('\n');
        }
        return csv.toString();
    }
}
