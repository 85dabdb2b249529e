package io.scorestream.schemas.serde;

/**
 * The fields of a {@link io.scorestream.schemas.ScoreResult} that cost an object per record when read
 * through its getters (two {@code Instant}s, a boxed offset, two {@code String}s), as primitives and
 * reusable text. A {@code ScoreResult} subclass that implements this (one instance refilled score
 * after score, on one thread) is encoded by {@link ScoreResultSerializer} from these methods instead
 * of those getters, to exactly the same bytes; every other field is read through its getter.
 *
 * <p><b>Contract:</b> each method answers what the corresponding getter of the same object answers:
 * {@link #eventIdText()} and {@link #keyText()} have the characters of {@code getEventId()} and
 * {@code getKey()} (a {@link org.apache.avro.util.Utf8} is copied as its bytes), the millis are
 * {@code toEpochMilli()} of {@code getEventTime()} and {@code getScoredAt()}, and a negative
 * partition or offset stands for a null one (Kafka's partitions and offsets are never negative).
 * Not thread-safe unless the implementation says so.
 */
public interface ScoreResultFields {

    /** The event id; never null for a score that can be written. */
    CharSequence eventIdText();

    /** The key as text, or null for a null key. */
    CharSequence keyText();

    /** {@code event_time} in epoch milliseconds. */
    long eventTimeMillis();

    /** {@code scored_at} in epoch milliseconds. */
    long scoredAtMillis();

    /** {@code source_partition}, or a negative number for null. */
    int sourcePartitionOrNegative();

    /** {@code source_offset}, or a negative number for null. */
    long sourceOffsetOrNegative();
}
