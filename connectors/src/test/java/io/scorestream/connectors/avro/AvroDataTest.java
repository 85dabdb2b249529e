package io.scorestream.connectors.avro;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.apache.avro.JsonProperties;
import org.apache.avro.LogicalTypes;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.connect.data.Date;
import org.apache.kafka.connect.data.Decimal;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.data.Time;
import org.apache.kafka.connect.data.Timestamp;
import org.apache.kafka.connect.errors.DataException;
import org.junit.jupiter.api.Test;

/** How Connect schemas and values map to Avro ones and back. */
class AvroDataTest {

    private final AvroData data = new AvroData(100);

    private static org.apache.avro.Schema parse(final String json) {
        return new org.apache.avro.Schema.Parser().parse(json);
    }

    private org.apache.avro.Schema avroFieldType(final Schema struct, final String field) {
        return data.fromConnectSchema(struct).getField(field).schema();
    }

    private static Schema structOf(final String field, final Schema schema) {
        return SchemaBuilder.struct().name("S").field(field, schema).build();
    }

    @Test
    void int8AndInt16AreAvroIntsMarkedWithTheirConnectType() {
        final Schema s = SchemaBuilder.struct().name("S")
                .field("a", Schema.INT8_SCHEMA).field("b", Schema.INT16_SCHEMA).field("c", Schema.INT32_SCHEMA).build();

        final org.apache.avro.Schema avro = data.fromConnectSchema(s);

        assertEquals(parse("{\"type\": \"int\", \"connect.type\": \"int8\"}"), avro.getField("a").schema());
        assertEquals(parse("{\"type\": \"int\", \"connect.type\": \"int16\"}"), avro.getField("b").schema());
        assertEquals(parse("\"int\""), avro.getField("c").schema());
        assertEquals(s, data.toConnectSchema(avro));
    }

    @Test
    void anOptionalFieldIsAUnionWithNullFirstAndDefaultNull() {
        final org.apache.avro.Schema.Field field =
                data.fromConnectSchema(structOf("x", Schema.OPTIONAL_STRING_SCHEMA)).getField("x");

        assertEquals(parse("[\"null\", \"string\"]"), field.schema());
        assertEquals(JsonProperties.NULL_VALUE, field.defaultVal());
        assertEquals(Schema.OPTIONAL_STRING_SCHEMA,
                data.toConnectSchema(parse("[\"null\", \"string\"]")));
    }

    @Test
    void anOptionalFieldWithADefaultPutsTheDefaultsBranchFirst() {
        final Schema s = structOf("x", SchemaBuilder.int64().optional().defaultValue(5L).build());

        final org.apache.avro.Schema.Field field = data.fromConnectSchema(s).getField("x");

        assertEquals(parse("[\"long\", \"null\"]"), field.schema());
        assertEquals(5L, field.defaultVal());
        assertEquals(s, data.toConnectSchema(data.fromConnectSchema(s)));
    }

    @Test
    void defaultsOfEveryKindBecomeAvroDefaultsAndComeBack() {
        final Schema inner = SchemaBuilder.struct().name("Inner").field("n", Schema.INT32_SCHEMA).build();
        final Schema s = SchemaBuilder.struct().name("S")
                .field("i", SchemaBuilder.int32().defaultValue(3).build())
                .field("b", SchemaBuilder.bytes().defaultValue(new byte[] {1, (byte) 0xff}).build())
                .field("t", Timestamp.builder().defaultValue(new java.util.Date(1000L)).build())
                .field("d", Decimal.builder(1).defaultValue(new BigDecimal("2.5")).build())
                .field("l", SchemaBuilder.array(Schema.STRING_SCHEMA).defaultValue(List.of("a")).build())
                .field("m", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT32_SCHEMA).defaultValue(Map.of("k", 1)).build())
                .field("r", SchemaBuilder.array(inner).defaultValue(List.of(new Struct(inner).put("n", 4))).build())
                .build();

        final org.apache.avro.Schema avro = data.fromConnectSchema(s);
        final Schema back = data.toConnectSchema(avro);

        assertEquals(3, avro.getField("i").defaultVal());
        assertEquals(1000L, avro.getField("t").defaultVal());
        assertEquals(List.of("a"), avro.getField("l").defaultVal());
        assertEquals(3, back.field("i").schema().defaultValue());
        assertArrayEquals(new byte[] {1, (byte) 0xff}, (byte[]) back.field("b").schema().defaultValue());
        assertEquals(new java.util.Date(1000L), back.field("t").schema().defaultValue());
        assertEquals(new BigDecimal("2.5"), back.field("d").schema().defaultValue());
        assertEquals(List.of("a"), back.field("l").schema().defaultValue());
        assertEquals(Map.of("k", 1), back.field("m").schema().defaultValue());
        assertEquals(List.of(new Struct(back.field("r").schema().valueSchema()).put("n", 4)),
                back.field("r").schema().defaultValue());
    }

    @Test
    void aRecordDefaultBecomesAStructDefault() {
        final org.apache.avro.Schema avro = parse("""
                {"type": "record", "name": "S", "fields": [
                  {"name": "p", "type": {"type": "record", "name": "P", "fields": [{"name": "n", "type": "int"}]},
                   "default": {"n": 9}}
                ]}""");

        final Schema connect = data.toConnectSchema(avro);
        final Struct def = (Struct) connect.field("p").schema().defaultValue();

        assertEquals(9, def.get("n"));
        // And it is written back as the same Avro default.
        assertEquals(avro, data.fromConnectSchema(connect));
    }

    @Test
    void mapsWithStringKeysAreAvroMapsAndOthersArraysOfEntries() {
        final Schema s = SchemaBuilder.struct().name("S")
                .field("byName", SchemaBuilder.map(Schema.STRING_SCHEMA, Schema.INT32_SCHEMA).build())
                .field("byId", SchemaBuilder.map(Schema.INT64_SCHEMA, Schema.STRING_SCHEMA).build())
                .field("byFlag", SchemaBuilder.map(Schema.BOOLEAN_SCHEMA, Schema.STRING_SCHEMA).build())
                .build();

        final org.apache.avro.Schema avro = data.fromConnectSchema(s);

        assertEquals(parse("{\"type\": \"map\", \"values\": \"int\"}"), avro.getField("byName").schema());
        final org.apache.avro.Schema byId = avro.getField("byId").schema();
        assertEquals(org.apache.avro.Schema.Type.ARRAY, byId.getType());
        assertEquals(AvroData.MAP_ENTRY, byId.getElementType().getProp(AvroData.CONNECT_INTERNAL_TYPE_PROP));
        assertEquals(parse("\"long\""), byId.getElementType().getField("key").schema());
        assertEquals(parse("\"string\""), byId.getElementType().getField("value").schema());
        // Two entry records in one schema need two names.
        assertTrue(!byId.getElementType().getFullName()
                .equals(avro.getField("byFlag").schema().getElementType().getFullName()));
        assertEquals(s, data.toConnectSchema(avro));
        final GenericRecord record = (GenericRecord) data.fromConnectData(s, new Struct(s)
                .put("byName", Map.of("a", 1)).put("byId", Map.of(7L, "seven")).put("byFlag", Map.of(true, "yes")));
        final GenericRecord entry = (GenericRecord) ((List<?>) record.get("byId")).get(0);
        assertEquals(7L, entry.get("key"));
        assertEquals("seven", entry.get("value"));
    }

    @Test
    void connectLogicalTypesAreAvroLogicalTypes() {
        final Schema s = SchemaBuilder.struct().name("S")
                .field("ts", Timestamp.SCHEMA)
                .field("date", Date.SCHEMA)
                .field("time", Time.SCHEMA)
                .field("money", Decimal.builder(2).parameter(AvroData.DECIMAL_PRECISION_PARAM, "10").build())
                .field("anyMoney", Decimal.schema(3))
                .build();

        final org.apache.avro.Schema avro = data.fromConnectSchema(s);

        assertEquals(parse("{\"type\": \"long\", \"logicalType\": \"timestamp-millis\"}"), avro.getField("ts").schema());
        assertEquals(parse("{\"type\": \"int\", \"logicalType\": \"date\"}"), avro.getField("date").schema());
        assertEquals(parse("{\"type\": \"int\", \"logicalType\": \"time-millis\"}"), avro.getField("time").schema());
        assertEquals(parse("{\"type\": \"bytes\", \"logicalType\": \"decimal\", \"precision\": 10, \"scale\": 2}"),
                avro.getField("money").schema());
        assertEquals(LogicalTypes.decimal(AvroData.DEFAULT_DECIMAL_PRECISION, 3),
                avro.getField("anyMoney").schema().getLogicalType());
        assertEquals(s, data.toConnectSchema(avro));
    }

    @Test
    void everyAvroTypeComesBackAsTheSameAvroSchema() {
        // given: Avro types with no direct Connect counterpart, among others
        final org.apache.avro.Schema avro = parse("""
                {"type": "record", "name": "All", "namespace": "io.example", "doc": "everything", "fields": [
                  {"name": "color", "type": {"type": "enum", "name": "Color", "symbols": ["RED", "GREEN"],
                                              "default": "RED", "doc": "a color"}},
                  {"name": "micros", "type": {"type": "long", "logicalType": "timestamp-micros"}},
                  {"name": "nanos", "type": {"type": "long", "logicalType": "timestamp-nanos"}},
                  {"name": "local", "type": {"type": "long", "logicalType": "local-timestamp-millis"}},
                  {"name": "timeMicros", "type": {"type": "long", "logicalType": "time-micros"}},
                  {"name": "uuid", "type": {"type": "string", "logicalType": "uuid"}},
                  {"name": "hash", "type": {"type": "fixed", "name": "Md5", "size": 16}},
                  {"name": "price", "type": {"type": "fixed", "name": "Price", "size": 8,
                                              "logicalType": "decimal", "precision": 18, "scale": 4}},
                  {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": 9, "scale": 2}},
                  {"name": "either", "type": ["string", "int"]},
                  {"name": "maybeEither", "type": ["null", "string", {"type": "array", "items": "long"}], "default": null},
                  {"name": "tags", "type": {"type": "map", "values": ["null", "double"]}},
                  {"name": "colors", "type": {"type": "array", "items": "Color"}}
                ]}""");

        // when
        final Schema connect = data.toConnectSchema(avro);

        // then
        assertEquals(avro, new AvroData(10).fromConnectSchema(connect));
        final Schema color = connect.field("color").schema();
        assertEquals(Schema.Type.STRING, color.type());
        assertEquals("io.example.Color", color.name());
        assertEquals("RED,GREEN", color.parameters().get(AvroData.ENUM_SYMBOLS_PARAM));
        assertEquals(Schema.Type.INT64, connect.field("micros").schema().type());
        assertEquals("timestamp-micros", connect.field("micros").schema().parameters().get(AvroData.LOGICAL_TYPE_PARAM));
        assertEquals(Schema.Type.INT64, connect.field("local").schema().type());
        assertEquals(Schema.Type.STRING, connect.field("uuid").schema().type());
        assertEquals("uuid", connect.field("uuid").schema().parameters().get(AvroData.LOGICAL_TYPE_PARAM));
        assertEquals(Decimal.LOGICAL_NAME, connect.field("price").schema().name());
        assertEquals("18", connect.field("price").schema().parameters().get(AvroData.DECIMAL_PRECISION_PARAM));
        assertEquals(Decimal.LOGICAL_NAME, connect.field("amount").schema().name());
        assertEquals("9", connect.field("amount").schema().parameters().get(AvroData.DECIMAL_PRECISION_PARAM));
        final Schema either = connect.field("either").schema();
        assertEquals(AvroData.UNION_SCHEMA_NAME, either.name());
        assertEquals(List.of("string", "int"), either.fields().stream().map(f -> f.name()).toList());
        assertTrue(connect.field("maybeEither").schema().isOptional());
    }

    @Test
    void avroValuesOfTypesWithoutConnectCounterpartsComeBackUnchanged() {
        // given
        final org.apache.avro.Schema avro = parse("""
                {"type": "record", "name": "R", "fields": [
                  {"name": "micros", "type": {"type": "long", "logicalType": "timestamp-micros"}},
                  {"name": "uuid", "type": {"type": "string", "logicalType": "uuid"}},
                  {"name": "price", "type": {"type": "fixed", "name": "Price", "size": 4,
                                              "logicalType": "decimal", "precision": 9, "scale": 2}},
                  {"name": "either", "type": ["string", "int"]},
                  {"name": "color", "type": {"type": "enum", "name": "Color", "symbols": ["RED", "GREEN"]}}
                ]}""");
        final GenericRecord record = new GenericData.Record(avro);
        record.put("micros", 1_700_000_000_123_456L);
        record.put("uuid", "3f2b0c1e-0000-4000-8000-000000000001");
        record.put("price", new GenericData.Fixed(avro.getField("price").schema(), new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0x9c}));
        record.put("either", 5);
        record.put("color", new GenericData.EnumSymbol(avro.getField("color").schema(), "GREEN"));

        // when
        final SchemaAndValue connect = data.toConnectData(avro, record);
        final Object back = data.fromConnectData(connect.schema(), connect.value());

        // then
        final Struct struct = (Struct) connect.value();
        assertEquals(1_700_000_000_123_456L, struct.get("micros"));
        assertEquals("3f2b0c1e-0000-4000-8000-000000000001", struct.get("uuid"));
        assertEquals(new BigDecimal("-1.00"), struct.get("price"));
        assertEquals(5, struct.getStruct("either").get("int"));
        assertNull(struct.getStruct("either").get("string"));
        assertEquals("GREEN", struct.get("color"));
        assertEquals(record, back);
    }

    @Test
    void aUnionStructWithTwoBranchesSetIsRefused() {
        final Schema union = data.toConnectSchema(parse("[\"string\", \"int\"]"));
        final Schema s = structOf("u", union);
        final Struct value = new Struct(s).put("u", new Struct(union).put("string", "a").put("int", 1));

        final DataException e = assertThrows(DataException.class, () -> data.fromConnectData(s, value));

        assertTrue(e.getMessage().contains("field 'u'"), e.getMessage());
        assertTrue(e.getMessage().contains("exactly one"), e.getMessage());
    }

    @Test
    void nameVersionDocAndParametersOfEveryKindOfSchemaArePreserved() {
        final Schema s = SchemaBuilder.struct().name("io.example.Outer").version(4).doc("the outer")
                .parameter("owner", "risk")
                .field("id", SchemaBuilder.int64().name("io.example.Id").version(2).doc("an id")
                        .parameter("format", "snowflake").build())
                .field("tags", SchemaBuilder.array(Schema.STRING_SCHEMA).name("io.example.Tags").doc("tags").build())
                .field("anon", SchemaBuilder.struct().field("x", Schema.INT32_SCHEMA).build())
                .build();

        final org.apache.avro.Schema avro = data.fromConnectSchema(s);

        assertEquals("io.example.Outer", avro.getFullName());
        assertEquals("the outer", avro.getDoc());
        assertEquals(4, avro.getObjectProp(AvroData.CONNECT_VERSION_PROP));
        final org.apache.avro.Schema id = avro.getField("id").schema();
        assertEquals("io.example.Id", id.getProp(AvroData.CONNECT_NAME_PROP));
        assertEquals(2, id.getObjectProp(AvroData.CONNECT_VERSION_PROP));
        assertEquals("an id", id.getProp(AvroData.CONNECT_DOC_PROP));
        assertEquals(Map.of("format", "snowflake"), id.getObjectProp(AvroData.CONNECT_PARAMETERS_PROP));
        assertEquals(s, data.toConnectSchema(avro));
        assertNull(data.toConnectSchema(avro).field("anon").schema().name());
    }

    @Test
    void twoDifferentStructsWithOneNameAreRefused() {
        final Schema a = SchemaBuilder.struct().name("Same").field("x", Schema.INT32_SCHEMA).build();
        final Schema b = SchemaBuilder.struct().name("Same").field("y", Schema.INT32_SCHEMA).build();
        final Schema s = SchemaBuilder.struct().name("S").field("a", a).field("b", b).build();

        final DataException e = assertThrows(DataException.class, () -> data.fromConnectSchema(s));

        assertTrue(e.getMessage().contains("'Same'"), e.getMessage());
    }

    @Test
    void oneStructUsedTwiceIsDefinedOnceInAvro() {
        final Schema a = SchemaBuilder.struct().name("Point").field("x", Schema.INT32_SCHEMA).build();
        final Schema s = SchemaBuilder.struct().name("S").field("from", a).field("to", a).build();

        final org.apache.avro.Schema avro = data.fromConnectSchema(s);

        // The second use is a reference by name, so the schema parses.
        assertEquals(avro, parse(avro.toString()));
        assertTrue(avro.toString().contains("\"type\":\"Point\""), avro.toString());
    }

    @Test
    void recursiveRecordsAndTheNullTypeAreRefused() {
        final DataException recursive = assertThrows(DataException.class, () -> data.toConnectSchema(parse("""
                {"type": "record", "name": "Node", "fields": [{"name": "next", "type": ["null", "Node"]}]}""")));
        assertTrue(recursive.getMessage().contains("Node"), recursive.getMessage());
        assertThrows(DataException.class, () -> data.toConnectSchema(parse("""
                {"type": "record", "name": "N", "fields": [{"name": "nothing", "type": "null"}]}""")));
    }

    @Test
    void invalidAvroNamesAreRefusedWithTheName() {
        final Schema s = SchemaBuilder.struct().name("io.example.my-topic").field("x", Schema.INT32_SCHEMA).build();

        final DataException e = assertThrows(DataException.class, () -> data.fromConnectSchema(s));

        assertTrue(e.getMessage().contains("io.example.my-topic"), e.getMessage());
    }

    @Test
    void bytesMayBeGivenAsAByteBuffer() {
        final Schema s = structOf("b", Schema.BYTES_SCHEMA);

        final GenericRecord record = (GenericRecord) data.fromConnectData(s,
                new Struct(s).put("b", ByteBuffer.wrap(new byte[] {1, 2})));

        assertEquals(ByteBuffer.wrap(new byte[] {1, 2}), record.get("b"));
    }

    @Test
    void convertedSchemasAreCachedAndTheCacheIsBounded() {
        final AvroData small = new AvroData(2);
        final Schema a = structOf("a", Schema.INT32_SCHEMA);

        final org.apache.avro.Schema first = small.fromConnectSchema(a);
        small.fromConnectSchema(structOf("b", Schema.INT32_SCHEMA));
        assertSame(first, small.fromConnectSchema(structOf("a", Schema.INT32_SCHEMA)), "an equal schema hits");
        small.fromConnectSchema(structOf("c", Schema.INT32_SCHEMA));
        small.fromConnectSchema(structOf("d", Schema.INT32_SCHEMA));
        small.toConnectSchema(first);

        assertArrayEquals(new int[] {2, 1}, small.cachedSchemas());
    }
}
