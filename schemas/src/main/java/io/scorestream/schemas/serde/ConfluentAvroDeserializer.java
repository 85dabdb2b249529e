package io.scorestream.schemas.serde;

import io.scorestream.schemas.registry.SchemaRegistry;
import io.scorestream.schemas.registry.SchemaRegistryException;
import io.scorestream.schemas.serde.WireFormatException.Reason;
import java.io.IOException;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.AvroTypeException;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads records in Confluent's wire format (magic byte 0, schema id as a big-endian int, Avro
 * binary), whoever wrote them.
 *
 * <p>The writer's schema is fetched from the registry by the id in the payload and the datum is
 * resolved from it to the reader's schema, Avro's schema evolution: fields the writer lacks get
 * the reader's defaults, fields the reader lacks are skipped. The reader's schema is the generated
 * class's (specific), the one given at construction (generic), or else the writer's own (generic).
 * Writer schemas and datum readers are cached per schema id, so after the first record of a schema
 * the registry is not asked again.
 *
 * <p><b>Null:</b> {@code deserialize(topic, null)} returns {@code null} (a tombstone).
 * <b>Errors:</b> bytes that cannot be read throw {@link WireFormatException}, whose
 * {@link WireFormatException#reason()} says why; trailing bytes after the datum are rejected (see
 * {@link Reason#TRAILING_BYTES}). A registry that cannot be reached throws a plain
 * {@link SerializationException}: not the record's fault.
 *
 * <p>Generic records hold logical types as their underlying types (e.g. {@code timestamp-millis} as
 * {@code Long}) and strings as {@link org.apache.avro.util.Utf8}, unless the reading schema marks
 * them {@code "avro.java.string": "String"} (as schemas of generated classes do), as Confluent's
 * generic deserializer does; read fields as {@link CharSequence}. Generated classes hold what their
 * fields declare ({@code String}, {@code Instant}).
 *
 * <p><b>Threading:</b> thread-safe; an instance may be shared by threads. <b>Lifecycle:</b>
 * settings are fixed at construction, so {@link #configure} does nothing; {@link #close()} does
 * nothing either, and in particular does not close the registry, which belongs to whoever created
 * it.
 *
 * @param <T> the records read: {@link GenericRecord}, or a generated {@link SpecificRecord} class
 */
public final class ConfluentAvroDeserializer<T> implements Deserializer<T> {

    private static final ThreadLocal<BinaryDecoder> DECODERS = new ThreadLocal<>();

    private final SchemaRegistry registry;
    private final boolean isKey;
    /** {@code null}: read with the writer's schema. */
    private final Schema readerSchema;
    private final GenericData model;
    private final Map<Integer, Reader<T>> readers = new ConcurrentHashMap<>();
    /** The reader used last: most topics carry one schema id, and this saves boxing the id. */
    private volatile Reader<T> lastReader;

    private ConfluentAvroDeserializer(final SchemaRegistry registry, final boolean isKey,
            final Schema readerSchema, final GenericData model) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.isKey = isKey;
        this.readerSchema = readerSchema;
        this.model = model;
    }

    /** A deserializer of generic records, read with the schema they were written with. */
    public static ConfluentAvroDeserializer<GenericRecord> generic(final SchemaRegistry registry, final boolean isKey) {
        return new ConfluentAvroDeserializer<>(registry, isKey, null, GenericData.get());
    }

    /**
     * A deserializer of generic records, resolved to {@code readerSchema} (a record schema) whatever
     * compatible schema they were written with.
     */
    public static ConfluentAvroDeserializer<GenericRecord> generic(
            final SchemaRegistry registry, final Schema readerSchema, final boolean isKey) {
        Objects.requireNonNull(readerSchema, "readerSchema");
        if (readerSchema.getType() != Schema.Type.RECORD) {
            throw new IllegalArgumentException("Reader schema must be a record, got " + readerSchema.getType());
        }
        return new ConfluentAvroDeserializer<>(registry, isKey, readerSchema, GenericData.get());
    }

    /** A deserializer into the generated record class {@code type}, resolved to the class's schema. */
    public static <T extends SpecificRecord> ConfluentAvroDeserializer<T> specific(
            final SchemaRegistry registry, final Class<T> type, final boolean isKey) {
        Objects.requireNonNull(type, "type");
        final SpecificData model = SpecificData.getForClass(type);
        return new ConfluentAvroDeserializer<>(registry, isKey, model.getSchema(type), model);
    }

    /** Ignored: settings are fixed at construction. */
    @Override
    public void configure(final Map<String, ?> configs, final boolean isKey) {
        // Built programmatically; nothing to read from the client's configuration.
    }

    @Override
    public T deserialize(final String topic, final byte[] data) {
        if (data == null) {
            return null;
        }
        if (data.length > 0 && data[0] != WireFormat.MAGIC_BYTE) {
            throw new WireFormatException(Reason.WRONG_MAGIC_BYTE, topic, isKey, null, String.format(Locale.ROOT,
                    "wrong magic byte 0x%02x (expected 0x00); not Confluent wire format", data[0] & 0xff), null);
        }
        if (data.length < WireFormat.HEADER_SIZE) {
            throw new WireFormatException(Reason.TRUNCATED, topic, isKey, null, String.format(Locale.ROOT,
                    "truncated payload: %d bytes, need at least %d", data.length, WireFormat.HEADER_SIZE), null);
        }
        final int id = (data[1] & 0xff) << 24 | (data[2] & 0xff) << 16 | (data[3] & 0xff) << 8 | (data[4] & 0xff);
        Reader<T> reader = lastReader;
        if (reader == null || reader.id != id) {
            reader = readerFor(topic, id);
            lastReader = reader;
        }
        final BinaryDecoder decoder = DecoderFactory.get().binaryDecoder(
                data, WireFormat.HEADER_SIZE, data.length - WireFormat.HEADER_SIZE, DECODERS.get());
        DECODERS.set(decoder);
        final T value;
        try {
            value = reader.datumReader.read(null, decoder);
        } catch (AvroTypeException e) {
            throw new WireFormatException(Reason.INCOMPATIBLE_SCHEMA, topic, isKey, id, String.format(Locale.ROOT,
                    "writer schema id %d (%s) cannot be read as %s: %s",
                    id, reader.writerName, reader.readerName, e.getMessage()), e);
        } catch (IOException | RuntimeException e) {
            throw new WireFormatException(Reason.MALFORMED_AVRO, topic, isKey, id, String.format(Locale.ROOT,
                    "Avro payload truncated or malformed for schema id %d (%s): %s", id, reader.writerName, e), e);
        }
        try {
            if (!decoder.isEnd()) {
                throw new WireFormatException(Reason.TRAILING_BYTES, topic, isKey, id, String.format(Locale.ROOT,
                        "%d trailing bytes after the Avro datum for schema id %d (%s); "
                                + "the schema id probably does not belong to this payload",
                        decoder.inputStream().readAllBytes().length, id, reader.writerName), null);
            }
        } catch (IOException e) {
            // Cannot happen with an in-memory source; classified with the other body failures.
            throw new WireFormatException(Reason.MALFORMED_AVRO, topic, isKey, id, String.format(Locale.ROOT,
                    "Avro payload truncated or malformed for schema id %d (%s): %s", id, reader.writerName, e), e);
        }
        return value;
    }

    /** Does nothing; the registry is not closed. */
    @Override
    public void close() {
        // Nothing owned; the registry belongs to the caller.
    }

    private Reader<T> readerFor(final String topic, final int id) {
        final Reader<T> cached = readers.get(id);
        if (cached != null) {
            return cached;
        }
        final Reader<T> created = newReader(topic, id);
        final Reader<T> raced = readers.putIfAbsent(id, created);
        return raced != null ? raced : created;
    }

    private Reader<T> newReader(final String topic, final int id) {
        final Schema writerSchema;
        try {
            writerSchema = registry.getById(id);
        } catch (SchemaRegistryException e) {
            if (e.isNotFound()) {
                throw new WireFormatException(Reason.UNKNOWN_SCHEMA_ID, topic, isKey, id,
                        "unknown schema id " + id, e);
            }
            throw new SerializationException(String.format(Locale.ROOT,
                    "Cannot deserialize %s from topic '%s': the schema registry could not give schema id %d: %s",
                    isKey ? "key" : "value", topic, id, e.getMessage()), e);
        }
        final Schema reading = readerSchema != null ? readerSchema : writerSchema;
        if (reading.getType() != Schema.Type.RECORD) {
            throw new WireFormatException(Reason.INCOMPATIBLE_SCHEMA, topic, isKey, id, String.format(Locale.ROOT,
                    "writer schema id %d is a %s, not a record", id, writerSchema.getType().getName()), null);
        }
        @SuppressWarnings("unchecked")
        final DatumReader<T> datumReader = (DatumReader<T>) model.createDatumReader(writerSchema, reading);
        return new Reader<>(id, datumReader, writerSchema.getFullName(), reading.getFullName());
    }

    /** How records written with one schema id are read. */
    private static final class Reader<T> {
        final int id;
        final DatumReader<T> datumReader;
        final String writerName;
        final String readerName;

        Reader(final int id, final DatumReader<T> datumReader, final String writerName, final String readerName) {
            this.id = id;
            this.datumReader = datumReader;
            this.writerName = writerName;
            this.readerName = readerName;
        }
    }
}
