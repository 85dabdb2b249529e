package io.scorestream.schemas.serde;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import io.scorestream.schemas.registry.RegisteredSchema;
import io.scorestream.schemas.registry.SchemaRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class ConfluentAvroSerializerTest {

    private static GenericRecord r(final int a, final String s) {
        final GenericRecord record = new GenericData.Record(TestRecords.R);
        record.put("a", a);
        record.put("s", s);
        return record;
    }

    @Test
    void writesConfluentWireFormatBytes() {
        // given
        final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        final ConfluentAvroSerializer<GenericRecord> serializer = ConfluentAvroSerializer.generic(registry, false);

        // when
        final byte[] bytes = serializer.serialize("t", r(1, "hi"));

        // then
        final byte[] expected = {
            0x00,                   // magic byte
            0x00, 0x00, 0x00, 0x01, // schema id 1, big-endian int
            0x02,                   // a = 1: int as zigzag varint, (1 << 1) ^ (1 >> 31) = 2
            0x04,                   // length of s = 2: long as zigzag varint, (2 << 1) ^ (2 >> 63) = 4
            0x68, 0x69,             // "hi" in UTF-8
        };
        assertArrayEquals(expected, bytes);
        assertEquals(new RegisteredSchema("t-value", 1, 1, TestRecords.R), registry.latest("t-value"));
    }

    @Test
    void writesTheSchemaIdBigEndianAndZigzagsNegativeInts() {
        // given: a registry that gives id 0x01020304
        final SchemaRegistry registry = new FixedIdRegistry(0x01020304);
        final ConfluentAvroSerializer<GenericRecord> serializer = ConfluentAvroSerializer.generic(registry, false);

        // when
        final byte[] bytes = serializer.serialize("t", r(-65, ""));

        // then
        final byte[] expected = {
            0x00,
            0x01, 0x02, 0x03, 0x04,
            // a = -65: zigzag (-65 << 1) ^ (-65 >> 31) = -130 ^ -1 = 129 = 0b1_0000001,
            // varint low 7 bits first with the continuation bit: 0x81, then 129 >> 7 = 0x01
            (byte) 0x81, 0x01,
            0x00, // empty string: length 0
        };
        assertArrayEquals(expected, bytes);
    }

    @Test
    void registersKeysUnderTheKeySubject() {
        // given
        final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        final ConfluentAvroSerializer<GenericRecord> serializer = ConfluentAvroSerializer.generic(registry, true);

        // when
        serializer.serialize("t", r(1, "k"));

        // then
        assertEquals(1, registry.latest("t-key").id());
        assertThrows(RuntimeException.class, () -> registry.latest("t-value"));
    }

    @Test
    void nullIsATombstone() {
        // given
        final ConfluentAvroSerializer<GenericRecord> serializer =
                ConfluentAvroSerializer.generic(new InMemorySchemaRegistry(), false);

        // when / then
        assertNull(serializer.serialize("t", null));
    }

    @Test
    void recordNotMatchingItsSchemaFailsNamingTopicAndField() {
        // given
        final ConfluentAvroSerializer<GenericRecord> serializer =
                ConfluentAvroSerializer.generic(new InMemorySchemaRegistry(), false);

        // when
        final SerializationException nullString =
                assertThrows(SerializationException.class, () -> serializer.serialize("scores", r(1, null)));
        final GenericRecord wrongType = r(1, "x");
        wrongType.put("a", "not an int");
        final SerializationException notAnInt =
                assertThrows(SerializationException.class, () -> serializer.serialize("scores", wrongType));

        // then
        assertTrue(nullString.getMessage().startsWith("Cannot serialize value for topic 'scores' with schema id 1 (R)"),
                nullString.getMessage());
        assertTrue(nullString.getMessage().contains("R.s"), nullString.getMessage());
        assertTrue(notAnInt.getMessage().contains("'scores'"), notAnInt.getMessage());
        assertTrue(notAnInt.getMessage().contains("R.a"), notAnInt.getMessage());
    }

    @Test
    void failedRecordLeavesNothingBehindForTheNext() {
        // given
        final ConfluentAvroSerializer<GenericRecord> serializer =
                ConfluentAvroSerializer.generic(new InMemorySchemaRegistry(), false);
        final GenericRecord bad = r(1, "a long string that is written before the failure");
        bad.put("a", "boom");
        final GenericRecord badLater = r(5, null);

        // when
        assertThrows(SerializationException.class, () -> serializer.serialize("t", bad));
        assertThrows(SerializationException.class, () -> serializer.serialize("t", badLater));
        final byte[] bytes = serializer.serialize("t", r(1, "hi"));

        // then
        assertArrayEquals(new byte[] {0, 0, 0, 0, 1, 2, 4, 'h', 'i'}, bytes);
    }

    @Test
    void withoutAutoRegisterUsesOnlyAlreadyRegisteredIds() {
        // given
        final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        registry.register("other-value", TestRecords.parse("{\"type\":\"string\"}"));
        final ConfluentAvroSerializer<GenericRecord> serializer =
                ConfluentAvroSerializer.generic(registry, false).withAutoRegister(false);

        // when
        final SerializationException e =
                assertThrows(SerializationException.class, () -> serializer.serialize("t", r(1, "hi")));
        final int id = registry.register("t-value", TestRecords.R);
        final byte[] bytes = serializer.serialize("t", r(1, "hi"));

        // then
        assertTrue(e.getMessage().contains("'t'"), e.getMessage());
        assertTrue(e.getMessage().contains("auto-registration is off"), e.getMessage());
        assertTrue(e.getMessage().contains("'t-value'"), e.getMessage());
        assertEquals(2, id);
        assertEquals(2, bytes[4]);
    }

    @Test
    void isSafeToShareBetweenThreads() throws Exception {
        // given
        final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        final ConfluentAvroSerializer<GenericRecord> serializer = ConfluentAvroSerializer.generic(registry, false);
        final ConfluentAvroDeserializer<GenericRecord> deserializer = ConfluentAvroDeserializer.generic(registry, false);
        final ExecutorService pool = Executors.newFixedThreadPool(4);
        final List<Future<Boolean>> results = new ArrayList<>();

        // when
        try {
            for (int task = 0; task < 8; task++) {
                final int base = task * 1_000;
                results.add(pool.submit(() -> {
                    for (int i = base; i < base + 1_000; i++) {
                        final String s = "x".repeat(i % 50);
                        final GenericRecord back = deserializer.deserialize("t", serializer.serialize("t", r(i, s)));
                        if ((int) back.get("a") != i || !back.get("s").toString().equals(s)) {
                            return false;
                        }
                    }
                    return true;
                }));
            }

            // then
            for (Future<Boolean> result : results) {
                assertTrue(result.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    /** Gives every schema the same id; fetches nothing. */
    private static final class FixedIdRegistry implements SchemaRegistry {
        private final int id;

        FixedIdRegistry(final int id) {
            this.id = id;
        }

        @Override
        public int register(final String subject, final Schema schema) {
            return id;
        }

        @Override
        public int idOf(final String subject, final Schema schema) {
            return id;
        }

        @Override
        public Schema getById(final int id) {
            throw new UnsupportedOperationException();
        }

        @Override
        public RegisteredSchema latest(final String subject) {
            throw new UnsupportedOperationException();
        }
    }
}
