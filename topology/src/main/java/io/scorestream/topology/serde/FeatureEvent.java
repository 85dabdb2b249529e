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
 * writer's and never needs decoding. An event read fast is the {@code LazyRecord} itself (a
 * subclass), so that it costs one object. Immutable but for that one-time decoding; the byte array
 * must not be modified. Not thread-safe (one stream thread reads an event).
 */
public class FeatureEvent {

    private final byte[] raw;
    /**
     * The record; for a {@link LazyRecord} (which is its own record) the decoded record, null until
     * it is decoded: one object per event read fast, not an event and a record.
     */
    GenericRecord record;

    /** An event whose record is decoded already (or a {@link LazyRecord} over {@code raw}). */
    public FeatureEvent(byte[] raw, GenericRecord record) {
        this.raw = Objects.requireNonNull(raw, "raw");
        this.record = Objects.requireNonNull(record, "record");
    }

    /** A {@link LazyRecord}'s event part: its record is itself, decoded into {@link #record} on first use. */
    FeatureEvent(byte[] raw) {
        this.raw = Objects.requireNonNull(raw, "raw");
    }

    /** The Confluent-wire-format bytes of the value, as read from the topic. */
    public final byte[] raw() {
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
    public final boolean isEncoded() {
        final GenericRecord r = record();
        return r instanceof LazyRecord lazy && !lazy.isDecoded();
    }
}
