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
}
