package io.scorestream.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One throughput mode of the benchmark. Every Kafka mode runs the same topology and serdes as its
 * own Kafka Streams application; only the batching settings (and, for {@link #PASSTHROUGH}, the
 * model call) differ. {@link #MODEL_ONLY} runs ONNX Runtime alone on pre-built batches.
 * {@link #SINK} scores nothing: it writes scores into PostgreSQL, once per run, not per model.
 * {@link #FEATURES} also runs once per run, with its own models and topic.
 */
public enum Mode {
    /**
     * The model call replaced by a constant score: the Kafka + Avro ceiling. Batched with the
     * application's defaults ({@code batch.max.records=256}, {@code batch.max.wait.ms=5}).
     */
    PASSTHROUGH("passthrough", 256, 5, true),
    /**
     * No Kafka Streams, no decoding: one thread consumes the model's input topic and produces the very
     * same record bytes (key, value, timestamp, partition) to an output topic, acks=all: the ceiling
     * of this machine for moving those bytes. See {@link RawCopy}.
     */
    RAW_COPY("raw-copy", 0, 0, false),
    /**
     * Kafka Streams with nothing of scorestream's: the same client, properties and guarantee as the
     * scoring modes, its topology a source of the input topic wired straight to a sink (bytes in,
     * the same bytes out). The floor of any Kafka Streams application on this machine; the scoring
     * modes' cost above it is scorestream's. See {@link BenchApp#copyTopology}.
     */
    STREAMS_COPY("streams-copy", 256, 5, false),
    /** {@code batch.max.records=1}: one ONNX Runtime run per record. */
    PER_RECORD("per-record", 1, 0, false),
    BATCH_64("batch-64", 64, 5, false),
    BATCH_256("batch-256", 256, 5, false),
    BATCH_1024("batch-1024", 1024, 5, false),
    /** {@code batch.max.wait.ms=0}: whatever one poll loop delivered, at most 1024 records. */
    ADAPTIVE("adaptive", 1024, 0, false),
    /** ONNX Runtime alone on pre-built batches of 1, 64, 256 and 1024 rows, no Kafka: the inference ceiling. */
    MODEL_ONLY("model-only", 0, 0, false),
    /**
     * Scores into PostgreSQL: the JDBC sink connector on a Connect worker against a plain JDBC batch
     * upsert of the same rows (the ceiling). See {@link SinkRunner}.
     */
    SINK("sink", 0, 0, false),
    /**
     * Behavioural features: the same model shape scored with and without 8 windowed aggregates on
     * its own topic keyed by account, with the application's default batching, back to back in each
     * repetition. See {@link FeaturesRunner}.
     */
    FEATURES("features", 256, 5, false);

    /** Batch sizes of the model-only mode. */
    public static final List<Integer> MODEL_ONLY_BATCHES = List.of(1, 64, 256, 1024);

    private final String label;
    private final int batchMaxRecords;
    private final long batchMaxWaitMs;
    private final boolean passthrough;

    Mode(String label, int batchMaxRecords, long batchMaxWaitMs, boolean passthrough) {
        this.label = label;
        this.batchMaxRecords = batchMaxRecords;
        this.batchMaxWaitMs = batchMaxWaitMs;
        this.passthrough = passthrough;
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

    public boolean passthrough() {
        return passthrough;
    }

    /** Whether this mode runs a Kafka Streams application on the pre-loaded transactions. */
    public boolean scoresTransactions() {
        return this != MODEL_ONLY && this != SINK && this != FEATURES;
    }

    /** Whether this mode scores micro-batches in Kafka Streams (fixed sizes or adaptive). */
    public boolean microBatched() {
        return this == BATCH_64 || this == BATCH_256 || this == BATCH_1024 || this == ADAPTIVE;
    }

    /** The batching settings as they appear in the table. */
    public String settings() {
        return switch (this) {
            case MODEL_ONLY -> "ONNX Runtime alone";
            case RAW_COPY -> "consumer -> producer copy of the input bytes, acks=all, no Streams";
            case STREAMS_COPY -> "Kafka Streams source -> sink of the input bytes, same guarantee and settings, "
                    + "no scorestream code";
            case SINK -> "JDBC sink connector vs plain JDBC batch upsert";
            case FEATURES -> "8 aggregates vs none, batch.max.records=" + batchMaxRecords + ", batch.max.wait.ms="
                    + batchMaxWaitMs;
            case PER_RECORD -> "batch.max.records=1";
            default -> "batch.max.records=" + batchMaxRecords + ", batch.max.wait.ms=" + batchMaxWaitMs
                    + (passthrough ? ", constant score" : "");
        };
    }

    public static List<String> names() {
        final List<String> names = new ArrayList<>();
        for (Mode m : values()) {
            names.add(m.label);
        }
        return names;
    }

    /** @throws IllegalArgumentException naming the known modes */
    public static Mode parse(String text) {
        for (Mode m : values()) {
            if (m.label.equals(text.toLowerCase(Locale.ROOT))) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown mode '" + text + "'; known: " + String.join(",", names()));
    }
}
