package io.scorestream.topology.serde;

import io.scorestream.schemas.serde.AvroCursor;
import io.scorestream.schemas.serde.ConfluentAvroDeserializer;
import io.scorestream.schemas.serde.WireFormat;
import java.util.List;
import java.util.Objects;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;

/**
 * A record kept in its encoded form until something reads a field: {@link #getSchema()} answers
 * from the writer schema, and the first {@code get}/{@code put} decodes the bytes with the generic
 * deserializer, exactly as an eager read would have (same values, same classes). The serde checked
 * the bytes before making one, so decoding is not expected to fail; if it did, the deserializer's
 * {@link io.scorestream.schemas.serde.WireFormatException} propagates to whoever asked.
 *
 * <p>Not thread-safe: read by the stream thread that got the event.
 */
public final class LazyRecord extends FeatureEvent implements GenericRecord {

    /**
     * Where the events of one topic written with one schema are decoded from, shared by all of them:
     * the topic (the deserializer's argument), the writer schema and the generic deserializer. Kept
     * apart from the event so that an event holds three references (bytes, decoded record, source):
     * 24 bytes per event instead of 32. Immutable.
     */
    record Source(String topic, Schema schema, ConfluentAvroDeserializer<GenericRecord> avro) {
    }

    private final Source source;

    LazyRecord(byte[] raw, Source source) {
        super(raw);
        this.source = source;
    }

    /** As an event, its record is itself. */
    @Override
    public GenericRecord record() {
        return this;
    }

    @Override
    public Schema getSchema() {
        return source.schema();
    }

    /** Whether the bytes have been decoded. */
    public boolean isDecoded() {
        return record != null;
    }

    /** The decoded record (decoding it now if needed). */
    public GenericRecord decoded() {
        if (record == null) {
            record = source.avro().deserialize(source.topic(), raw());
        }
        return record;
    }

    /**
     * Field {@code pos} as text ({@code toString()} of its value, as the decoded record would give),
     * or null for a null; read from the bytes when they are not decoded and the field is a string,
     * int, long or enum (or a union of those and null), else from the decoded record.
     *
     * @param cursor the caller's cursor, reset here
     */
    public String text(int pos, AvroCursor cursor) {
        if (record == null) {
            try {
                final Schema s = seek(pos, cursor);
                switch (s.getType()) {
                    case NULL:
                        return null;
                    case STRING:
                        return cursor.readString();
                    case INT:
                        return Integer.toString(cursor.readInt());
                    case LONG:
                        return Long.toString(cursor.readLong());
                    case ENUM:
                        return s.getEnumSymbols().get(cursor.readIndex(s.getEnumSymbols().size()));
                    default:
                        break;
                }
            } catch (AvroCursor.Malformed e) {
                // Not expected (the serde checked the bytes); the decoder gives the answer or the error.
            }
        }
        final Object v = decoded().get(pos);
        return v == null ? null : v.toString();
    }

    /**
     * Resets {@code cursor} to the datum and moves it to field {@code pos}'s value (past its union
     * branch index, if any).
     *
     * @return the schema of that value (the branch, for a union)
     * @throws AvroCursor.Malformed when the bytes before it cannot be walked
     */
    private Schema seek(int pos, AvroCursor cursor) {
        cursor.reset(raw(), WireFormat.HEADER_SIZE, raw().length - WireFormat.HEADER_SIZE);
        final List<Schema.Field> fields = source.schema().getFields();
        for (int f = 0; f < pos; f++) {
            cursor.skip(fields.get(f).schema());
        }
        final Schema s = fields.get(pos).schema();
        return s.getType() == Schema.Type.UNION ? s.getTypes().get(cursor.readIndex(s.getTypes().size())) : s;
    }

    /** {@link #copyText}: the field is null. */
    public static final int TEXT_NULL = 0;
    /** {@link #copyText}: the field's text is in the given {@code Utf8}. */
    public static final int TEXT_COPIED = 1;
    /** {@link #copyText}: nothing copied; ask {@link #text} instead. */
    public static final int TEXT_NOT_COPIED = 2;

    /**
     * Field {@code pos}, when it is a string (or a union of strings and null) and the bytes are not
     * decoded, copied as its UTF-8 bytes into {@code into} with no {@code String} made: the same
     * characters {@link #text} would return. Answers {@link #TEXT_COPIED}, {@link #TEXT_NULL} for a
     * null, or {@link #TEXT_NOT_COPIED} when it cannot (decoded already, another type, bytes that are
     * not well-formed UTF-8, or not readable here), and then the caller asks {@link #text}.
     *
     * @param cursor the caller's cursor, reset here
     * @param into the caller's reusable text, overwritten when the answer is {@link #TEXT_COPIED}
     */
    public int copyText(int pos, AvroCursor cursor, org.apache.avro.util.Utf8 into) {
        if (record != null) {
            return TEXT_NOT_COPIED;
        }
        try {
            final Schema s = seek(pos, cursor);
            if (s.getType() == Schema.Type.NULL) {
                return TEXT_NULL;
            }
            if (s.getType() == Schema.Type.STRING && cursor.readStringInto(into)) {
                return TEXT_COPIED;
            }
        } catch (AvroCursor.Malformed e) {
            // Not expected (the serde checked the bytes); text() gives the answer or the error.
        }
        return TEXT_NOT_COPIED;
    }

    @Override
    public void put(String key, Object v) {
        decoded().put(key, v);
    }

    @Override
    public Object get(String key) {
        return decoded().get(key);
    }

    @Override
    public void put(int i, Object v) {
        decoded().put(i, v);
    }

    @Override
    public Object get(int i) {
        return decoded().get(i);
    }

    /**
     * Equal to another {@code LazyRecord} with equal decoded contents only: Avro's own records are
     * never equal to a record of another class, so answering true for one of them here would make
     * equality asymmetric. Compare {@link #decoded()} with a decoded record instead.
     */
    @Override
    public boolean equals(Object o) {
        return o instanceof LazyRecord other && decoded().equals(other.decoded());
    }

    @Override
    public int hashCode() {
        return decoded().hashCode();
    }

    @Override
    public String toString() {
        return decoded().toString();
    }

    static LazyRecord of(byte[] raw, Schema schema, String topic, ConfluentAvroDeserializer<GenericRecord> avro) {
        return of(raw, new Source(topic, Objects.requireNonNull(schema), avro));
    }

    static LazyRecord of(byte[] raw, Source source) {
        return new LazyRecord(Objects.requireNonNull(raw), Objects.requireNonNull(source));
    }
}
