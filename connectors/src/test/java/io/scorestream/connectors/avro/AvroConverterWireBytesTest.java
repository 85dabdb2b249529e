package io.scorestream.connectors.avro;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import io.scorestream.schemas.registry.RegisteredSchema;
import io.scorestream.schemas.registry.SchemaRegistry;
import io.scorestream.schemas.registry.SchemaRegistryException;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Timestamp;
import org.junit.jupiter.api.Test;

/**
 * The exact bytes, computed by hand from Confluent's wire format (magic byte 0, schema id as a
 * big-endian int) and the Avro binary encoding (ints and longs as zig-zag varints, strings and bytes
 * length-prefixed, a union's branch index before its value, ...), written and read.
 */
class AvroConverterWireBytesTest {

    private static final Schema TINY = SchemaBuilder.struct().name("Tiny")
            .field("id", Schema.INT32_SCHEMA)
            .field("name", Schema.STRING_SCHEMA)
            .field("note", Schema.OPTIONAL_STRING_SCHEMA)
            .build();

    private static final Schema WIDE = SchemaBuilder.struct().name("Wide")
            .field("amount", Schema.INT64_SCHEMA)
            .field("at", Timestamp.SCHEMA)
            .field("flag", Schema.BOOLEAN_SCHEMA)
            .field("ratio", Schema.FLOAT64_SCHEMA)
            .field("color", SchemaBuilder.string().name("Color").parameter(AvroData.ENUM_SYMBOLS_PARAM, "RED,GREEN").build())
            .field("tags", SchemaBuilder.array(Schema.STRING_SCHEMA).build())
            .field("note", Schema.OPTIONAL_STRING_SCHEMA)
            .build();

    private static final Schema NUMBERS = SchemaBuilder.struct().name("Numbers")
            .field("small", Schema.INT8_SCHEMA)
            .field("amount", Decimal.builder(2).parameter(AvroData.DECIMAL_PRECISION_PARAM, "4").build())
            .field("refund", Decimal.schema(2))
            .field("weights", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.FLOAT32_SCHEMA).build())
            .field("day", Date.SCHEMA)
            .build();

    private static AvroConverter converter(final SchemaRegistry registry) {
        final AvroConverter converter = new AvroConverter(registry);
        converter.configure(Map.of(), false);
        return converter;
    }

    private static void assertBothWays(final AvroConverter converter, final Schema schema, final Struct value,
            final byte[] expected) {
        assertArrayEquals(expected, converter.fromConnectData("t", schema, value));
        assertEquals(value, converter.toConnectData("t", expected).value());
    }

    @Test
    void smallRecordWithoutAndWithItsOptionalField() {
        final AvroConverter converter = converter(new InMemorySchemaRegistry());

        assertBothWays(converter, TINY, new Struct(TINY).put("id", 1).put("name", "hi"), new byte[] {
            0x00,                   // magic byte
            0x00, 0x00, 0x00, 0x01, // schema id 1, big-endian
            0x02,                   // id = 1: zig-zag (1 << 1) ^ (1 >> 31) = 2
            0x04, 0x68, 0x69,       // name: length 2 (zig-zag 4), "hi"
            0x00,                   // note: union branch 0, null
        });
        assertBothWays(converter, TINY, new Struct(TINY).put("id", -3).put("name", "").put("note", "ok"), new byte[] {
            0x00,
            0x00, 0x00, 0x00, 0x01, // the same schema, the same id
            0x05,                   // id = -3: zig-zag (-3 << 1) ^ (-3 >> 31) = -6 ^ -1 = 5
            0x00,                   // name: length 0
            0x02, 0x04, 0x6f, 0x6b, // note: union branch 1 (zig-zag 2), length 2, "ok"
        });
    }

    @Test
    void multiByteVarintsDoublesEnumsArraysAndABigEndianId() {
        final AvroConverter converter = converter(new FixedIdRegistry(0x01020304));
        final Struct value = new Struct(WIDE)
                .put("amount", -300L)
                .put("at", new java.util.Date(1000L))
                .put("flag", true)
                .put("ratio", 1.0)
                .put("color", "GREEN")
                .put("tags", List.of("a"))
                .put("note", "ok");

        assertBothWays(converter, WIDE, value, new byte[] {
            0x00,
            0x01, 0x02, 0x03, 0x04,       // schema id 0x01020304, most significant byte first
            (byte) 0xd7, 0x04,            // amount = -300: zig-zag 599 = 0b100_1010111 → 0x57|0x80, 0x04
            (byte) 0xd0, 0x0f,            // at = 1000 ms: zig-zag 2000 = 0b1111_1010000 → 0x50|0x80, 0x0f
            0x01,                         // flag = true
            0, 0, 0, 0, 0, 0, (byte) 0xf0, 0x3f, // ratio = 1.0: IEEE 754 0x3ff0000000000000, little-endian
            0x02,                         // color = GREEN: symbol index 1, zig-zag 2
            0x02, 0x02, 0x61, 0x00,       // tags: a block of 1 item, "a" (length 1), end of blocks
            0x02, 0x04, 0x6f, 0x6b,       // note: branch 1, "ok"
        });
    }

    @Test
    void int8DecimalsMapsAndDates() {
        final AvroConverter converter = converter(new InMemorySchemaRegistry());
        final Struct value = new Struct(NUMBERS)
                .put("small", (byte) -1)
                .put("amount", new BigDecimal("12.34"))
                .put("refund", new BigDecimal("-1.00"))
                .put("weights", Map.of("k", 1.5f))
                .put("day", new java.util.Date(2L * 86_400_000L));

        assertBothWays(converter, NUMBERS, value, new byte[] {
            0x00,
            0x00, 0x00, 0x00, 0x01,
            0x01,                         // small = -1 (an Avro int): zig-zag 1
            0x04, 0x04, (byte) 0xd2,      // amount: 2 bytes, unscaled 1234 = 0x04d2, big-endian two's complement
            0x02, (byte) 0x9c,            // refund: 1 byte, unscaled -100 = 0x9c
            0x02, 0x02, 0x6b,             // weights: a block of 1 entry, key "k"
            0x00, 0x00, (byte) 0xc0, 0x3f, //   value 1.5f: IEEE 754 0x3fc00000, little-endian
            0x00,                         //   end of blocks
            0x04,                         // day: 2 days after the epoch, zig-zag 4
        });
    }

    private static final Schema INNER = SchemaBuilder.struct().name("io.example.Inner")
            .field("label", Schema.STRING_SCHEMA)
            .field("p", Schema.FLOAT64_SCHEMA)
            .build();

    private static final Schema NESTED = SchemaBuilder.struct().name("io.example.Outer")
            .field("id", Schema.INT32_SCHEMA)
            .field("inner", INNER)
            .field("items", SchemaBuilder.array(INNER).build())
            .build();

    @Test
    void nestedRecordsAndAnArrayOfRecords() {
        final AvroConverter converter = converter(new InMemorySchemaRegistry());
        final Struct value = new Struct(NESTED)
                .put("id", 2)
                .put("inner", new Struct(INNER).put("label", "x").put("p", 0.5))
                .put("items", List.of(new Struct(INNER).put("label", "y").put("p", 1.0)));

        assertBothWays(converter, NESTED, value, new byte[] {
            0x00,
            0x00, 0x00, 0x00, 0x01,
            0x04,                         // id = 2: zig-zag 4
            0x02, 0x78,                   // inner.label: length 1, "x" (a nested record is its fields in order)
            0, 0, 0, 0, 0, 0, (byte) 0xe0, 0x3f, // inner.p = 0.5: IEEE 754 0x3fe0000000000000, little-endian
            0x02,                         // items: a block of 1 record
            0x02, 0x79,                   //   label "y"
            0, 0, 0, 0, 0, 0, (byte) 0xf0, 0x3f, //   p = 1.0
            0x00,                         //   end of blocks
        });
    }

    /** A registry that gives every schema one id. */
    static final class FixedIdRegistry implements SchemaRegistry {
        private final int id;
        private volatile org.apache.avro.Schema schema;

        FixedIdRegistry(final int id) {
            this.id = id;
        }

        @Override
        public int register(final String subject, final org.apache.avro.Schema s) {
            this.schema = s;
            return id;
        }

        @Override
        public int idOf(final String subject, final org.apache.avro.Schema s) {
            return register(subject, s);
        }

        @Override
        public org.apache.avro.Schema getById(final int requested) {
            if (requested != id || schema == null) {
                throw new SchemaRegistryException("no schema " + requested, SchemaRegistryException.NONE,
                        SchemaRegistryException.SCHEMA_NOT_FOUND, null);
            }
            return schema;
        }

        @Override
        public RegisteredSchema latest(final String subject) {
            return new RegisteredSchema(subject, 1, id, getById(id));
        }
    }
}
