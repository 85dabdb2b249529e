package io.scorestream.connectors.avro;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The converter's credential and trust store settings under Confluent's key names: what is accepted,
 * and that every refusal names the key and never shows a secret. (Conversions against a registry
 * behind TLS and authentication: {@code AvroConverterSecureRegistryTest} in the tests module.)
 */
class AvroConverterAuthConfigTest {

    private static final String PASSWORD = "pw-3c9a17e0";
    private static final String TOKEN = "tok-b82e44f1";

    private static Map<String, Object> settings(final String... keysAndValues) {
        final Map<String, Object> map = new HashMap<>();
        map.put("schema.registry.url", "https://registry.example:8081");
        for (int i = 0; i < keysAndValues.length; i += 2) {
            map.put(keysAndValues[i], keysAndValues[i + 1]);
        }
        return map;
    }

    private static ConfigException refused(final Map<String, Object> settings) {
        final ConfigException e = assertThrows(ConfigException.class,
                () -> new AvroConverter().configure(settings, false));
        assertFalse(e.getMessage().contains(PASSWORD), e.getMessage());
        assertFalse(e.getMessage().contains(TOKEN), e.getMessage());
        return e;
    }

    private static void assertMentions(final Exception e, final String... parts) {
        for (final String part : parts) {
            assertTrue(e.getMessage().contains(part), "'" + part + "' not in: " + e.getMessage());
        }
    }

    @Test
    void acceptsConfluentsBasicAuthAndBearerKeys() {
        new AvroConverter().configure(settings("basic.auth.credentials.source", "USER_INFO",
                "basic.auth.user.info", "alice:" + PASSWORD), false);
        new AvroConverter().configure(settings("bearer.auth.credentials.source", "STATIC_TOKEN",
                "bearer.auth.token", TOKEN), true);
        new AvroConverter().configure(settings("basic.auth.credentials.source", "URL",
                "schema.registry.url", "https://alice:" + PASSWORD + "@registry.example:8081"), false);
    }

    @Test
    void basicAuthAndBearerTokenTogetherNameBothKeys() {
        final ConfigException e = refused(settings("basic.auth.credentials.source", "USER_INFO",
                "basic.auth.user.info", "alice:" + PASSWORD, "bearer.auth.credentials.source", "STATIC_TOKEN",
                "bearer.auth.token", TOKEN));
        assertMentions(e, "basic.auth.user.info", "bearer.auth.token", "not both");
    }

    @Test
    void userInfoInTheUrlAndABearerTokenTogetherAreRefused() {
        final ConfigException e = refused(settings("schema.registry.url",
                "https://alice:" + PASSWORD + "@registry.example:8081", "bearer.auth.token", TOKEN));
        assertMentions(e, "user-info in schema.registry.url", "bearer.auth.token");
    }

    @Test
    void userInfoSourceWithoutUserInfoNamesTheKey() {
        assertMentions(refused(settings("basic.auth.credentials.source", "USER_INFO")),
                "basic.auth.user.info must be set", "basic.auth.credentials.source=USER_INFO");
    }

    @Test
    void urlSourceWithUserInfoSetNamesBothKeys() {
        assertMentions(refused(settings("basic.auth.credentials.source", "URL",
                "basic.auth.user.info", "alice:" + PASSWORD)), "basic.auth.user.info", "basic.auth.credentials.source");
    }

    @Test
    void unsupportedCredentialSourcesNameTheirKey() {
        assertMentions(refused(settings("basic.auth.credentials.source", "SASL_INHERIT")),
                "basic.auth.credentials.source", "SASL_INHERIT is not supported");
        assertMentions(refused(settings("bearer.auth.credentials.source", "OAUTHBEARER", "bearer.auth.token", TOKEN)),
                "bearer.auth.credentials.source", "STATIC_TOKEN");
        assertMentions(refused(settings("bearer.auth.credentials.source", "STATIC_TOKEN")),
                "bearer.auth.token must be set");
    }

    @Test
    void userInfoWithoutAColonIsRefusedWithoutShowingIt() {
        assertMentions(refused(settings("basic.auth.user.info", PASSWORD)), "basic.auth.user.info",
                "user:password");
    }

    @Test
    void unreadableTrustStoreNamesTheKeyAndTheFileButNotThePassword(@TempDir final Path dir) throws IOException {
        final Path notAStore = Files.writeString(dir.resolve("store.p12"), "not a key store");
        final ConfigException e = refused(settings("schema.registry.ssl.truststore.location", notAStore.toString(),
                "schema.registry.ssl.truststore.password", PASSWORD));
        assertMentions(e, "schema.registry.ssl.truststore.location", notAStore.toString());
        assertMentions(refused(settings("schema.registry.ssl.truststore.location", dir.resolve("absent").toString())),
                "schema.registry.ssl.truststore.location", "is not a file");
        assertMentions(refused(settings("schema.registry.ssl.truststore.password", PASSWORD)),
                "schema.registry.ssl.truststore.location is not");
        assertMentions(refused(settings("schema.registry.ssl.truststore.type", "P12")),
                "schema.registry.ssl.truststore.type");
    }

    @Test
    void theDefinitionDocumentsTheNewKeys() {
        assertTrue(AvroConverterConfig.configDef().names().containsAll(java.util.List.of(
                "basic.auth.credentials.source", "basic.auth.user.info", "bearer.auth.credentials.source",
                "bearer.auth.token", "schema.registry.ssl.truststore.location",
                "schema.registry.ssl.truststore.password", "schema.registry.ssl.truststore.type")));
    }
}
