package io.scorestream.schemas.serde;

import io.scorestream.schemas.registry.SchemaRegistry;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * Serdes in Confluent's Avro wire format, for Kafka Streams ({@code Consumed.with},
 * {@code Produced.with}, stores). Each pairs a {@link ConfluentAvroSerializer} that auto-registers
 * schemas with a {@link ConfluentAvroDeserializer}; for other combinations (no auto-registration,
 * a generic reader schema) build the two and join them with
 * {@link Serdes#serdeFrom(org.apache.kafka.common.serialization.Serializer,
 * org.apache.kafka.common.serialization.Deserializer)}.
 *
 * <p>The serdes are thread-safe, ignore {@code configure} and do not close the registry, which
 * belongs to the caller and may be shared by any number of serdes.
 */
public final class AvroSerdes {

    private AvroSerdes() {
    }

    /** A serde of generic records, read with the schema they were written with. */
    public static Serde<GenericRecord> generic(final SchemaRegistry registry, final boolean isKey) {
        return Serdes.serdeFrom(
                ConfluentAvroSerializer.generic(registry, isKey),
                ConfluentAvroDeserializer.generic(registry, isKey));
    }

    /** A serde of the generated record class {@code type}, read with the class's schema. */
    public static <T extends SpecificRecord> Serde<T> specific(
            final SchemaRegistry registry, final Class<T> type, final boolean isKey) {
        return Serdes.serdeFrom(
                ConfluentAvroSerializer.specific(registry, type, isKey),
                ConfluentAvroDeserializer.specific(registry, type, isKey));
    }
}
