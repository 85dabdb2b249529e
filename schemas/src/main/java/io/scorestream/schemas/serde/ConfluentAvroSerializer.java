package io.scorestream.schemas.serde;

import io.scorestream.schemas.registry.SchemaRegistry;
import io.scorestream.schemas.registry.SchemaRegistryException;
import io.scorestream.schemas.registry.TopicNameStrategy;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericContainer;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes Avro records in Confluent's wire format (magic byte 0, schema id as a big-endian int, Avro
 * binary), so that Confluent's deserializers, and ours, can read them.
 *
 * <p>The writer schema is the record's own ({@link GenericContainer#getSchema()}); its id is the one
 * it has under the subject of the topic ({@link TopicNameStrategy}). With auto-registration (the
 * default) the schema is registered there if it is not yet; without it, it must already be, and
 * the registry is only asked for its id. Ids and datum writers are cached per topic and schema, so
 * after the first record of a schema neither the registry nor Avro's writer construction is touched.
 *
 * <p><b>Null:</b> {@code serialize(topic, null)} returns {@code null} (a tombstone).
 * <b>Errors</b> are {@link SerializationException}s naming the topic: the registry refused or could
 * not be reached, or the record does not match its schema (the message then names the field where
 * Avro can tell).
 *
 * <p><b>Threading:</b> thread-safe; an instance may be shared by threads. Each thread reuses its own
 * output buffer and encoder. <b>Lifecycle:</b> settings are fixed at construction, so
 * {@link #configure} does nothing; {@link #close()} does nothing either, and in particular does not
 * close the registry, which belongs to whoever created it.
 *
 * @param <T> the records written: {@link GenericRecord}, or a generated {@link SpecificRecord} class
 */
public final class ConfluentAvroSerializer<T extends GenericContainer> implements Serializer<T> {

    /** A thread keeps its buffer between records unless a record made it grow beyond this. */
    private static final int MAX_RETAINED_BUFFER = 1 << 20;
    private static final ThreadLocal<Buffer> BUFFERS = ThreadLocal.withInitial(Buffer::new);

    private final SchemaRegistry registry;
    private final boolean isKey;
    private final boolean autoRegister;
    private final GenericData model;
    private final Map<String, TopicIds> idsByTopic = new ConcurrentHashMap<>();
    private final Map<Schema, DatumWriter<Object>> writers = new ConcurrentHashMap<>();

    private ConfluentAvroSerializer(
            final SchemaRegistry registry, final boolean isKey, final boolean autoRegister, final GenericData model) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.isKey = isKey;
        this.autoRegister = autoRegister;
        this.model = model;
    }

    /**
     * A serializer of generic records, for the keys ({@code isKey}) or values of topics, that
     * auto-registers schemas. Logical types are written from their underlying types (e.g. a
     * {@code timestamp-millis} field holds a {@code Long}).
     */
    public static ConfluentAvroSerializer<GenericRecord> generic(final SchemaRegistry registry, final boolean isKey) {
        return new ConfluentAvroSerializer<>(registry, isKey, true, GenericData.get());
    }

    /**
     * A serializer of the generated record class {@code type}, for the keys ({@code isKey}) or
     * values of topics, that auto-registers the class's schema. Logical types are written with the
     * class's conversions (e.g. a {@code timestamp-millis} field holds an {@code Instant}).
     */
    public static <T extends SpecificRecord> ConfluentAvroSerializer<T> specific(
            final SchemaRegistry registry, final Class<T> type, final boolean isKey) {
        Objects.requireNonNull(type, "type");
        return new ConfluentAvroSerializer<>(registry, isKey, true, SpecificData.getForClass(type));
    }

    /**
     * Returns a serializer like this one that registers schemas ({@code true}) or only looks up the
     * ids of schemas already registered ({@code false}, for registries where producers may not
     * register). Caches are not shared with this one.
     */
    public ConfluentAvroSerializer<T> withAutoRegister(final boolean autoRegister) {
        return new ConfluentAvroSerializer<>(registry, isKey, autoRegister, model);
    }

    /** Ignored: settings are fixed at construction. */
    @Override
    public void configure(final Map<String, ?> configs, final boolean isKey) {
        // Built programmatically; nothing to read from the client's configuration.
    }

    @Override
    public byte[] serialize(final String topic, final T data) {
        if (data == null) {
            return null;
        }
        if (topic == null) {
            throw new SerializationException("Cannot serialize " + what() + " without a topic: the subject is named after it");
        }
        final Schema schema = data.getSchema();
        final int id = schemaId(topic, schema);
        DatumWriter<Object> writer = writers.get(schema);
        if (writer == null) {
            writer = writers.computeIfAbsent(schema, this::newWriter);
        }
        final Buffer buffer = BUFFERS.get();
        try {
            // Configure first: a reused encoder flushes anything left from a failed record into the
            // stream, which reset() then discards.
            final BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(buffer.out, buffer.encoder);
            buffer.encoder = encoder;
            buffer.out.reset();
            buffer.out.write(WireFormat.MAGIC_BYTE);
            buffer.out.write(id >>> 24);
            buffer.out.write(id >>> 16);
            buffer.out.write(id >>> 8);
            buffer.out.write(id);
            writer.write(data, encoder);
            encoder.flush();
            return buffer.out.toByteArray();
        } catch (IOException | RuntimeException e) {
            buffer.encoder = null;
            throw new SerializationException(String.format(Locale.ROOT,
                    "Cannot serialize %s for topic '%s' with schema id %d (%s): %s",
                    what(), topic, id, schema.getFullName(), e.getMessage()), e);
        } finally {
            if (buffer.out.size() > MAX_RETAINED_BUFFER) {
                BUFFERS.remove();
            }
        }
    }

    /** Does nothing; the registry is not closed. */
    @Override
    public void close() {
        // Nothing owned; the registry belongs to the caller.
    }

    /**
     * The id of {@code schema} under the subject of {@code topic}, registering it when this
     * serializer auto-registers; cached after the first call. Throws a {@link SerializationException}
     * naming the topic and subject when the registry refuses or cannot be reached.
     */
    int schemaId(final String topic, final Schema schema) {
        TopicIds topicIds = idsByTopic.get(topic);
        if (topicIds == null) {
            topicIds = idsByTopic.computeIfAbsent(topic, t -> new TopicIds(TopicNameStrategy.subject(t, isKey)));
        }
        final Integer cached = topicIds.ids.get(schema);
        if (cached != null) {
            return cached;
        }
        final int id;
        try {
            id = autoRegister ? registry.register(topicIds.subject, schema) : registry.idOf(topicIds.subject, schema);
        } catch (SchemaRegistryException e) {
            throw new SerializationException(String.format(Locale.ROOT,
                    "Cannot serialize %s for topic '%s': schema %s %s under subject '%s': %s",
                    what(), topic, schema.getFullName(),
                    autoRegister ? "could not be registered" : "has no id (auto-registration is off)",
                    topicIds.subject, e.getMessage()), e);
        }
        topicIds.ids.put(schema, id);
        return id;
    }

    @SuppressWarnings("unchecked")
    private DatumWriter<Object> newWriter(final Schema schema) {
        return (DatumWriter<Object>) model.createDatumWriter(schema);
    }

    private String what() {
        return isKey ? "key" : "value";
    }

    /** The subject of one topic and the ids its schemas have there. */
    private static final class TopicIds {
        final String subject;
        final Map<Schema, Integer> ids = new ConcurrentHashMap<>();

        TopicIds(final String subject) {
            this.subject = subject;
        }
    }

    /** One thread's reusable output: the stream the record is written to and the encoder over it. */
    private static final class Buffer {
        final ByteArrayOutputStream out = new ByteArrayOutputStream(256);
        BinaryEncoder encoder;
    }
}
