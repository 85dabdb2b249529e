package io.scorestream.schemas.serde;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.ScoreResult;
import io.scorestream.schemas.Transaction;
import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.util.Utf8;
import org.apache.kafka.common.serialization.Serde;
import org.junit.jupiter.api.Test;

class RoundTripTest {

    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();

    @Test
    void genericRecordComesBackEqual() {
        // given
        final GenericRecord record = new GenericData.Record(TestRecords.R);
        record.put("a", 42);
        record.put("s", new Utf8("héllo"));
        final Serde<GenericRecord> serde = AvroSerdes.generic(registry, false);

        // when
        final GenericRecord back = serde.deserializer().deserialize("t",
                serde.serializer().serialize("t", record));

        // then
        assertEquals(record, back);
        assertEquals(TestRecords.R, back.getSchema());
    }

    @Test
    void transactionComesBackEqual() {
        // given
        final Transaction transaction = TestRecords.transaction("tx-1");
        final Serde<Transaction> serde = AvroSerdes.specific(registry, Transaction.class, false);

        // when
        final Transaction back = serde.deserializer().deserialize("transactions",
                serde.serializer().serialize("transactions", transaction));

        // then
        assertEquals(transaction, back);
        assertEquals(Instant.ofEpochMilli(1_700_000_000_123L), back.getEventTime());
        assertEquals(List.of(0.5f, -1.0f, 2.25f), back.getEmbedding());
        assertEquals(32 * 1.25, back.getAmount());
    }

    @Test
    void scoreResultComesBackEqual() {
        // given
        final ScoreResult score = TestRecords.scoreResult();
        final Serde<ScoreResult> serde = AvroSerdes.specific(registry, ScoreResult.class, false);

        // when
        final ScoreResult back = serde.deserializer().deserialize("scores", serde.serializer().serialize("scores", score));

        // then
        assertEquals(score, back);
        assertEquals(Map.of("0", 0.07, "1", 0.93), back.getClassProbabilities());
        assertEquals(123_456_789_012L, back.getSourceOffset());
    }

    @Test
    void modelSpecWithNestedArraysMapsAndBytesComesBackEqual() {
        // given
        final ModelSpec spec = TestRecords.modelSpec();
        final Serde<ModelSpec> serde = AvroSerdes.specific(registry, ModelSpec.class, false);

        // when
        final ModelSpec back = serde.deserializer().deserialize("models", serde.serializer().serialize("models", spec));

        // then
        assertEquals(spec, back);
        final ByteBuffer artifact = back.getArtifactBytes();
        final byte[] bytes = new byte[artifact.remaining()];
        artifact.get(bytes);
        assertArrayEquals(new byte[] {0x08, 0x07, 0x12, (byte) 0xff, 0x00}, bytes);
        assertEquals(3, back.getInputs().get(0).getColumns().get(2).getWidth());
        assertEquals(List.of(), back.getInputs().get(1).getColumns());
        assertEquals("risk-team", back.getMetadata().get("owner"));
        assertNull(back.getArtifactUri());
    }

    @Test
    void specificRecordReadsBackAsGenericRecord() {
        // given
        final ScoreResult score = TestRecords.scoreResult();
        final byte[] bytes = ConfluentAvroSerializer.specific(registry, ScoreResult.class, false).serialize("scores", score);

        // when
        final GenericRecord back = ConfluentAvroDeserializer.generic(registry, false).deserialize("scores", bytes);

        // then: the generated class's schema says avro.java.string=String, so strings are Strings
        assertEquals("fraud", back.get("model_name"));
        assertEquals(1_700_000_000_000L, back.get("event_time"));
        assertEquals(0.93, back.get("score"));
    }

    @Test
    void tombstonesStayNull() {
        // given
        final Serde<Transaction> serde = AvroSerdes.specific(registry, Transaction.class, false);

        // when
        final byte[] bytes = serde.serializer().serialize("transactions", null);
        final Transaction back = serde.deserializer().deserialize("transactions", null);

        // then
        assertNull(bytes);
        assertNull(back);
    }

    @Test
    void keySerdeRoundTripsUnderTheKeySubject() {
        // given
        final Serde<ModelSpec> serde = AvroSerdes.specific(registry, ModelSpec.class, true);

        // when
        final ModelSpec back = serde.deserializer().deserialize("models",
                serde.serializer().serialize("models", TestRecords.modelSpec()));

        // then
        assertEquals(TestRecords.modelSpec(), back);
        assertEquals(ModelSpec.getClassSchema(), registry.latest("models-key").schema());
    }
}
