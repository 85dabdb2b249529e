package io.scorestream.connectors.load;

import org.apache.avro.generic.GenericRecord;

/**
 * One row converted: what goes to the topic.
 *
 * @param line the physical line the row started on
 * @param key the record key (the key column's text), or null without a key column
 * @param timestamp the record timestamp in epoch milliseconds (from the timestamp column), or null
 *     without a timestamp column (the producer then stamps it)
 * @param value the record's value
 */
public record LoadRecord(long line, String key, Long timestamp, GenericRecord value) {
}
