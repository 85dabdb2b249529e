package io.scorestream.topology.serde;

import java.util.Objects;
import org.apache.avro.generic.GenericRecord;

/**
 * A feature event as the scoring processor sees it: the decoded Avro record, plus the exact bytes
 * it was decoded from. The bytes let the processor persist a buffered record (and dead-letter it)
 * without encoding it again. Immutable; the byte array must not be modified.
 */
public final class FeatureEvent {

    private final byte[] raw;
    private final GenericRecord record;

    public FeatureEvent(byte[] raw, GenericRecord record) {
        this.raw = Objects.requireNonNull(raw, "raw");
        this.record = Objects.requireNonNull(record, "record");
    }

    /** The Confluent-wire-format bytes of the value, as read from the topic. */
    public byte[] raw() {
        return raw;
    }

    /** The decoded record, read with its writer schema. */
    public GenericRecord record() {
        return record;
    }
}
