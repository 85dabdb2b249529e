package io.scorestream.schemas.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.schemas.Transaction;
import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import io.scorestream.schemas.registry.RegisteredSchema;
import io.scorestream.schemas.registry.SchemaRegistry;
import io.scorestream.schemas.registry.SchemaRegistryException;
import io.scorestream.schemas.serde.WireFormatException.Reason;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.OptionalInt;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.util.Utf8;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class ConfluentAvroDeserializerTest {

    private final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
    private final ConfluentAvroDeserializer<GenericRecord> generic = ConfluentAvroDeserializer.generic(registry, false);

    private static WireFormatException failure(final Runnable deserialize) {
        return assertThrows(WireFormatException.class, deserialize::run);
    }

    @Test
    void readsHandWrittenWireFormat() {
        // given: R{a=1, s="hi"} written by any Confluent-format producer with id 1
        registry.register("t-value", TestRecords.R);
        final byte[] bytes = {0, 0, 0, 0, 1, 2, 4, 'h', 'i'};

        // when
        final GenericRecord read = generic.deserialize("t", bytes);

        // then
        assertEquals(1, read.get("a"));
        assertEquals(new Utf8("hi"), read.get("s"));
    }

    @Test
    void wrongMagicByteIsNotConfluentWireFormat() {
        // given: JSON where Avro was expected
        final byte[] json = "{\"a\":1}".getBytes(StandardCharsets.UTF_8);

        // when
        final WireFormatException e = failure(() -> generic.deserialize("transactions", json));

        // then
        assertEquals(Reason.WRONG_MAGIC_BYTE, e.reason());
        assertEquals("Cannot deserialize value from topic 'transactions': wrong magic byte 0x7b (expected 0x00); "
                + "not Confluent wire format", e.getMessage());
        assertEquals("transactions", e.topic());
        assertEquals(OptionalInt.empty(), e.schemaId());
    }

    @Test
    void headerShorterThanFiveBytesIsTruncated() {
        // when
        final WireFormatException three = failure(() -> generic.deserialize("transactions", new byte[] {0, 0, 0}));
        final WireFormatException empty = failure(() -> generic.deserialize("transactions", new byte[0]));

        // then
        assertEquals(Reason.TRUNCATED, three.reason());
        assertEquals("Cannot deserialize value from topic 'transactions': truncated payload: 3 bytes, "
                + "need at least 5", three.getMessage());
        assertEquals(Reason.TRUNCATED, empty.reason());
        assertTrue(empty.getMessage().contains("truncated payload: 0 bytes"), empty.getMessage());
    }

    @Test
    void unknownSchemaIdIsReported() {
        // given
        final byte[] bytes = {0, 0, 0, 0, 42, 2, 4, 'h', 'i'};

        // when
        final WireFormatException e = failure(() -> generic.deserialize("transactions", bytes));

        // then
        assertEquals(Reason.UNKNOWN_SCHEMA_ID, e.reason());
        assertEquals("Cannot deserialize value from topic 'transactions': unknown schema id 42", e.getMessage());
        assertEquals(OptionalInt.of(42), e.schemaId());
    }

    @Test
    void truncatedAvroBodyIsMalformed() {
        // given
        final byte[] whole = ConfluentAvroSerializer.specific(registry, Transaction.class, false)
                .serialize("transactions", TestRecords.transaction("tx-1"));
        final byte[] cut = Arrays.copyOf(whole, whole.length - 3);

        // when
        final WireFormatException e = failure(() -> ConfluentAvroDeserializer
                .specific(registry, Transaction.class, false).deserialize("transactions", cut));

        // then
        assertEquals(Reason.MALFORMED_AVRO, e.reason());
        assertTrue(e.getMessage().startsWith("Cannot deserialize value from topic 'transactions': Avro payload "
                + "truncated or malformed for schema id 1 (io.scorestream.schemas.Transaction): "), e.getMessage());
        assertEquals(OptionalInt.of(1), e.schemaId());
    }

    @Test
    void negativeStringLengthIsMalformed() {
        // given: a = 1, then a string length of zigzag 9 = -5
        registry.register("t-value", TestRecords.R);
        final byte[] bytes = {0, 0, 0, 0, 1, 2, 9, 'h', 'i'};

        // when
        final WireFormatException e = failure(() -> generic.deserialize("t", bytes));

        // then
        assertEquals(Reason.MALFORMED_AVRO, e.reason());
        assertTrue(e.getMessage().contains("'t'"), e.getMessage());
        assertTrue(e.getMessage().contains("truncated or malformed for schema id 1 (R)"), e.getMessage());
    }

    @Test
    void bytesAfterTheDatumAreRejected() {
        // given
        registry.register("t-value", TestRecords.R);
        final byte[] bytes = {0, 0, 0, 0, 1, 2, 4, 'h', 'i', 0x55, 0x66};

        // when
        final WireFormatException e = failure(() -> generic.deserialize("t", bytes));

        // then
        assertEquals(Reason.TRAILING_BYTES, e.reason());
        assertTrue(e.getMessage().startsWith("Cannot deserialize value from topic 't': 2 trailing bytes after "
                + "the Avro datum for schema id 1 (R)"), e.getMessage());
    }

    @Test
    void keyDeserializerSaysKey() {
        // given
        final ConfluentAvroDeserializer<GenericRecord> keys = ConfluentAvroDeserializer.generic(registry, true);

        // when
        final WireFormatException e = failure(() -> keys.deserialize("transactions", new byte[] {1}));

        // then
        assertTrue(e.getMessage().startsWith("Cannot deserialize key from topic 'transactions': wrong magic byte 0x01"),
                e.getMessage());
    }

    @Test
    void nonRecordWriterSchemaIsIncompatibleWithGenericRecords() {
        // given
        registry.register("t-value", TestRecords.parse("{\"type\":\"string\"}"));
        final byte[] bytes = {0, 0, 0, 0, 1, 4, 'h', 'i'};

        // when
        final WireFormatException e = failure(() -> generic.deserialize("t", bytes));

        // then
        assertEquals(Reason.INCOMPATIBLE_SCHEMA, e.reason());
        assertTrue(e.getMessage().contains("writer schema id 1 is a string, not a record"), e.getMessage());
    }

    @Test
    void unreachableRegistryIsNotBlamedOnTheRecord() {
        // given
        final SchemaRegistry down = new SchemaRegistry() {
            @Override
            public int register(final String subject, final Schema schema) {
                throw new UnsupportedOperationException();
            }

            @Override
            public int idOf(final String subject, final Schema schema) {
                throw new UnsupportedOperationException();
            }

            @Override
            public Schema getById(final int id) {
                throw new SchemaRegistryException("Schema registry request GET /schemas/ids/1 failed: refused", null);
            }

            @Override
            public RegisteredSchema latest(final String subject) {
                throw new UnsupportedOperationException();
            }
        };

        // when
        final SerializationException e = assertThrows(SerializationException.class,
                () -> ConfluentAvroDeserializer.generic(down, false).deserialize("t", new byte[] {0, 0, 0, 0, 1, 2}));

        // then
        assertFalse(e instanceof WireFormatException);
        assertTrue(e.getMessage().contains("'t'"), e.getMessage());
        assertTrue(e.getMessage().contains("could not give schema id 1"), e.getMessage());
    }
}
