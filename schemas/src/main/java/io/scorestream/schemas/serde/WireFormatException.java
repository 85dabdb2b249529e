package io.scorestream.schemas.serde;

import java.util.Locale;
import java.util.Objects;
import java.util.OptionalInt;
import org.apache.kafka.common.errors.SerializationException;

/**
 * The bytes of a record are not a readable Confluent wire-format Avro payload: a poison record.
 * Retrying will not help; a dead-letter handler should take the record, and can tell why from
 * {@link #reason()}.
 *
 * <p>Failures that are not the record's fault (the schema registry cannot be reached) are plain
 * {@link SerializationException}s, never this type, so that they are not mistaken for bad records.
 *
 * <p>The message says which problem it was and names the topic, e.g. {@code Cannot deserialize
 * value from topic 'transactions': unknown schema id 42}.
 */
public final class WireFormatException extends SerializationException {

    private static final long serialVersionUID = 1L;

    /** What is wrong with the bytes. */
    public enum Reason {
        /** Byte 0 is not the magic byte 0: not Confluent wire format (e.g. JSON, or another serializer). */
        WRONG_MAGIC_BYTE,
        /** Fewer than 5 bytes: no room for the magic byte and the schema id. */
        TRUNCATED,
        /** The schema registry has no schema with the id in bytes 1–4. */
        UNKNOWN_SCHEMA_ID,
        /** The writer's schema cannot be resolved to the reader's (an incompatible evolution). */
        INCOMPATIBLE_SCHEMA,
        /** The Avro body ends early or is not a valid encoding of the writer's schema. */
        MALFORMED_AVRO,
        /**
         * Bytes are left over after the Avro datum. Confluent's deserializer ignores them; we reject
         * them, because a datum that decodes with bytes to spare almost always means the schema id
         * does not belong to the payload, and scoring such a record would score garbage.
         */
        TRAILING_BYTES
    }

    private final Reason reason;
    private final String topic;
    /** {@code null} when the header was not readable. */
    private final Integer schemaId;

    WireFormatException(final Reason reason, final String topic, final boolean isKey, final Integer schemaId,
            final String detail, final Throwable cause) {
        super(String.format(Locale.ROOT, "Cannot deserialize %s from topic '%s': %s",
                isKey ? "key" : "value", topic, detail), cause);
        this.reason = Objects.requireNonNull(reason, "reason");
        this.topic = topic;
        this.schemaId = schemaId;
    }

    /** What is wrong with the bytes; never {@code null}. */
    public Reason reason() {
        return reason;
    }

    /** The topic the record came from, as the deserializer was told; may be {@code null}. */
    public String topic() {
        return topic;
    }

    /** The schema id read from the payload, or empty if the header was not readable. */
    public OptionalInt schemaId() {
        return schemaId == null ? OptionalInt.empty() : OptionalInt.of(schemaId);
    }
}
