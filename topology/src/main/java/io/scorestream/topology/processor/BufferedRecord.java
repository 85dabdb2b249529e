package io.scorestream.topology.processor;

import io.scorestream.topology.serde.FeatureEvent;
import org.apache.kafka.common.header.Headers;

/**
 * One record waiting in the scoring buffer, with what is needed to score and forward it after a
 * restart: key, value bytes, timestamp, headers and its source coordinates. {@code value} is null
 * only for a restored record whose bytes can no longer be decoded; {@code raw} is never null. Immutable.
 */
record BufferedRecord(long seq, byte[] key, FeatureEvent value, byte[] raw, long timestamp, Headers headers,
                      String topic, int partition, long offset) {
}
