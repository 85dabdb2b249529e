package io.scorestream.topology.processor;

import java.time.Duration;
import java.util.Objects;

/**
 * What one scoring processor needs to know. Immutable.
 *
 * @param modelName the model (key on the model topic) that scores these records
 * @param batchMaxRecords flush when this many records are buffered
 * @param batchMaxWaitMs flush when the oldest buffered record has waited this long (wall clock);
 *     0 = adaptive: flush whatever one poll loop delivered
 * @param eventIdField field whose value is the score's event id; null or blank = topic-partition@offset
 * @param passthrough benchmark only: skip the model run and forward a constant score (0.0, decision
 *     false) while doing everything else (buffering, feature extraction, store writes, forwarding),
 *     to measure the Kafka + Avro ceiling. Never set in production; false in every other constructor.
 * @param deterministic replay only: every field of a score depends on the input record and the model
 *     alone, never on timing or batching ({@code scored_at} = the event time; {@code batch_size},
 *     {@code inference_micros} and {@code latency_ms} = 0), so a replay gives byte-identical scores
 *     on every run; and no latency is reported.
 * @param emitFeatures each score carries the values of the aggregates it was scored with
 *     ({@code ScoreResult.features}), so a decision can be explained and checked later
 * @param fastDecode read the mapped fields straight from each event's Avro bytes into the batch's
 *     buffers (falling back to the decoded record where that cannot be done); true in every other
 *     constructor
 * @param flushAtCommit keep the open batch in memory only and score it when Kafka Streams prepares
 *     the task's commit (the records held while no version is live are written to the changelogged
 *     buffer store then), instead of writing every buffered record to that store; see
 *     {@link ScoringProcessor}. Needs the store {@link ScoringProcessorSupplier#stores()} declares;
 *     false in every other constructor, so topology tests on a {@code TopologyTestDriver} (which
 *     commits after every piped record) can batch across inputs; the application's key
 *     {@code batch.flush.at.commit} sets it, true by default
 * @param pipelined with {@code flushAtCommit} (ignored without it), the model runs of a batch that is
 *     full or whose wait is up go to an inference thread while the stream thread fills the next batch;
 *     the batch's scores are forwarded at the first punctuation after its runs, and at the latest
 *     before the next batch's and before the commit (see {@link ScoringProcessor}); false in every
 *     other constructor; the application's key
 *     {@code batch.pipelined} sets it, true by default
 */
public record ScoringSettings(String modelName, int batchMaxRecords, long batchMaxWaitMs, String eventIdField,
                              boolean passthrough, boolean deterministic, boolean emitFeatures,
                              boolean fastDecode, boolean flushAtCommit, boolean pipelined) {

    /**
     * Records a processor holds, at most, while its model has no live version, before it gives up
     * with a {@link io.scorestream.topology.errors.NoLiveModelException}: the larger of 10,000 and
     * ten batches. Whoever runs the topology pauses its input when the model goes missing (the
     * application does), so only what one poll loop had already fetched is held; reaching this
     * means nobody paused it.
     */
    public static final int MIN_HELD_RECORDS = 10_000;

    /** Settings that score with the model (no passthrough, no deterministic output). */
    public ScoringSettings(String modelName, int batchMaxRecords, long batchMaxWaitMs, String eventIdField) {
        this(modelName, batchMaxRecords, batchMaxWaitMs, eventIdField, false, false, false, true, false, false);
    }

    /** Settings that do not emit the aggregates' values with the scores. */
    public ScoringSettings(String modelName, int batchMaxRecords, long batchMaxWaitMs, String eventIdField,
                           boolean passthrough, boolean deterministic) {
        this(modelName, batchMaxRecords, batchMaxWaitMs, eventIdField, passthrough, deterministic, false, true,
                false, false);
    }

    /** Settings with fast decoding. */
    public ScoringSettings(String modelName, int batchMaxRecords, long batchMaxWaitMs, String eventIdField,
                           boolean passthrough, boolean deterministic, boolean emitFeatures) {
        this(modelName, batchMaxRecords, batchMaxWaitMs, eventIdField, passthrough, deterministic, emitFeatures,
                true, false, false);
    }

    public ScoringSettings {
        Objects.requireNonNull(modelName, "modelName");
        if (batchMaxRecords < 1) {
            throw new IllegalArgumentException("batchMaxRecords must be >= 1, got " + batchMaxRecords);
        }
        if (batchMaxWaitMs < 0) {
            throw new IllegalArgumentException("batchMaxWaitMs must be >= 0, got " + batchMaxWaitMs);
        }
        eventIdField = eventIdField == null || eventIdField.isBlank() ? null : eventIdField;
    }

    /** A copy with {@link #passthrough()} set to {@code on}; for the benchmark harness. */
    public ScoringSettings withPassthrough(boolean on) {
        return new ScoringSettings(modelName, batchMaxRecords, batchMaxWaitMs, eventIdField, on,
                deterministic, emitFeatures, fastDecode, flushAtCommit, pipelined);
    }

    /** A copy with {@link #deterministic()} set to {@code on}; for replays. */
    public ScoringSettings withDeterministicOutput(boolean on) {
        return new ScoringSettings(modelName, batchMaxRecords, batchMaxWaitMs, eventIdField, passthrough,
                on, emitFeatures, fastDecode, flushAtCommit, pipelined);
    }

    /** A copy with {@link #emitFeatures()} set to {@code on}. */
    public ScoringSettings withFeaturesEmitted(boolean on) {
        return new ScoringSettings(modelName, batchMaxRecords, batchMaxWaitMs, eventIdField, passthrough,
                deterministic, on, fastDecode, flushAtCommit, pipelined);
    }

    /** A copy with {@link #fastDecode()} set to {@code on}. */
    public ScoringSettings withFastDecode(boolean on) {
        return new ScoringSettings(modelName, batchMaxRecords, batchMaxWaitMs, eventIdField, passthrough,
                deterministic, emitFeatures, on, flushAtCommit, pipelined);
    }

    /** A copy with {@link #flushAtCommit()} set to {@code on}. */
    public ScoringSettings withFlushAtCommit(boolean on) {
        return new ScoringSettings(modelName, batchMaxRecords, batchMaxWaitMs, eventIdField, passthrough,
                deterministic, emitFeatures, fastDecode, on, pipelined);
    }

    /** A copy with {@link #pipelined()} set to {@code on}. */
    public ScoringSettings withPipelined(boolean on) {
        return new ScoringSettings(modelName, batchMaxRecords, batchMaxWaitMs, eventIdField, passthrough,
                deterministic, emitFeatures, fastDecode, flushAtCommit, on);
    }

    /** See {@link #MIN_HELD_RECORDS}. */
    public int maxHeldRecords() {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(MIN_HELD_RECORDS, 10L * batchMaxRecords));
    }

    /** How often the wall-clock punctuator checks the buffer's age. */
    Duration punctuationInterval() {
        return Duration.ofMillis(Math.max(1, batchMaxWaitMs / 4));
    }
}
