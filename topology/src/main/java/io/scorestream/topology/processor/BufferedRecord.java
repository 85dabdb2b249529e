package io.scorestream.topology.processor;

import io.scorestream.topology.serde.FeatureEvent;
import org.apache.kafka.common.header.Headers;

/**
 * One record waiting in the scoring buffer, with what is needed to score and forward it after a
 * restart: key, value bytes, timestamp, headers and its source coordinates, and the aggregate
 * values computed for it so far. {@code value} is null only for a restored record whose bytes can
 * no longer be decoded; {@code raw} and {@code features} are never null.
 *
 * <p>Ownership: a record made with the constructor (held, restored) is not changed after it is made,
 * but for the aggregate values, which are added as lanes compute them. The scoring processor also
 * keeps one instance per buffer position, which it {@linkplain #refill refills} with each new record
 * it buffers there: nothing keeps a buffered record past the flush of its batch (the buffer's slots
 * are cleared, and a record is written to the buffer store as bytes), so such a slot is free again
 * once its batch is flushed. Not thread-safe.
 */
final class BufferedRecord {

    private long seq;
    private byte[] key;
    private FeatureEvent value;
    private byte[] raw;
    private long timestamp;
    private Headers headers;
    private String topic;
    private int partition;
    private long offset;
    private FeatureValues features;

    BufferedRecord(long seq, byte[] key, FeatureEvent value, byte[] raw, long timestamp, Headers headers,
                   String topic, int partition, long offset, FeatureValues features) {
        refill(seq, key, value, raw, timestamp, headers, topic, partition, offset, features);
    }

    /** A record with no aggregate value computed yet. */
    BufferedRecord(long seq, byte[] key, FeatureEvent value, byte[] raw, long timestamp, Headers headers,
                   String topic, int partition, long offset) {
        this(seq, key, value, raw, timestamp, headers, topic, partition, offset, new FeatureValues(1));
    }

    /** Makes this slot hold another record (every field replaced); returns this. */
    BufferedRecord refill(long seq, byte[] key, FeatureEvent value, byte[] raw, long timestamp, Headers headers,
                          String topic, int partition, long offset, FeatureValues features) {
        this.seq = seq;
        this.key = key;
        this.value = value;
        this.raw = raw;
        this.timestamp = timestamp;
        this.headers = headers;
        this.topic = topic;
        this.partition = partition;
        this.offset = offset;
        this.features = features;
        return this;
    }

    long seq() {
        return seq;
    }

    byte[] key() {
        return key;
    }

    FeatureEvent value() {
        return value;
    }

    byte[] raw() {
        return raw;
    }

    long timestamp() {
        return timestamp;
    }

    Headers headers() {
        return headers;
    }

    String topic() {
        return topic;
    }

    int partition() {
        return partition;
    }

    long offset() {
        return offset;
    }

    FeatureValues features() {
        return features;
    }

    /** Names the record by its place, never its contents (key, value and headers may be personal data). */
    @Override
    public String toString() {
        return "BufferedRecord[seq=" + seq + ", " + topic + "-" + partition + "@" + offset + "]";
    }
}
