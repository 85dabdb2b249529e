package io.scorestream.topology.processor;

import io.scorestream.topology.serde.FeatureEvent;
import org.apache.kafka.common.header.Headers;

/**
 * One record waiting in the scoring buffer, with what is needed to score and forward it after a
 * restart: key, value bytes, timestamp, headers and its source coordinates, and the aggregate
 * values computed for it so far. {@code value} is null only for a restored record whose bytes can
 * no longer be decoded; {@code raw} and {@code features} are never null. Immutable but for the
 * aggregate values, which are added as lanes compute them.
 */
record BufferedRecord(long seq, byte[] key, FeatureEvent value, byte[] raw, long timestamp, Headers headers,
                      String topic, int partition, long offset, FeatureValues features) {

    /** A record with no aggregate value computed yet. */
    BufferedRecord(long seq, byte[] key, FeatureEvent value, byte[] raw, long timestamp, Headers headers,
                   String topic, int partition, long offset) {
        this(seq, key, value, raw, timestamp, headers, topic, partition, offset, new FeatureValues(1));
    }
}
