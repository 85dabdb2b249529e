package io.scorestream.schemas.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.schemas.ModelInput;
import io.scorestream.schemas.ModelSpec;
import io.scorestream.schemas.Transaction;
import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import io.scorestream.schemas.serde.WireFormatException.Reason;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.generic.GenericRecordBuilder;
import org.apache.avro.util.Utf8;
import org.junit.jupiter.api.Test;

class SchemaEvolutionTest {

    private static final Schema TRANSACTION_V1 = TestRecords.resource("avro/Transaction-v1.avsc");
    /** ModelSpec before ModelInput.dims. */
    private static final Schema MODEL_SPEC_V1 = TestRecords.resource("avro/ModelSpec-v1.avsc");

    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();

    private static GenericRecord transactionV1() {
        final GenericRecordBuilder builder = new GenericRecordBuilder(TRANSACTION_V1)
                .set("transaction_id", "tx-old")
                .set("account_id", "acct-1")
                .set("event_time", 1_600_000_000_000L);
        for (Schema.Field field : TRANSACTION_V1.getFields()) {
            if (field.schema().getType() == Schema.Type.DOUBLE) {
                builder.set(field, -field.pos() / 4.0);
            }
        }
        return builder.build();
    }

    @Test
    void currentTransactionClassReadsVersion1WithNullDefaults() {
        // given: a producer still on version 1, without embedding and is_fraud
        assertNull(TRANSACTION_V1.getField("embedding"));
        final byte[] bytes = ConfluentAvroSerializer.generic(registry, false).serialize("transactions", transactionV1());

        // when
        final Transaction read = ConfluentAvroDeserializer.specific(registry, Transaction.class, false)
                .deserialize("transactions", bytes);

        // then
        assertEquals("tx-old", read.getTransactionId());
        assertEquals(Instant.ofEpochMilli(1_600_000_000_000L), read.getEventTime());
        assertEquals(-1.0, read.getV1());
        assertEquals(-32 / 4.0, read.getAmount());
        assertNull(read.getEmbedding());
        assertNull(read.getIsFraud());
    }

    @Test
    void readsInterleavedRecordsOfOldAndNewWritersEachWithItsSchema() {
        // given: producers on both versions writing to one topic
        final byte[] old = ConfluentAvroSerializer.generic(registry, false).serialize("transactions", transactionV1());
        final byte[] current = ConfluentAvroSerializer.specific(registry, Transaction.class, false)
                .serialize("transactions", TestRecords.transaction("tx-new"));
        final ConfluentAvroDeserializer<Transaction> deserializer =
                ConfluentAvroDeserializer.specific(registry, Transaction.class, false);

        // when / then
        for (int i = 0; i < 3; i++) {
            assertNull(deserializer.deserialize("transactions", old).getIsFraud());
            assertEquals(Boolean.TRUE, deserializer.deserialize("transactions", current).getIsFraud());
        }
        assertEquals(1, old[4]);
        assertEquals(2, current[4]);
    }

    @Test
    void genericReaderOnVersion1SkipsFieldsItDoesNotKnow() {
        // given: a producer on the current version
        final byte[] bytes = ConfluentAvroSerializer.specific(registry, Transaction.class, false)
                .serialize("transactions", TestRecords.transaction("tx-new"));

        // when
        final GenericRecord read = ConfluentAvroDeserializer.generic(registry, TRANSACTION_V1, false)
                .deserialize("transactions", bytes);

        // then
        assertEquals(TRANSACTION_V1, read.getSchema());
        assertEquals(new Utf8("tx-new"), read.get("transaction_id"));
        assertEquals(32 * 1.25, read.get("amount"));
    }

    @Test
    void genericReaderWithNewerSchemaFillsDefaults() {
        // given
        final Schema newer = TestRecords.parse("{\"type\":\"record\",\"name\":\"R\",\"fields\":["
                + "{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"s\",\"type\":\"string\"},"
                + "{\"name\":\"weight\",\"type\":\"double\",\"default\":1.5},"
                + "{\"name\":\"tag\",\"type\":[\"null\",\"string\"],\"default\":null}]}");
        final GenericRecord old = new GenericData.Record(TestRecords.R);
        old.put("a", 7);
        old.put("s", "old");
        final byte[] bytes = ConfluentAvroSerializer.generic(registry, false).serialize("t", old);

        // when
        final GenericRecord read = ConfluentAvroDeserializer.generic(registry, newer, false).deserialize("t", bytes);

        // then
        assertEquals(7, read.get("a"));
        assertEquals(new Utf8("old"), read.get("s"));
        assertEquals(1.5, read.get("weight"));
        assertNull(read.get("tag"));
    }

    @Test
    void readerNeedingAFieldTheWriterLacksFailsAsIncompatible() {
        // given
        final Schema stricter = TestRecords.parse("{\"type\":\"record\",\"name\":\"R\",\"fields\":["
                + "{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"required\",\"type\":\"long\"}]}");
        final GenericRecord old = new GenericData.Record(TestRecords.R);
        old.put("a", 7);
        old.put("s", "old");
        final byte[] bytes = ConfluentAvroSerializer.generic(registry, false).serialize("t", old);

        // when
        final WireFormatException e = assertThrows(WireFormatException.class,
                () -> ConfluentAvroDeserializer.generic(registry, stricter, false).deserialize("t", bytes));

        // then
        assertEquals(Reason.INCOMPATIBLE_SCHEMA, e.reason());
        assertTrue(e.getMessage().startsWith("Cannot deserialize value from topic 't': writer schema id 1 (R) "
                + "cannot be read as R"), e.getMessage());
        assertTrue(e.getMessage().contains("required"), e.getMessage());
    }

    @Test
    void currentModelSpecClassReadsSpecsWrittenBeforeInputDimsWithNullDims() {
        // given: a spec as a publisher on version 1, without ModelInput.dims, wrote it
        assertNull(MODEL_SPEC_V1.getField("inputs").schema().getElementType().getField("dims"));
        final byte[] current = ConfluentAvroSerializer.specific(registry, ModelSpec.class, false)
                .serialize("models", TestRecords.modelSpec());
        final GenericRecord asVersion1 = ConfluentAvroDeserializer.generic(registry, MODEL_SPEC_V1, false)
                .deserialize("models", current);
        final byte[] old = ConfluentAvroSerializer.generic(registry, false).serialize("models", asVersion1);

        // when
        final ModelSpec read = ConfluentAvroDeserializer.specific(registry, ModelSpec.class, false)
                .deserialize("models", old);

        // then
        assertEquals(2, old[4], "written with the version 1 schema, registered second");
        assertEquals(TestRecords.modelSpec(), read);
        assertNull(read.getInputs().get(0).getDims());
        assertEquals(3, read.getInputs().get(0).getColumns().get(2).getWidth());
    }

    @Test
    void aVersion1ReaderSkipsTheDimsOfANewerSpecAndTheCurrentClassKeepsThem() {
        // given: a spec whose first input gives its dims
        final ModelSpec spec = TestRecords.modelSpec();
        final List<ModelInput> inputs = new ArrayList<>(spec.getInputs());
        inputs.set(0, ModelInput.newBuilder(inputs.get(0)).setDims(List.of(1L, 5L)).build());
        spec.setInputs(inputs);
        final byte[] bytes = ConfluentAvroSerializer.specific(registry, ModelSpec.class, false)
                .serialize("models", spec);

        // when
        final GenericRecord old = ConfluentAvroDeserializer.generic(registry, MODEL_SPEC_V1, false)
                .deserialize("models", bytes);
        final ModelSpec current = ConfluentAvroDeserializer.specific(registry, ModelSpec.class, false)
                .deserialize("models", bytes);

        // then
        final GenericRecord input = (GenericRecord) ((List<?>) old.get("inputs")).get(0);
        assertEquals(new Utf8("float_input"), input.get("input_name"));
        assertNull(input.getSchema().getField("dims"));
        assertEquals(List.of(1L, 5L), current.getInputs().get(0).getDims());
        assertNull(current.getInputs().get(1).getDims());
    }
}
