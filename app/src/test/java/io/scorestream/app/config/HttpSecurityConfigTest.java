package io.scorestream.app.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import io.scorestream.app.metrics.EndpointSecurity;
import io.scorestream.schemas.registry.HttpSchemaRegistry;
import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import io.scorestream.testkit.SchemaRegistryServer;
import io.scorestream.testkit.TestCertificates;

import org.apache.avro.Schema;
import org.apache.kafka.common.config.ConfigException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The keys of the schema registry's credentials and trust store and of the metrics endpoint's basic
 * auth and TLS: what they build, the messages of bad values naming the keys, and that no secret
 * shows in a message, a {@code toString()} or the documentation.
 */
class HttpSecurityConfigTest {

    private static final Schema R = new Schema.Parser().parse(
            "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}");
    private static final String REGISTRY_USER_INFO = "scorer:pw-reg-4be1c0";
    private static final String TOKEN = "tok-reg-93a7d2";
    private static final String METRICS_USER_INFO = "prometheus:pw-met-2f6e19";
    private static final List<String> SECRETS = List.of("pw-reg-4be1c0", "tok-reg-93a7d2", "pw-met-2f6e19");

    @TempDir
    static Path dir;
    private static TestCertificates certificates;

    @BeforeAll
    static void makeCertificates() {
        certificates = TestCertificates.create(dir);
    }

    private static Map<String, Object> required(final Object... keyValues) {
        final Map<String, Object> config = new HashMap<>();
        config.put("bootstrap.servers", "localhost:9092");
        config.put("input.topics", "features");
        config.put("model.name", "fraud");
        for (int i = 0; i < keyValues.length; i += 2) {
            config.put((String) keyValues[i], keyValues[i + 1]);
        }
        return config;
    }

    private static ConfigException refused(final Map<String, Object> settings) {
        final ConfigException e = assertThrows(ConfigException.class, () -> ScorestreamConfig.of(settings));
        assertNoSecret(e.getMessage());
        return e;
    }

    private static void assertNoSecret(final String text) {
        for (final String secret : SECRETS) {
            assertFalse(text.contains(secret), text);
        }
        assertFalse(text.contains(certificates.password()), text);
    }

    private static void assertMentions(final Exception e, final String... parts) {
        for (final String part : parts) {
            assertTrue(e.getMessage().contains(part), "'" + part + "' not in: " + e.getMessage());
        }
    }

    @Test
    void theRunsRegistryClientUsesTheTrustStoreAndCredentials() {
        try (SchemaRegistryServer server = SchemaRegistryServer.builder(new InMemorySchemaRegistry())
                .tls(certificates.serverContext()).basicAuth(REGISTRY_USER_INFO).start()) {
            // given
            final ScorestreamConfig config = ScorestreamConfig.of(required(
                    "schema.registry.url", server.url(),
                    "schema.registry.basic.auth.user.info", REGISTRY_USER_INFO,
                    "schema.registry.ssl.truststore.location", certificates.truststore().toString(),
                    "schema.registry.ssl.truststore.password", certificates.password()));

            // when
            final HttpSchemaRegistry client = config.schemaRegistry().client();

            // then
            assertEquals(1, client.register("features-value", R));
            assertNoSecret(client.toString());
            assertNoSecret(config.schemaRegistry().toString());
            assertNoSecret(config.toString());
        }
    }

    @Test
    void theRunsRegistryClientSendsABearerTokenTrustingAPemFile() {
        try (SchemaRegistryServer server = SchemaRegistryServer.builder(new InMemorySchemaRegistry())
                .tls(certificates.serverContext()).bearerToken(TOKEN).start()) {
            final ScorestreamConfig config = ScorestreamConfig.of(required(
                    "schema.registry.url", server.url(),
                    "schema.registry.bearer.auth.token", TOKEN,
                    "schema.registry.ssl.truststore.location", certificates.caPem().toString(),
                    "schema.registry.ssl.truststore.type", "pem"));

            assertEquals(1, config.schemaRegistry().client().register("features-value", R));
            assertEquals("[hidden]", config.redacted().get("schema.registry.bearer.auth.token"));
        }
    }

    @Test
    void basicAuthAndBearerTokenTogetherNameBothKeys() {
        assertMentions(refused(required("schema.registry.url", "https://registry:8081",
                        "schema.registry.basic.auth.user.info", REGISTRY_USER_INFO,
                        "schema.registry.bearer.auth.token", TOKEN)),
                "schema.registry.basic.auth.user.info", "schema.registry.bearer.auth.token", "not both");
        assertMentions(refused(required("schema.registry.url", "https://scorer:pw-reg-4be1c0@registry:8081",
                        "schema.registry.bearer.auth.token", TOKEN)),
                "user-info in schema.registry.url", "schema.registry.bearer.auth.token");
    }

    @Test
    void badRegistrySettingsNameTheirKey() {
        assertMentions(refused(required("schema.registry.basic.auth.user.info", "pw-reg-4be1c0")),
                "schema.registry.basic.auth.user.info", "user:password");
        assertMentions(refused(required("schema.registry.ssl.truststore.password", certificates.password())),
                "schema.registry.ssl.truststore.password", "schema.registry.ssl.truststore.location");
        assertMentions(refused(required("schema.registry.ssl.truststore.type", "p7b")),
                "schema.registry.ssl.truststore.type");
        final ScorestreamConfig wrongPassword = ScorestreamConfig.of(required(
                "schema.registry.url", "https://127.0.0.1:1",
                "schema.registry.ssl.truststore.location", certificates.truststore().toString(),
                "schema.registry.ssl.truststore.password", "pw-reg-4be1c0"));
        final ConfigException e = assertThrows(ConfigException.class, () -> wrongPassword.schemaRegistry().client());
        assertMentions(e, "schema.registry.ssl.truststore.location", certificates.truststore().toString(),
                "wrong password");
        assertNoSecret(e.getMessage());
    }

    @Test
    void metricsEndpointSecurityIsBuiltFromItsKeys() {
        final ScorestreamConfig config = ScorestreamConfig.of(required(
                "metrics.basic.auth.user.info", METRICS_USER_INFO,
                "metrics.ssl.keystore.location", certificates.keystore().toString(),
                "metrics.ssl.keystore.password", certificates.password()));

        final EndpointSecurity security = config.metrics().security();

        assertTrue(security.authenticates());
        assertEquals("EndpointSecurity[TLS, basic auth]", security.toString());
        assertNoSecret(config.metrics().toString());
        assertNoSecret(config.toString());
        assertEquals("[hidden]", config.redacted().get("metrics.basic.auth.user.info"));
        assertEquals("[hidden]", config.redacted().get("metrics.ssl.keystore.password"));
        assertEquals("EndpointSecurity[plain HTTP, no authentication]",
                ScorestreamConfig.of(required()).metrics().security().toString());
    }

    @Test
    void badMetricsSettingsNameTheirKey() {
        assertMentions(refused(required("metrics.basic.auth.user.info", "pw-met-2f6e19")),
                "metrics.basic.auth.user.info", "user:password");
        assertMentions(refused(required("metrics.ssl.keystore.password", "pw-met-2f6e19")),
                "metrics.ssl.keystore.password", "metrics.ssl.keystore.location");
        assertMentions(refused(required("metrics.ssl.keystore.type", "PEM")), "metrics.ssl.keystore.type");
        final ScorestreamConfig wrongPassword = ScorestreamConfig.of(required(
                "metrics.ssl.keystore.location", certificates.keystore().toString(),
                "metrics.ssl.keystore.password", "pw-met-2f6e19"));
        final ConfigException e = assertThrows(ConfigException.class, () -> wrongPassword.metrics().security());
        assertMentions(e, "metrics.ssl.keystore.location", certificates.keystore().toString());
        assertNoSecret(e.getMessage());
    }

    @Test
    void theDocumentationListsTheKeysAndNoSecret() {
        final String doc = ScorestreamConfig.documentation();

        for (final String key : List.of("schema.registry.bearer.auth.token", "schema.registry.ssl.truststore.location",
                "schema.registry.ssl.truststore.password", "schema.registry.ssl.truststore.type",
                "metrics.basic.auth.user.info", "metrics.ssl.keystore.location", "metrics.ssl.keystore.password",
                "metrics.ssl.keystore.type", "metrics.ssl.key.password")) {
            assertTrue(doc.contains("`" + key + "`"), key);
        }
        assertNoSecret(doc);
    }

    @Test
    void aToolsPropertiesFileGivesTheSameSettings() {
        try (SchemaRegistryServer server = SchemaRegistryServer.builder(new InMemorySchemaRegistry())
                .tls(certificates.serverContext()).basicAuth(REGISTRY_USER_INFO).start()) {
            // given: the application's own properties, other keys included
            final Map<String, String> file = Map.of(
                    "bootstrap.servers", "ignored:9092",
                    "schema.registry.basic.auth.user.info", REGISTRY_USER_INFO,
                    "schema.registry.ssl.truststore.location", certificates.truststore().toString(),
                    "schema.registry.ssl.truststore.password", certificates.password());

            // when
            final HttpSchemaRegistry client = SchemaRegistryConfig.fromProperties(file, "file app.properties")
                    .client(server.url());

            // then
            assertEquals(1, client.register("features-value", R));
        }
        final ConfigException e = assertThrows(ConfigException.class, () -> SchemaRegistryConfig.fromProperties(
                Map.of("schema.registry.basic.auth.userinfo", REGISTRY_USER_INFO), "file app.properties"));
        assertMentions(e, "schema.registry.basic.auth.userinfo", "file app.properties",
                "schema.registry.basic.auth.user.info");
        assertNoSecret(e.getMessage());
    }
}
