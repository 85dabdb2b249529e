package io.scorestream.topology.serde;

import io.scorestream.schemas.registry.SchemaRegistry;
import io.scorestream.schemas.serde.AvroCursor;
import io.scorestream.schemas.serde.ConfluentAvroDeserializer;
import io.scorestream.schemas.serde.WireFormat;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Serde of {@link FeatureEvent}s: reads Confluent-wire-format Avro of any record schema (bad bytes
 * throw {@link io.scorestream.schemas.serde.WireFormatException}, which Kafka Streams hands to the
 * deserialization exception handler), and serializes by returning the original bytes.
 *
 * <p><b>Fast decoding</b> (the default): a value is not decoded here. Its writer schema is looked up
 * by id (cached) and its bytes are walked once with an {@link AvroCursor}, which checks that the
 * whole datum is readable and nothing trails it while materialising nothing; the event then holds
 * a {@link LazyRecord} that decodes only if a field is asked for. Anything the walk does not accept
 * (a malformed body, an unknown schema id, a header that is not the wire format, a registry that
 * cannot be reached) is decoded by the generic deserializer on the spot, so bad bytes fail exactly
 * as they did before, with the same exception and reason. Without fast decoding every value is
 * decoded eagerly by the generic deserializer.
 *
 * <p>Thread-safe; does not own the schema registry.
 */
public final class FeatureEventSerde implements Serde<FeatureEvent> {

    private static final ThreadLocal<AvroCursor> CURSORS = ThreadLocal.withInitial(AvroCursor::new);

    private final SchemaRegistry registry;
    private final ConfluentAvroDeserializer<GenericRecord> avro;
    private final boolean fast;
    private final Map<Integer, Schema> writers = new ConcurrentHashMap<>();
    /** The writer schema used last, with its id: most topics carry one schema id. */
    private volatile IdSchema last;
    /** The decoding source made last: a task reads one topic, or a few, each mostly with one schema. */
    private volatile LazyRecord.Source lastSource;

    /** A serde with fast decoding. */
    public FeatureEventSerde(SchemaRegistry registry) {
        this(registry, true);
    }

    /** @param fast whether values are checked and decoded lazily (see the class comment) */
    public FeatureEventSerde(SchemaRegistry registry, boolean fast) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.avro = ConfluentAvroDeserializer.generic(registry, false);
        this.fast = fast;
    }

    /** Whether values are decoded lazily. */
    public boolean fast() {
        return fast;
    }

    @Override
    public Serializer<FeatureEvent> serializer() {
        return (topic, event) -> event == null ? null : event.raw();
    }

    @Override
    public Deserializer<FeatureEvent> deserializer() {
        return this::deserialize;
    }

    /** Reads {@code data} read from {@code topic}; null stays null. */
    public FeatureEvent deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        if (fast && data.length >= WireFormat.HEADER_SIZE && data[0] == WireFormat.MAGIC_BYTE) {
            final int id = (data[1] & 0xff) << 24 | (data[2] & 0xff) << 16 | (data[3] & 0xff) << 8
                    | (data[4] & 0xff);
            final Schema schema = writerSchema(id);
            if (schema != null && readable(schema, data)) {
                // The event is the lazy record itself: one object per event.
                return LazyRecord.of(data, source(topic, schema));
            }
        }
        return new FeatureEvent(data, avro.deserialize(topic, data));
    }

    /**
     * The shared decoding source of {@code topic}'s events written with {@code schema}: the last one
     * made, or a new one for another topic or schema.
     */
    private LazyRecord.Source source(String topic, Schema schema) {
        final LazyRecord.Source seen = lastSource;
        if (seen != null && seen.schema() == schema && Objects.equals(seen.topic(), topic)) {
            return seen;
        }
        final LazyRecord.Source made = new LazyRecord.Source(topic, schema, avro);
        lastSource = made;
        return made;
    }

    private static boolean readable(Schema schema, byte[] data) {
        final AvroCursor cursor = CURSORS.get().reset(data, WireFormat.HEADER_SIZE,
                data.length - WireFormat.HEADER_SIZE);
        try {
            cursor.skip(schema);
            return cursor.isEnd();
        } catch (AvroCursor.Malformed e) {
            return false;
        }
    }

    /** The record writer schema of {@code id}; null when it is not a record or cannot be had now. */
    private Schema writerSchema(int id) {
        final IdSchema seen = last;
        if (seen != null && seen.id == id) {
            return seen.schema;
        }
        Schema schema = writers.get(id);
        if (schema == null) {
            try {
                schema = registry.getById(id);
            } catch (RuntimeException e) {
                // The generic deserializer asks again and fails as it always did.
                return null;
            }
            if (schema == null || schema.getType() != Schema.Type.RECORD) {
                return null;
            }
            writers.put(id, schema);
        }
        last = new IdSchema(id, schema);
        return schema;
    }

    private record IdSchema(int id, Schema schema) {
    }
}
