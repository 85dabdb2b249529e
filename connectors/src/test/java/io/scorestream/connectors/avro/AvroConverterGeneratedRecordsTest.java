package io.scorestream.connectors.avro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.scorestream.schemas.ClassProbability;
import io.scorestream.schemas.ScoreResult;
import io.scorestream.schemas.Transaction;
import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import io.scorestream.schemas.serde.ConfluentAvroDeserializer;
import io.scorestream.schemas.serde.ConfluentAvroSerializer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;
import org.junit.jupiter.api.Test;

/** Records of our own generated classes, written by our serializer, read by the converter, and back. */
class AvroConverterGeneratedRecordsTest {

    private static final Instant EVENT_TIME = Instant.parse("2024-05-01T12:00:00.123Z");
    private static final Instant SCORED_AT = Instant.parse("2024-05-01T12:00:00.456Z");

    private static ScoreResult scoreResult() {
        final Map<String, Double> probabilities = new LinkedHashMap<>();
        probabilities.put("fraud", 0.9);
        probabilities.put("ok", 0.1);
        return ScoreResult.newBuilder()
                .setEventId("tx-1")
                .setKey(null)
                .setModelName("fraud")
                .setModelVersion("3")
                .setScore(0.9)
                .setDecision(true)
                .setLabel("fraud")
                .setClassProbabilities(probabilities)
                .setEventTime(EVENT_TIME)
                .setScoredAt(SCORED_AT)
                .setBatchSize(64)
                .setInferenceMicros(1234L)
                .setLatencyMs(333L)
                .setSourceTopic("transactions")
                .setSourcePartition(2)
                .setSourceOffset(42L)
                .setRole("stable")
                .setTopClasses(List.of(new ClassProbability("fraud", 0.9), new ClassProbability("ok", 0.1)))
                .build();
    }

    @Test
    void readsAScoreResultWrittenByOurSerializerIntoAStruct() {
        // given
        final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        final byte[] bytes = ConfluentAvroSerializer.specific(registry, ScoreResult.class, false)
                .serialize("scores", scoreResult());
        final AvroConverter converter = new AvroConverter(registry);
        converter.configure(Map.of(), false);

        // when
        final SchemaAndValue read = converter.toConnectData("scores", bytes);

        // then
        final Schema schema = read.schema();
        assertEquals("io.scorestream.schemas.ScoreResult", schema.name());
        assertEquals(Timestamp.SCHEMA, schema.field("event_time").schema());
        assertEquals(Schema.Type.MAP, schema.field("class_probabilities").schema().type());
        assertEquals("io.scorestream.schemas.ClassProbability",
                schema.field("top_classes").schema().valueSchema().name());
        final Struct struct = (Struct) read.value();
        assertEquals("tx-1", struct.getString("event_id"));
        assertNull(struct.get("key"));
        assertEquals(0.9, struct.getFloat64("score"));
        assertEquals(true, struct.getBoolean("decision"));
        assertEquals(new java.util.Date(EVENT_TIME.toEpochMilli()), struct.get("event_time"));
        assertEquals(new java.util.Date(SCORED_AT.toEpochMilli()), struct.get("scored_at"));
        assertEquals(Map.of("fraud", 0.9, "ok", 0.1), struct.getMap("class_probabilities"));
        final List<Struct> top = struct.getArray("top_classes");
        assertEquals(2, top.size());
        assertEquals("fraud", top.get(0).getString("class_label"));
        assertEquals(0.9, top.get(0).getFloat64("probability"));
        assertEquals("ok", top.get(1).getString("class_label"));
        assertEquals(2, struct.getInt32("source_partition"));
        assertEquals(42L, struct.getInt64("source_offset"));
        assertEquals(1234L, struct.getInt64("inference_micros"));
    }

    @Test
    void aScoreResultStructWrittenByTheConverterIsReadByOurDeserializerIntoTheGeneratedClass() {
        // given: a Struct read from a ScoreResult, as a sink would pass it on
        final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        final AvroConverter converter = new AvroConverter(registry);
        converter.configure(Map.of(), false);
        final SchemaAndValue read = converter.toConnectData("scores",
                ConfluentAvroSerializer.specific(registry, ScoreResult.class, false).serialize("scores", scoreResult()));

        // when
        final byte[] bytes = converter.fromConnectData("scores-copy", read.schema(), read.value());

        // then
        final ScoreResult back = ConfluentAvroDeserializer.specific(registry, ScoreResult.class, false)
                .deserialize("scores-copy", bytes);
        assertEquals(scoreResult(), back);
    }

    @Test
    void readsATransactionWithItsEmbeddingAndOptionalLabel() {
        // given
        final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        final Transaction.Builder builder = Transaction.newBuilder()
                .setTransactionId("tx-9")
                .setAccountId("acc-1")
                .setEventTime(EVENT_TIME)
                .setElapsedSeconds(12.5)
                .setAmount(99.95)
                .setEmbedding(List.of(0.5f, -1.0f))
                .setIsFraud(null);
        final List<Double> vs = new ArrayList<>();
        for (int i = 1; i <= 28; i++) {
            vs.add(i / 100.0);
        }
        builder.setV1(vs.get(0)).setV2(vs.get(1)).setV3(vs.get(2)).setV4(vs.get(3)).setV5(vs.get(4))
                .setV6(vs.get(5)).setV7(vs.get(6)).setV8(vs.get(7)).setV9(vs.get(8)).setV10(vs.get(9))
                .setV11(vs.get(10)).setV12(vs.get(11)).setV13(vs.get(12)).setV14(vs.get(13)).setV15(vs.get(14))
                .setV16(vs.get(15)).setV17(vs.get(16)).setV18(vs.get(17)).setV19(vs.get(18)).setV20(vs.get(19))
                .setV21(vs.get(20)).setV22(vs.get(21)).setV23(vs.get(22)).setV24(vs.get(23)).setV25(vs.get(24))
                .setV26(vs.get(25)).setV27(vs.get(26)).setV28(vs.get(27));
        final byte[] bytes = ConfluentAvroSerializer.specific(registry, Transaction.class, false)
                .serialize("transactions", builder.build());
        final AvroConverter converter = new AvroConverter(registry);
        converter.configure(Map.of(), false);

        // when
        final Struct struct = (Struct) converter.toConnectData("transactions", bytes).value();

        // then
        assertEquals("tx-9", struct.getString("transaction_id"));
        assertEquals(new java.util.Date(EVENT_TIME.toEpochMilli()), struct.get("event_time"));
        assertEquals(List.of(0.5f, -1.0f), struct.getArray("embedding"));
        assertEquals(0.28, struct.getFloat64("v28"));
        assertNull(struct.get("is_fraud"));
        assertEquals(Schema.OPTIONAL_BOOLEAN_SCHEMA, struct.schema().field("is_fraud").schema());
    }
}
