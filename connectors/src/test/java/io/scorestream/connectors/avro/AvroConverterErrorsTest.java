package io.scorestream.connectors.avro;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.junit.jupiter.api.Test;

/** What goes wrong is said, with the topic, the schema id and the field where there is one. */
class AvroConverterErrorsTest {

    private static final Schema PERSON = SchemaBuilder.struct().name("Person")
            .field("name", Schema.STRING_SCHEMA)
            .field("address", SchemaBuilder.struct().name("Address")
                    .field("street", Schema.STRING_SCHEMA)
                    .field("color", SchemaBuilder.string().name("Color").parameter(AvroData.ENUM_SYMBOLS_PARAM, "RED").build())
                    .build())
            .build();

    private static AvroConverter converter() {
        final AvroConverter converter = new AvroConverter(new InMemorySchemaRegistry());
        converter.configure(Map.of(), false);
        return converter;
    }

    private static void assertMentions(final Exception e, final String... parts) {
        for (final String part : parts) {
            assertTrue(e.getMessage().contains(part), "'" + part + "' not in: " + e.getMessage());
        }
    }

    @Test
    void anUnknownSchemaIdIsNamed() {
        final DataException e = assertThrows(DataException.class,
                () -> converter().toConnectData("orders", new byte[] {0, 0, 0, 1, 0x2c, 0x02}));
        assertMentions(e, "'orders'", "unknown schema id 300");
    }

    @Test
    void aWrongMagicByteIsNamed() {
        final DataException e = assertThrows(DataException.class,
                () -> converter().toConnectData("orders", new byte[] {'{', '"', 'a', '"', ':', '1', '}'}));
        assertMentions(e, "'orders'", "magic byte 0x7b");
    }

    @Test
    void tooFewBytesForTheHeaderAreNamed() {
        final DataException e = assertThrows(DataException.class,
                () -> converter().toConnectData("orders", new byte[] {0, 0, 1}));
        assertMentions(e, "'orders'", "truncated", "3 bytes");
    }

    @Test
    void anAvroBodyTooShortForItsSchemaIsNamedWithTheId() {
        // given: a record of schema 1 ({name: string, ...}) whose string is cut off
        final AvroConverter converter = converter();
        final byte[] good = converter.fromConnectData("orders", PERSON, person("Ada", "Dam 1", "RED"));
        final byte[] cut = java.util.Arrays.copyOf(good, 7);

        // when
        final DataException e = assertThrows(DataException.class, () -> converter.toConnectData("orders", cut));

        // then
        assertMentions(e, "'orders'", "schema id 1");
    }

    @Test
    void aMissingRequiredValueIsNamed() {
        // Connect validates nested structs when they are put, so only a top-level field can be missing.
        final Struct person = new Struct(PERSON).put("address", address("Dam 1", "RED"));
        final DataException e = assertThrows(DataException.class,
                () -> converter().fromConnectData("people", PERSON, person));
        assertMentions(e, "'people'", "field 'name'", "null for a required STRING");
    }

    @Test
    void aStringThatIsNoSymbolOfItsEnumIsNamedByItsPath() {
        final DataException e = assertThrows(DataException.class,
                () -> converter().fromConnectData("people", PERSON, person("Ada", "Dam 1", "BLUE")));
        assertMentions(e, "'people'", "field 'address.color'", "'BLUE' is not a symbol of enum Color");
    }

    @Test
    void onlyStructsAreWritten() {
        final DataException e = assertThrows(DataException.class,
                () -> converter().fromConnectData("people", Schema.STRING_SCHEMA, "Ada"));
        assertMentions(e, "'people'", "STRING", "records (STRUCT) only");
        final DataException schemaless = assertThrows(DataException.class,
                () -> converter().fromConnectData("people", null, Map.of("name", "Ada")));
        assertMentions(schemaless, "'people'", "no schema");
    }

    @Test
    void theRegistryUrlIsRequiredWithoutAnInjectedRegistry() {
        final ConfigException e = assertThrows(ConfigException.class,
                () -> new AvroConverter().configure(Map.of(), false));
        assertMentions(e, "schema.registry.url");
    }

    @Test
    void aBadRegistryUrlIsNamedWithoutEchoingIt() {
        final ConfigException e = assertThrows(ConfigException.class, () -> new AvroConverter()
                .configure(Map.of("schema.registry.url", "ftp://user:secret@registry"), false));
        assertMentions(e, "schema.registry.url", "http://");
        assertFalse(e.getMessage().contains("secret"), e.getMessage());
    }

    @Test
    void basicAuthMustBeUserColonPassword() {
        final ConfigException e = assertThrows(ConfigException.class, () -> new AvroConverter().configure(
                Map.of("schema.registry.url", "http://registry:8081", "basic.auth.user.info", "justauser"), false));
        assertMentions(e, "basic.auth.user.info", "user:password");
        assertFalse(e.getMessage().contains("justauser"), e.getMessage());
    }

    @Test
    void aValidUrlConfiguresAnHttpRegistryWithoutCallingIt() {
        final AvroConverter converter = new AvroConverter();
        converter.configure(Map.of("value.converter.extra", "ignored", "schema.registry.url", "http://registry:8081",
                "basic.auth.user.info", "u:p"), false);
        assertEquals(12, converter.config().names().size()); // 6 + 2 credential sources, bearer token, 3 trust store keys
    }

    @Test
    void aWrongTypeOfSettingIsNamed() {
        final ConfigException e = assertThrows(ConfigException.class,
                () -> converter().configure(Map.of("auto.register.schemas", "sometimes"), false));
        assertMentions(e, "auto.register.schemas");
    }

    @Test
    void usedBeforeConfigureFailsClearly() {
        final IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new AvroConverter(new InMemorySchemaRegistry()).toConnectData("t", new byte[] {0, 0, 0, 0, 1}));
        assertMentions(e, "configure");
    }

    private static Struct person(final String name, final String street, final String color) {
        return new Struct(PERSON).put("name", name).put("address", address(street, color));
    }

    private static Struct address(final String street, final String color) {
        return new Struct(PERSON.field("address").schema()).put("street", street).put("color", color);
    }
}
