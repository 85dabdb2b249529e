package io.scorestream.topology.serde;

import io.scorestream.schemas.registry.SchemaRegistry;
import io.scorestream.schemas.serde.ConfluentAvroDeserializer;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Serde of {@link FeatureEvent}s: decodes Confluent-wire-format Avro of any record schema (bad
 * bytes throw {@link io.scorestream.schemas.serde.WireFormatException}, which Kafka Streams hands to
 * the deserialization exception handler), and serializes by returning the original bytes.
 * Thread-safe; does not own the schema registry.
 */
public final class FeatureEventSerde implements Serde<FeatureEvent> {

    private final ConfluentAvroDeserializer<GenericRecord> avro;

    public FeatureEventSerde(SchemaRegistry registry) {
        this.avro = ConfluentAvroDeserializer.generic(registry, false);
    }

    @Override
    public Serializer<FeatureEvent> serializer() {
        return (topic, event) -> event == null ? null : event.raw();
    }

    @Override
    public Deserializer<FeatureEvent> deserializer() {
        return this::deserialize;
    }

    /** Decodes {@code data} read from {@code topic}; null stays null. */
    public FeatureEvent deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        final GenericRecord record = avro.deserialize(topic, data);
        return new FeatureEvent(data, record);
    }
}
