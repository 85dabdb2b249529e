package io.scorestream.tests.connect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.connectors.avro.AvroConverter;
import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import io.scorestream.testkit.SchemaRegistryServer;
import io.scorestream.testkit.TestCertificates;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.connect.data.Schema;
import org.apache.kafka.connect.data.SchemaAndValue;
import org.apache.kafka.connect.data.SchemaBuilder;
import org.apache.kafka.connect.data.Struct;
import org.apache.kafka.connect.errors.DataException;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Connect converter, configured with Confluent's key names as a worker passes them, against the
 * testkit's schema-registry server behind TLS (the test CA) and requiring credentials.
 */
class AvroConverterSecureRegistryTest {

    private static final Schema SCORE = SchemaBuilder.struct().name("Score")
            .field("id", Schema.STRING_SCHEMA).field("p", Schema.FLOAT64_SCHEMA).build();
    private static final String USER_INFO = "connect:pw-e41d2b77";
    private static final String TOKEN = "tok-0f9c3a5d";

    @TempDir
    static Path dir;
    private static TestCertificates certificates;

    @BeforeAll
    static void makeCertificates() {
        certificates = TestCertificates.create(dir);
    }

    private static Map<String, Object> tls(final SchemaRegistryServer server) {
        final Map<String, Object> settings = new HashMap<>();
        settings.put("schema.registry.url", server.url());
        settings.put("schema.registry.ssl.truststore.location", certificates.truststore().toString());
        settings.put("schema.registry.ssl.truststore.password", certificates.password());
        settings.put("schema.registry.ssl.truststore.type", "PKCS12");
        return settings;
    }

    private static void roundTrip(final Map<String, Object> settings, final SchemaRegistryServer server) {
        final AvroConverter converter = new AvroConverter();
        converter.configure(settings, false);
        final Struct score = new Struct(SCORE).put("id", "e-1").put("p", 0.25);

        final byte[] bytes = converter.fromConnectData("scores", SCORE, score);
        final SchemaAndValue back = converter.toConnectData("scores", bytes);

        assertEquals(score, back.value());
        assertEquals(List.of("scores-value"), server.subjects());
    }

    @Test
    void writesAndReadsThroughARegistryBehindTlsAndBasicAuth() {
        try (SchemaRegistryServer server = SchemaRegistryServer.builder(new InMemorySchemaRegistry())
                .tls(certificates.serverContext()).basicAuth(USER_INFO).start()) {
            final Map<String, Object> settings = tls(server);
            settings.put("basic.auth.credentials.source", "USER_INFO");
            settings.put("basic.auth.user.info", USER_INFO);

            roundTrip(settings, server);
        }
    }

    @Test
    void writesAndReadsThroughARegistryBehindTlsWithAStaticBearerToken() {
        try (SchemaRegistryServer server = SchemaRegistryServer.builder(new InMemorySchemaRegistry())
                .tls(certificates.serverContext()).bearerToken(TOKEN).start()) {
            final Map<String, Object> settings = tls(server);
            settings.put("schema.registry.ssl.truststore.location", certificates.caPem().toString());
            settings.put("schema.registry.ssl.truststore.type", "PEM");
            settings.remove("schema.registry.ssl.truststore.password");
            settings.put("bearer.auth.credentials.source", "STATIC_TOKEN");
            settings.put("bearer.auth.token", TOKEN);

            roundTrip(settings, server);
        }
    }

    @Test
    void aRefusedCredentialIsADataExceptionNamingTheRegistryNotTheSecret() {
        try (SchemaRegistryServer server = SchemaRegistryServer.builder(new InMemorySchemaRegistry())
                .tls(certificates.serverContext()).basicAuth(USER_INFO).start()) {
            final Map<String, Object> settings = tls(server);
            settings.put("basic.auth.credentials.source", "USER_INFO");
            settings.put("basic.auth.user.info", "connect:pw-wrong-118");
            final AvroConverter converter = new AvroConverter();
            converter.configure(settings, false);

            final DataException e = assertThrows(DataException.class, () -> converter.fromConnectData("scores", SCORE,
                    new Struct(SCORE).put("id", "e-1").put("p", 0.5)));

            assertTrue(e.getMessage().contains(server.url()), e.getMessage());
            assertTrue(e.getMessage().contains("HTTP 401"), e.getMessage());
            assertFalse(e.getMessage().contains("pw-wrong-118"), e.getMessage());
            assertFalse(e.getMessage().contains(certificates.password()), e.getMessage());
        }
    }
}
