package io.scorestream.connectors.jdbc;

import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.sink.SinkRecord;

/**
 * {@code ScoreResult} records as Connect data, the way an Avro converter hands them to a sink:
 * {@code schemas/src/main/avro/ScoreResult.avsc} field by field (unions with null → optional,
 * timestamp-millis → {@link Timestamp}, map → map with string keys, the array of records → an
 * array of structs).
 */
final class ScoreStructs {

    static final Schema CLASS_PROBABILITY = SchemaBuilder.struct().name("io.scorestream.schemas.ClassProbability")
            .field("class_label", Schema.STRING_SCHEMA)
            .field("probability", Schema.FLOAT64_SCHEMA)
            .build();

    static final Schema SCORE_RESULT = SchemaBuilder.struct().name("io.scorestream.schemas.ScoreResult")
            .field("event_id", Schema.STRING_SCHEMA)
            .field("key", Schema.OPTIONAL_STRING_SCHEMA)
            .field("model_name", Schema.STRING_SCHEMA)
            .field("model_version", Schema.STRING_SCHEMA)
            .field("score", Schema.FLOAT64_SCHEMA)
            .field("decision", Schema.BOOLEAN_SCHEMA)
            .field("label", Schema.OPTIONAL_STRING_SCHEMA)
            .field("class_probabilities", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.FLOAT64_SCHEMA)
                    .optional().build())
            .field("event_time", Timestamp.SCHEMA)
            .field("scored_at", Timestamp.SCHEMA)
            .field("batch_size", Schema.INT32_SCHEMA)
            .field("inference_micros", Schema.INT64_SCHEMA)
            .field("latency_ms", Schema.INT64_SCHEMA)
            .field("source_topic", Schema.OPTIONAL_STRING_SCHEMA)
            .field("source_partition", Schema.OPTIONAL_INT32_SCHEMA)
            .field("source_offset", Schema.OPTIONAL_INT64_SCHEMA)
            .field("role", Schema.OPTIONAL_STRING_SCHEMA)
            .field("top_classes", SchemaBuilder.array(CLASS_PROBABILITY).optional().build())
            .build();

    /** Event time of event {@code e-0}; event {@code e-n} is n seconds later. */
    static final long EVENT_TIME_MS = 1_796_000_000_123L;

    private ScoreStructs() {
    }

    /** A minimal score of event {@code eventId} by model fraud v3, role stable: optional fields null. */
    static Struct score(final String eventId, final double score) {
        final long n = eventId.hashCode() & 0xffffL;
        return new Struct(SCORE_RESULT)
                .put("event_id", eventId)
                .put("model_name", "fraud")
                .put("model_version", "3")
                .put("score", score)
                .put("decision", score >= 0.5)
                .put("event_time", new Date(EVENT_TIME_MS + n))
                .put("scored_at", new Date(EVENT_TIME_MS + n + 7))
                .put("batch_size", 64)
                .put("inference_micros", 1234L)
                .put("latency_ms", 7L)
                .put("role", "stable");
    }

    /** A score with every optional field set: key, label, class probabilities, source, top classes. */
    static Struct fullScore(final String eventId, final double fraud) {
        final Map<String, Double> probabilities = new LinkedHashMap<>();
        probabilities.put("fraud", fraud);
        probabilities.put("ok", 1 - fraud);
        return score(eventId, fraud)
                .put("key", "card-42")
                .put("label", fraud >= 0.5 ? "fraud" : "ok")
                .put("class_probabilities", probabilities)
                .put("source_topic", "transactions")
                .put("source_partition", 2)
                .put("source_offset", 99L)
                .put("top_classes", List.of(
                        new Struct(CLASS_PROBABILITY).put("class_label", "fraud").put("probability", fraud),
                        new Struct(CLASS_PROBABILITY).put("class_label", "ok").put("probability", 1 - fraud)));
    }

    /** {@code value} as the record at {@code offset} of partition 0 of {@code topic}. */
    static SinkRecord record(final String topic, final long offset, final Struct value) {
        return new SinkRecord(topic, 0, Schema.STRING_SCHEMA, "k" + offset, value == null ? null : value.schema(),
                value, offset);
    }
}
