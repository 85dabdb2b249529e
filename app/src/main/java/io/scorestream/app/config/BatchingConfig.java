package io.scorestream.app.config;

import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;

/**
 * The keys of group {@value #GROUP}: when a task's buffer of records is scored as one batch. They
 * configure the single pipeline, or are the defaults of the {@link PipelinesConfig declared
 * pipelines}'.
 *
 * <p>An instance is the typed reading of these keys for one {@link ScorestreamConfig}
 * ({@link ScorestreamConfig#batching()}). Immutable and thread-safe.
 */
public final class BatchingConfig {

    /** The group of these keys in the definition and the documentation. */
    public static final String GROUP = "Batching";

    public static final String BATCH_MAX_RECORDS_CONFIG = "batch.max.records";
    private static final String BATCH_MAX_RECORDS_DOC = "A task's buffer is scored as one batch when it holds "
            + "this many records.";

    public static final String BATCH_MAX_WAIT_MS_CONFIG = "batch.max.wait.ms";
    private static final String BATCH_MAX_WAIT_MS_DOC = "A task's buffer is scored when its oldest record has "
            + "waited this long (wall clock). 0 = adaptive: score whatever one poll delivered, so batches are "
            + "small at low load, large under load, and idle time adds no latency. Also sets how long Kafka "
            + "Streams' producer lingers before sending the scores (its linger.ms): this value, capped at Kafka "
            + "Streams' own 100 (0 stays 0), unless kafka.linger.ms or kafka.producer.linger.ms is set (either "
            + "wins; see 'config-doc --config FILE' for the effective value). Under exactly_once_v2 scores are "
            + "visible only at each commit, so there commit.interval.ms bounds the latency.";

    public static final String SCORE_DECODE_FAST_CONFIG = "score.decode.fast";
    private static final String SCORE_DECODE_FAST_DOC = "Whether the fields a model maps are read straight from "
            + "each event's Avro bytes into the batch's tensor buffers, skipping the other fields, instead of "
            + "decoding every event into a record first. Whatever the fast reader does not take (a version with "
            + "aggregates, a value it leaves to the generic path, malformed bytes) is read the generic way, with "
            + "the same result, and counted in the metric scorestream.decode.fallback{model,reason}. false: every "
            + "event is decoded into a record, as before.";

    public static final String BATCH_FLUSH_AT_COMMIT_CONFIG = "batch.flush.at.commit";
    private static final String BATCH_FLUSH_AT_COMMIT_DOC = "Where a task's open batch waits until it is scored. "
            + "true (the default): in memory only, and whatever is buffered is scored and forwarded when Kafka "
            + "Streams prepares the task's commit (so no offset is committed for an unscored record); only records "
            + "held while a pipeline has no live model version are written, at the commit, to its changelogged "
            + "buffer store. Saves copying every event into the buffer store and its changelog (and the epoch "
            + "write per batch), but a batch is also cut at each commit: with commit.interval.ms=100 (the "
            + "default) a batch holds at most one commit interval of records, whatever batch.max.records and "
            + "batch.max.wait.ms allow. false: every buffered record is written to the changelogged buffer store "
            + "before its offset can commit, and batches may span commits; worth it when batches must be larger "
            + "than one commit interval brings (a very low commit.interval.ms with a large batch.max.records, a "
            + "model much faster per record in big batches). Exactly once either way.";

    public static final String BATCH_PIPELINED_CONFIG = "batch.pipelined";
    private static final String BATCH_PIPELINED_DOC = "With batch.flush.at.commit=true (ignored when it is false): "
            + "true (the default): when a task's batch is full or its batch.max.wait.ms is up, the model runs on "
            + "it on an inference thread (scorestream-inference-N) while the stream thread fills the next batch; "
            + "the batch's scores are forwarded on the stream thread at the first punctuation after the run "
            + "(within about a quarter of batch.max.wait.ms, at least 1 ms), and at the latest before anything "
            + "of the next batch and before the task's commit, so per-key order and exactly-once are unchanged. "
            + "Takes the model's time off the stream thread, whose work bounds a task's throughput; costs a "
            + "second set of batch buffers per task and a thread hand-off per batch. false: the stream thread "
            + "runs the model itself. Batches cut by a commit are always scored on the stream thread.";

    private final int maxRecords;
    private final long maxWaitMs;
    private final boolean fastDecode;
    private final boolean flushAtCommit;
    private final boolean pipelined;

    BatchingConfig(final ConfigValues values) {
        this.maxRecords = values.integer(BATCH_MAX_RECORDS_CONFIG);
        this.maxWaitMs = values.longValue(BATCH_MAX_WAIT_MS_CONFIG);
        this.fastDecode = values.bool(SCORE_DECODE_FAST_CONFIG);
        this.flushAtCommit = values.bool(BATCH_FLUSH_AT_COMMIT_CONFIG);
        this.pipelined = values.bool(BATCH_PIPELINED_CONFIG);
    }

    /** Adds the keys of group {@value #GROUP} to {@code def}. */
    static void define(final ConfigDef def) {
        new ConfigGroup(def, GROUP)
                .define(BATCH_MAX_RECORDS_CONFIG, Type.INT, 256, Range.between(1, 65536), Importance.HIGH,
                        BATCH_MAX_RECORDS_DOC)
                .define(BATCH_MAX_WAIT_MS_CONFIG, Type.LONG, 5L, Range.atLeast(0), Importance.HIGH,
                        BATCH_MAX_WAIT_MS_DOC)
                .define(BATCH_FLUSH_AT_COMMIT_CONFIG, Type.BOOLEAN, true, null, Importance.MEDIUM,
                        BATCH_FLUSH_AT_COMMIT_DOC)
                .define(BATCH_PIPELINED_CONFIG, Type.BOOLEAN, true, null, Importance.LOW, BATCH_PIPELINED_DOC)
                .define(SCORE_DECODE_FAST_CONFIG, Type.BOOLEAN, true, null, Importance.LOW,
                        SCORE_DECODE_FAST_DOC);
    }

    /** {@code batch.max.records}; with pipelines, the default of theirs. */
    public int maxRecords() {
        return maxRecords;
    }

    /**
     * {@code batch.max.wait.ms}: the longest a buffered record waits, in milliseconds; 0 means
     * adaptive (flush per poll). With pipelines, the default of theirs. The producer's
     * {@code linger.ms} is derived from it ({@link KafkaStreamsConfig#producerLinger(String)}).
     */
    public long maxWaitMs() {
        return maxWaitMs;
    }

    /** {@code batch.flush.at.commit}: whether open batches are scored at the commit instead of stored (every pipeline). */
    public boolean flushAtCommit() {
        return flushAtCommit;
    }

    /** {@code batch.pipelined}: whether full batches are run on an inference thread (with the flush at commit; every pipeline). */
    public boolean pipelined() {
        return pipelined;
    }

    /** {@code score.decode.fast}: whether mapped fields are read straight from the events' bytes (every pipeline). */
    public boolean fastDecode() {
        return fastDecode;
    }
}
