package io.scorestream.connectors.avro;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.junit.jupiter.api.Test;

/** Connect data → Confluent wire bytes → Connect data gives back the same schema and value. */
class AvroConverterRoundTripTest {

    static final Schema ADDRESS = SchemaBuilder.struct().name("io.example.Address").version(2).doc("Where")
            .field("street", Schema.STRING_SCHEMA)
            .field("zip", Schema.OPTIONAL_INT32_SCHEMA)
            .build();
    static final Schema OPTIONAL_ADDRESS = SchemaBuilder.struct().name("io.example.Address").version(2).doc("Where")
            .field("street", Schema.STRING_SCHEMA)
            .field("zip", Schema.OPTIONAL_INT32_SCHEMA)
            .optional()
            .build();
    static final Schema COLOR = SchemaBuilder.string().name("io.example.Color")
            .parameter(AvroData.ENUM_SYMBOLS_PARAM, "RED,GREEN,BLUE")
            .build();
    static final Schema AMOUNT = Decimal.builder(2).parameter(AvroData.DECIMAL_PRECISION_PARAM, "10").build();
    static final Schema ID = SchemaBuilder.int64().name("io.example.Id").version(1).doc("An id")
            .parameter("source", "crm").build();

    /** A struct with a field of every type the converter maps. */
    static final Schema EVERYTHING = SchemaBuilder.struct().name("io.example.Everything").version(3).doc("All types")
            .field("i8", Schema.INT8_SCHEMA)
            .field("i16", Schema.INT16_SCHEMA)
            .field("i32", Schema.INT32_SCHEMA)
            .field("i64", Schema.INT64_SCHEMA)
            .field("f32", Schema.FLOAT32_SCHEMA)
            .field("f64", Schema.FLOAT64_SCHEMA)
            .field("flag", Schema.BOOLEAN_SCHEMA)
            .field("text", Schema.STRING_SCHEMA)
            .field("blob", Schema.BYTES_SCHEMA)
            .field("maybe", Schema.OPTIONAL_STRING_SCHEMA)
            .field("maybe_not_set", Schema.OPTIONAL_INT64_SCHEMA)
            .field("with_default", SchemaBuilder.int32().defaultValue(42).build())
            .field("optional_with_default", SchemaBuilder.string().optional().defaultValue("x").build())
            .field("list", SchemaBuilder.array(Schema.STRING_SCHEMA).build())
            .field("list_of_optional", SchemaBuilder.array(Schema.OPTIONAL_INT64_SCHEMA).build())
            .field("by_name", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.FLOAT64_SCHEMA).build())
            .field("by_id", SchemaBuilder.map(Schema.INT32_SCHEMA, Schema.STRING_SCHEMA).build())
            .field("address", ADDRESS)
            .field("maybe_address", OPTIONAL_ADDRESS)
            .field("addresses", SchemaBuilder.array(ADDRESS).build())
            .field("color", COLOR)
            .field("at", Timestamp.SCHEMA)
            .field("day", Date.SCHEMA)
            .field("time", Time.SCHEMA)
            .field("amount", AMOUNT)
            .field("id", ID)
            .build();

    static Struct everything() {
        final Struct address = new Struct(ADDRESS).put("street", "Damrak 1").put("zip", 1012);
        final Map<String, Double> byName = new LinkedHashMap<>();
        byName.put("a", 0.25);
        byName.put("b", -1.5);
        final Map<Integer, String> byId = new LinkedHashMap<>();
        byId.put(7, "seven");
        byId.put(-1, "minus one");
        return new Struct(EVERYTHING)
                .put("i8", (byte) -8)
                .put("i16", (short) 1600)
                .put("i32", -32)
                .put("i64", 1L << 40)
                .put("f32", 3.5f)
                .put("f64", -0.125)
                .put("flag", true)
                .put("text", "héllo wörld")
                .put("blob", new byte[] {0, 1, (byte) 0xff})
                .put("maybe", "here")
                .put("with_default", 7)
                .put("optional_with_default", "y")
                .put("list", List.of("a", "b"))
                .put("list_of_optional", Arrays.asList(1L, null, 3L))
                .put("by_name", byName)
                .put("by_id", byId)
                .put("address", address)
                .put("maybe_address", new Struct(OPTIONAL_ADDRESS).put("street", "Dam 2"))
                .put("addresses", List.of(address, address))
                .put("color", "GREEN")
                .put("at", new java.util.Date(1_700_000_000_123L))
                .put("day", new java.util.Date(19_000L * 86_400_000L))
                .put("time", new java.util.Date(3_723_004L))
                .put("amount", new BigDecimal("-12345678.90"))
                .put("id", 99L);
    }

    @Test
    void everyTypeComesBackWithTheSameSchemaAndValue() {
        // given
        final AvroConverter converter = new AvroConverter(new InMemorySchemaRegistry());
        converter.configure(Map.of(), false);
        final Struct value = everything();

        // when
        final byte[] bytes = converter.fromConnectData("t", EVERYTHING, value);
        final SchemaAndValue back = converter.toConnectData("t", bytes);

        // then
        assertEquals(EVERYTHING, back.schema());
        final Struct struct = (Struct) back.value();
        for (final org.apache.kafka.connect.data.Field f : EVERYTHING.fields()) {
            if (f.name().equals("blob")) {
                assertArrayEquals(value.getBytes("blob"), struct.getBytes("blob"));
            } else {
                assertEquals(value.get(f), struct.get(f), f.name());
            }
        }
        assertEquals(value, struct);
        assertEquals(Byte.class, struct.get("i8").getClass());
        assertEquals(Short.class, struct.get("i16").getClass());
        assertNull(struct.get("maybe_not_set"));
    }

    @Test
    void aFieldLeftUnsetComesBackWithItsDefault() {
        // given
        final AvroConverter converter = new AvroConverter(new InMemorySchemaRegistry());
        converter.configure(Map.of(), false);
        final Struct full = everything();
        final Struct value = new Struct(EVERYTHING);
        for (final org.apache.kafka.connect.data.Field f : EVERYTHING.fields()) {
            if (!f.name().endsWith("with_default")) {
                value.put(f, full.get(f));
            }
        }

        // when
        final Struct back = (Struct) converter.toConnectData("t", converter.fromConnectData("t", EVERYTHING, value)).value();

        // then
        assertEquals(42, back.get("with_default"));
        assertEquals("x", back.get("optional_with_default"));
    }

    @Test
    void keysUseTheKeySubject() {
        // given
        final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        final AvroConverter converter = new AvroConverter(registry);
        converter.configure(Map.of(), true);
        final Struct key = new Struct(ADDRESS).put("street", "Damrak 1");

        // when
        final byte[] bytes = converter.fromConnectData("t", ADDRESS, key);

        // then
        assertEquals(1, registry.latest("t-key").id());
        assertEquals(key, converter.toConnectData("t", bytes).value());
    }

    @Test
    void nullValuesAreTombstonesBothWays() {
        // given
        final AvroConverter converter = new AvroConverter(new InMemorySchemaRegistry());
        converter.configure(Map.of(), false);

        // then
        assertNull(converter.fromConnectData("t", ADDRESS, null));
        assertSame(SchemaAndValue.NULL, converter.toConnectData("t", null));
        assertSame(SchemaAndValue.NULL, converter.toConnectData("t", new byte[0]));
    }
}
