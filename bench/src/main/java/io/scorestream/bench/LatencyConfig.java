package io.scorestream.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** A scoring configuration whose end-to-end latency the benchmark measures at fixed loads. */
public enum LatencyConfig {
    PER_RECORD("per-record", 1, 0),
    /** {@code batch.max.wait.ms=0}, at most 1024 records. */
    ADAPTIVE("adaptive", 1024, 0),
    /** A 5 ms window: {@code batch.max.wait.ms=5}, at most 1024 records. */
    WINDOW_5MS("window-5ms", 1024, 5),
    /** The application's defaults: {@code batch.max.records=256}, {@code batch.max.wait.ms=5}. */
    DEFAULTS("defaults", 256, 5);

    private final String label;
    private final int batchMaxRecords;
    private final long batchMaxWaitMs;

    LatencyConfig(String label, int batchMaxRecords, long batchMaxWaitMs) {
        this.label = label;
        this.batchMaxRecords = batchMaxRecords;
        this.batchMaxWaitMs = batchMaxWaitMs;
    }

    public String label() {
        return label;
    }

    public int batchMaxRecords() {
        return batchMaxRecords;
    }

    public long batchMaxWaitMs() {
        return batchMaxWaitMs;
    }

    public static List<String> names() {
        final List<String> names = new ArrayList<>();
        for (LatencyConfig c : values()) {
            names.add(c.label);
        }
        return names;
    }

    /** @throws IllegalArgumentException naming the known configurations */
    public static LatencyConfig parse(String text) {
        for (LatencyConfig c : values()) {
            if (c.label.equals(text.toLowerCase(Locale.ROOT))) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown latency configuration '" + text + "'; known: "
                + String.join(",", names()));
    }
}
