package io.scorestream.connectors.avro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.junit.jupiter.api.Test;

/** Reading with the subject's latest schema, and writing with it. */
class AvroConverterSchemaEvolutionTest {

    private static final Schema V1 = SchemaBuilder.struct().name("io.example.Customer")
            .field("id", Schema.INT32_SCHEMA)
            .field("name", Schema.STRING_SCHEMA)
            .build();
    private static final org.apache.avro.Schema V2 = new org.apache.avro.Schema.Parser().parse("""
            {"type": "record", "name": "Customer", "namespace": "io.example", "fields": [
              {"name": "id", "type": "int"},
              {"name": "name", "type": "string"},
              {"name": "country", "type": "string", "default": "NL"}
            ]}""");

    private static AvroConverter converter(final InMemorySchemaRegistry registry, final Map<String, ?> config) {
        final AvroConverter converter = new AvroConverter(registry);
        converter.configure(config, false);
        return converter;
    }

    @Test
    void readsARecordWrittenWithV1AsTheLatestV2WithTheDefaultFilled() {
        // given: a record written with v1, then v2 registered
        final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        final byte[] v1Bytes = converter(registry, Map.of())
                .fromConnectData("customers", V1, new Struct(V1).put("id", 7).put("name", "Ada"));
        registry.register("customers-value", V2);

        // when
        final Struct latest = (Struct) converter(registry, Map.of("reader.use.latest.version", "true"))
                .toConnectData("customers", v1Bytes).value();
        final Struct asWritten = (Struct) converter(registry, Map.of())
                .toConnectData("customers", v1Bytes).value();

        // then
        assertEquals(3, latest.schema().fields().size());
        assertEquals(7, latest.getInt32("id"));
        assertEquals("Ada", latest.getString("name"));
        assertEquals("NL", latest.getString("country"));
        assertEquals("NL", latest.schema().field("country").schema().defaultValue());
        assertEquals(2, asWritten.schema().fields().size());
        assertNull(asWritten.schema().field("country"));
    }

    @Test
    void readingWithTheLatestVersionOfASubjectThatDoesNotExistNamesTheSubject() {
        // given
        final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        final byte[] bytes = converter(registry, Map.of())
                .fromConnectData("customers", V1, new Struct(V1).put("id", 7).put("name", "Ada"));
        final AvroConverter reader = converter(registry, Map.of("reader.use.latest.version", true));

        // when
        final DataException e = assertThrows(DataException.class, () -> reader.toConnectData("elsewhere", bytes));

        // then
        assertTrue(e.getMessage().contains("'elsewhere-value'"), e.getMessage());
    }

    @Test
    void writesWithTheLatestSchemaWhenAskedAndNotAutoRegistering() {
        // given: v2 is the latest and only schema of the subject; the connector still produces v1 structs
        final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        final int v2Id = registry.register("customers-value", V2);
        final AvroConverter writer = converter(registry,
                Map.of("auto.register.schemas", "false", "use.latest.version", "true"));

        // when
        final byte[] bytes = writer.fromConnectData("customers", V1, new Struct(V1).put("id", 7).put("name", "Ada"));

        // then: written with v2's id, the default filled in
        assertEquals(v2Id, bytes[4]);
        final Struct read = (Struct) converter(registry, Map.of()).toConnectData("customers", bytes).value();
        assertEquals("NL", read.getString("country"));
        assertEquals(1, registry.latest("customers-value").version(), "nothing registered");
    }

    @Test
    void withoutAutoRegisterOrLatestAnUnregisteredSchemaIsRefused() {
        // given
        final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        registry.register("customers-value", V2);
        final AvroConverter writer = converter(registry, Map.of("auto.register.schemas", "false"));

        // when
        final DataException e = assertThrows(DataException.class,
                () -> writer.fromConnectData("customers", V1, new Struct(V1).put("id", 7).put("name", "Ada")));

        // then
        assertTrue(e.getMessage().contains("'customers'"), e.getMessage());
        assertTrue(e.getMessage().contains("auto-registration is off"), e.getMessage());
    }

    @Test
    void writingWithALatestSchemaThatCannotReadTheRecordIsRefused() {
        // given: the latest schema needs a field without a default that the struct lacks
        final InMemorySchemaRegistry registry = new InMemorySchemaRegistry();
        registry.register("customers-value", new org.apache.avro.Schema.Parser().parse("""
                {"type": "record", "name": "Customer", "namespace": "io.example", "fields": [
                  {"name": "id", "type": "int"},
                  {"name": "email", "type": "string"}
                ]}"""));
        final AvroConverter writer = converter(registry,
                Map.of("auto.register.schemas", "false", "use.latest.version", "true"));

        // when
        final DataException e = assertThrows(DataException.class,
                () -> writer.fromConnectData("customers", V1, new Struct(V1).put("id", 7).put("name", "Ada")));

        // then
        assertTrue(e.getMessage().contains("latest schema"), e.getMessage());
        assertTrue(e.getMessage().contains("email"), e.getMessage());
    }
}
