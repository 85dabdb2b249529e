package io.scorestream.app.demo;

import io.scorestream.schemas.Transaction;
import io.scorestream.schemas.registry.SchemaRegistry;
import io.scorestream.schemas.registry.TopicNameStrategy;
import io.scorestream.schemas.serde.ConfluentAvroSerializer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/**
 * Feature-topic values that cannot be scored, one {@link Kind} per way a record goes wrong, each
 * made from a real {@link Transaction} so that whoever produces it still knows which transaction
 * it stands for. The demo mixes them into its stream ({@code --poison-rate}); the hostile-input
 * tests use them too.
 *
 * <p>The {@linkplain Kind#MISSING_MAPPED_FIELD older schema} is registered under the topic's
 * subject at construction: build this after the scoring application has started, or the
 * application would take the older schema for the topic's current one.
 *
 * <p>Thread-safe (the serializers are); does not own the schema registry.
 */
public final class PoisonRecords {

    /** The mapped feature the {@linkplain Kind#MISSING_MAPPED_FIELD older schema} lacks. */
    public static final String DROPPED_FIELD = "amount";
    /** The feature the non-finite kinds overwrite. */
    public static final String NON_FINITE_FIELD = "v7";
    /** A schema id no registry hands out in a demo or a test. */
    public static final int UNKNOWN_SCHEMA_ID = Integer.MAX_VALUE;

    /** How a value is poisoned, and the dead-letter reason it must get. */
    public enum Kind {
        /** The transaction as JSON text: not Confluent wire format at all. */
        NOT_AVRO("wrong_magic_byte"),
        /** Valid bytes whose magic byte is 1 instead of 0. */
        WRONG_MAGIC_BYTE("wrong_magic_byte"),
        /** Valid bytes whose schema id is {@link #UNKNOWN_SCHEMA_ID}. */
        UNKNOWN_SCHEMA_ID("unknown_schema_id"),
        /** The first 3 bytes: not even room for the schema id. */
        TRUNCATED_HEADER("truncated"),
        /** The 5-byte header and no Avro body. */
        HEADER_ONLY("malformed_avro"),
        /** The header and the first half of the body. */
        HALF_BODY("malformed_avro"),
        /** Valid bytes followed by 8 junk bytes. */
        TRAILING_BYTES("trailing_bytes"),
        /** {@link #NON_FINITE_FIELD} is NaN. */
        NAN_FEATURE("non_finite"),
        /** {@link #NON_FINITE_FIELD} is +Infinity. */
        POSITIVE_INFINITY("non_finite"),
        /** {@link #NON_FINITE_FIELD} is -Infinity. */
        NEGATIVE_INFINITY("non_finite"),
        /** Written with an older Transaction schema that has no {@link #DROPPED_FIELD}. */
        MISSING_MAPPED_FIELD("schema_mismatch"),
        /** A null value (a tombstone). */
        NULL_VALUE("null_value");

        private final String reason;

        Kind(String reason) {
            this.reason = reason;
        }

        /** The {@code scorestream.errors.reason} its dead letter carries. */
        public String reason() {
            return reason;
        }
    }

    private final String topic;
    private final ConfluentAvroSerializer<Transaction> transactions;
    private final ConfluentAvroSerializer<GenericRecord> generic;
    private final Schema olderSchema;

    /**
     * @param schemas the registry the feature topic's serializers use; the older schema is
     *     registered in it under {@code topic}'s value subject
     * @param topic the feature topic the values are for
     */
    public PoisonRecords(SchemaRegistry schemas, String topic) {
        this.topic = Objects.requireNonNull(topic, "topic");
        this.transactions = ConfluentAvroSerializer.specific(schemas, Transaction.class, false);
        this.generic = ConfluentAvroSerializer.generic(schemas, false);
        this.olderSchema = withoutField(Transaction.getClassSchema(), DROPPED_FIELD);
        schemas.register(TopicNameStrategy.subject(topic, false), olderSchema);
    }

    /** The older Transaction schema: the current one without {@link #DROPPED_FIELD}. */
    public Schema olderSchema() {
        return olderSchema;
    }

    /**
     * The value of kind {@code kind} standing for {@code t}; {@code t} itself is not modified.
     *
     * @return the bytes, or null for {@link Kind#NULL_VALUE}
     */
    public byte[] value(Kind kind, Transaction t) {
        return switch (kind) {
            case NOT_AVRO -> json(t).getBytes(StandardCharsets.UTF_8);
            case WRONG_MAGIC_BYTE -> {
                final byte[] b = valid(t);
                b[0] = 1;
                yield b;
            }
            case UNKNOWN_SCHEMA_ID -> {
                final byte[] b = valid(t);
                ByteBuffer.wrap(b).putInt(1, UNKNOWN_SCHEMA_ID);
                yield b;
            }
            case TRUNCATED_HEADER -> Arrays.copyOf(valid(t), 3);
            case HEADER_ONLY -> Arrays.copyOf(valid(t), 5);
            case HALF_BODY -> {
                final byte[] b = valid(t);
                yield Arrays.copyOf(b, 5 + (b.length - 5) / 2);
            }
            case TRAILING_BYTES -> {
                final byte[] b = valid(t);
                final byte[] longer = Arrays.copyOf(b, b.length + 8);
                Arrays.fill(longer, b.length, longer.length, (byte) 0x5a);
                yield longer;
            }
            case NAN_FEATURE -> withFeature(t, Double.NaN);
            case POSITIVE_INFINITY -> withFeature(t, Double.POSITIVE_INFINITY);
            case NEGATIVE_INFINITY -> withFeature(t, Double.NEGATIVE_INFINITY);
            case MISSING_MAPPED_FIELD -> generic.serialize(topic, asOlder(t));
            case NULL_VALUE -> null;
        };
    }

    /** {@code t} as the topic's serializer writes it. */
    public byte[] valid(Transaction t) {
        return transactions.serialize(topic, t);
    }

    private byte[] withFeature(Transaction t, double value) {
        final Transaction copy = Transaction.newBuilder(t).build();
        copy.put(copy.getSchema().getField(NON_FINITE_FIELD).pos(), value);
        return valid(copy);
    }

    private GenericRecord asOlder(Transaction t) {
        final GenericRecord older = new GenericData.Record(olderSchema);
        for (Schema.Field f : olderSchema.getFields()) {
            final Object v = t.get(t.getSchema().getField(f.name()).pos());
            // Generic records hold timestamp-millis as its underlying long.
            older.put(f.pos(), v instanceof Instant i ? i.toEpochMilli() : v);
        }
        return older;
    }

    private static String json(Transaction t) {
        return String.format(Locale.ROOT, "{\"transaction_id\":\"%s\",\"account_id\":\"%s\",\"amount\":%s}",
                t.getTransactionId(), t.getAccountId(), t.getAmount());
    }

    /** {@code schema} (a record) without field {@code name}; every other field, doc and default kept. */
    public static Schema withoutField(Schema schema, String name) {
        final List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : schema.getFields()) {
            if (!f.name().equals(name)) {
                fields.add(new Schema.Field(f, f.schema()));
            }
        }
        return Schema.createRecord(schema.getName(), schema.getDoc(), schema.getNamespace(), false, fields);
    }
}
