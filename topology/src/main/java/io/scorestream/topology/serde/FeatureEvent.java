package io.scorestream.topology.serde;

import java.util.Objects;
import org.apache.avro.generic.GenericRecord;

/**
 * A feature event as the scoring processor sees it: the exact bytes it was read from, its writer
 * schema, and the record. The bytes let the processor persist a buffered record (and dead-letter
 * it) without encoding it again, and let a fast reader take the mapped fields straight from them.
 *
 * <p>The record is either decoded already, or {@linkplain #isEncoded() encoded}: a
 * {@link LazyRecord} whose bytes were checked by the serde and which decodes them, with Avro's own
 * reader, the first time a field is asked for. Its {@link GenericRecord#getSchema() schema} is the
 * writer's and never needs decoding. Immutable but for that one-time decoding; the byte array must
 * not be modified. Not thread-safe (one stream thread reads an event).
 */
public final class FeatureEvent {

    private final byte[] raw;
    private final GenericRecord record;

    /** An event whose record is decoded already (or a {@link LazyRecord} over {@code raw}). */
    public FeatureEvent(byte[] raw, GenericRecord record) {
        this.raw = Objects.requireNonNull(raw, "raw");
        this.record = Objects.requireNonNull(record, "record");
    }

    /** The Confluent-wire-format bytes of the value, as read from the topic. */
    public byte[] raw() {
        return raw;
    }

    /** The record, read with its writer schema (decoded on first use when {@link #isEncoded()}). */
    public GenericRecord record() {
        return record;
    }

    /**
     * Whether the record has not been decoded yet: then its Avro datum is {@link #raw()} from
     * {@link io.scorestream.schemas.serde.WireFormat#HEADER_SIZE}, checked readable with
     * {@link #record()}'s schema.
     */
    public boolean isEncoded() {
        return record instanceof LazyRecord lazy && !lazy.isDecoded();
    }
}
