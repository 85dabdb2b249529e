package io.scorestream.topology.processor;

/**
 * What the scoring path reports, for metrics. Called on stream threads: implementations must be
 * thread-safe and cheap ({@link #onLatency} is called once per record).
 */
public interface ScoringObserver {

    /** Key under which an observer instance is passed to Kafka Streams' exception handlers. */
    String CONFIG_KEY = "scorestream.observer";

    ScoringObserver NONE = new ScoringObserver() {
    };

    /** One batch was scored: {@code size} records in {@code inferenceNanos}. */
    default void onBatch(String model, String version, int size, long inferenceNanos) {
    }

    /** {@code count} scores were forwarded. */
    default void onScored(String model, String version, int count) {
    }

    /** End-to-end latency of one record: scored-at minus its event time. */
    default void onLatency(long millis) {
    }

    /** One record went to the dead-letter topic; model and version may be null. */
    default void onDeadLetter(String reason, String model, String version) {
    }

    /**
     * A shadow candidate scored a record the stable version also scored.
     *
     * @param scoreDifference candidate score minus stable score
     * @param decisionsAgree whether both made the same decision
     */
    default void onShadowCompared(String model, String stableVersion, String candidateVersion,
                                  double scoreDifference, boolean decisionsAgree) {
    }

    /** A shadow candidate could not score a record (the stable version did); {@code reason} as for dead letters. */
    default void onShadowFailed(String model, String candidateVersion, String reason) {
    }

    /**
     * An event was too old for aggregate {@code aggregate} of {@code model} (older than its key's
     * newest event by more than the window and grace): scored with the state as it was, not added.
     */
    default void onFeatureLate(String model, String aggregate) {
    }

    /**
     * How much history aggregate {@code aggregate} of {@code model} has in stream task {@code task}:
     * the event time from the first event its state saw to the task's newest event. Below
     * {@code windowMs} the aggregate is still warming up (a version that added it started it
     * empty). Called about once a second per task and aggregate while a batch is open.
     */
    default void onFeatureHistory(String model, String aggregate, long windowMs, long historyMs, String task) {
    }

    /** Stream task {@code task} closed (revoked, or the application stops): forget what it reported. */
    default void onFeatureTaskClosed(String task) {
    }

    /**
     * Whether {@link #onScore} wants each score's aggregate values ({@code ScoreResult.features}) even
     * when the scores do not carry them ({@code score.features.emit=false}): a replay's report does.
     */
    default boolean wantsFeatureValues() {
        return false;
    }

    /**
     * A score was forwarded (to the scores or the shadow topic), with the event it scores. Called
     * on the stream thread, once per score; under exactly-once a score of an aborted transaction is
     * reported again when its record is re-processed.
     *
     * <p><b>Ownership:</b> {@code score} is valid during this call only. The processor refills one
     * instance for every score it forwards (so scoring allocates no score object per record): read
     * what you need now, and do not keep {@code score}, nor anything of it that could change (its
     * getters return values that stay valid). To keep a whole score, keep {@link #copyOf copyOf(score)};
     * {@code ScoreResult.newBuilder(score)} would not see every field of the reused instance.
     */
    default void onScore(io.scorestream.schemas.ScoreResult score, org.apache.avro.generic.GenericRecord event) {
    }

    /**
     * A detached copy of {@code score} as it is now (the score given to {@link #onScore}, or any
     * other), which later scores do not change. Its maps and lists are the same instances as the
     * score's (the processor makes new ones per score and never changes them).
     */
    static io.scorestream.schemas.ScoreResult copyOf(io.scorestream.schemas.ScoreResult score) {
        if (score instanceof ReusedScore reused) {
            return reused.copy();
        }
        return io.scorestream.schemas.ScoreResult.newBuilder(score).build();
    }

    /**
     * With fast decoding on, a record's features for {@code model} were read from the decoded record
     * instead of straight from its bytes, for {@code reason} ({@code aggregates}: the version declares
     * aggregates; {@code value}: the fast read did not take a value or the bytes, and the generic path
     * decided; or why the writer schema has no fast reader). Called on the stream thread, once per
     * record and lane; must be cheap.
     */
    default void onDecodeFallback(String model, String reason) {
    }
}
