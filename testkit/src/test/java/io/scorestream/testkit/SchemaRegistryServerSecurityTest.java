package io.scorestream.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.schemas.registry.HttpSchemaRegistry;
import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import io.scorestream.schemas.registry.SchemaRegistryException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.avro.Schema;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link HttpSchemaRegistry} against {@link SchemaRegistryServer} behind TLS (the test CA of
 * {@link TestCertificates}) and requiring basic auth or a bearer token.
 */
class SchemaRegistryServerSecurityTest {

    private static final Schema R = new Schema.Parser().parse(
            "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}");
    private static final String USER_INFO = "alice:pw-5b1f0c9e";
    private static final String TOKEN = "tok-7d2a6f13c4e8";

    @TempDir
    static Path dir;
    private static TestCertificates certificates;

    @BeforeAll
    static void makeCertificates() {
        certificates = TestCertificates.create(dir);
    }

    private static SchemaRegistryServer.Builder tlsServer() {
        return SchemaRegistryServer.builder(new InMemorySchemaRegistry()).tls(certificates.serverContext());
    }

    private static HttpSchemaRegistry.Builder trustingClient(final SchemaRegistryServer server) {
        return HttpSchemaRegistry.builder(server.url()).connectTimeout(Duration.ofSeconds(2))
                .trustStore(certificates.truststore(), "PKCS12", certificates.password());
    }

    @Test
    void registersAndReadsBackOverTlsWithBasicAuth() {
        // given
        try (SchemaRegistryServer server = tlsServer().basicAuth(USER_INFO).start()) {
            final HttpSchemaRegistry client = trustingClient(server).basicAuth(USER_INFO).build();

            // when
            final int id = client.register("t-value", R);

            // then
            assertTrue(server.url().startsWith("https://127.0.0.1:"), server.url());
            assertEquals(R, trustingClient(server).basicAuth(USER_INFO).build().getById(id));
            assertFalse(client.toString().contains("pw-5b1f0c9e"), client.toString());
            assertFalse(client.toString().contains(certificates.password()), client.toString());
        }
    }

    @Test
    void registersOverTlsWithABearerTokenTrustingAPemCaFile() {
        // given
        try (SchemaRegistryServer server = tlsServer().bearerToken(TOKEN).start()) {
            final HttpSchemaRegistry client = HttpSchemaRegistry.builder(server.url())
                    .trustStore(certificates.caPem(), "PEM", null).bearerToken(TOKEN).build();

            // when
            final int id = client.register("t-value", R);

            // then
            assertEquals(R, client.latest("t-value").schema());
            assertEquals(id, client.idOf("t-value", R));
            assertFalse(client.toString().contains(TOKEN), client.toString());
        }
    }

    @Test
    void wrongPasswordIsAClear401NamingTheRegistryWithoutTheCredential() {
        // given
        try (SchemaRegistryServer server = tlsServer().basicAuth(USER_INFO).start()) {
            final HttpSchemaRegistry client = trustingClient(server).basicAuth("alice:wrong-pw-91c3").build();

            // when
            final SchemaRegistryException e =
                    assertThrows(SchemaRegistryException.class, () -> client.register("t-value", R));

            // then
            assertEquals(401, e.httpStatus());
            assertTrue(e.getMessage().contains(server.url()), e.getMessage());
            assertTrue(e.getMessage().contains("did not accept basic auth"), e.getMessage());
            assertFalse(e.getMessage().contains("wrong-pw-91c3"), e.getMessage());
            assertFalse(e.getMessage().contains("alice"), e.getMessage());
        }
    }

    @Test
    void missingCredentialsAreA401SayingAuthenticationIsRequired() {
        try (SchemaRegistryServer server = tlsServer().bearerToken(TOKEN).start()) {
            final SchemaRegistryException e = assertThrows(SchemaRegistryException.class,
                    () -> trustingClient(server).build().getById(1));

            assertEquals(401, e.httpStatus());
            assertTrue(e.getMessage().contains("requires authentication"), e.getMessage());
        }
    }

    @Test
    void wrongBearerTokenIsRefused() {
        try (SchemaRegistryServer server = tlsServer().bearerToken(TOKEN).start()) {
            final SchemaRegistryException e = assertThrows(SchemaRegistryException.class,
                    () -> trustingClient(server).bearerToken("tok-other-55").build().getById(1));

            assertEquals(401, e.httpStatus());
            assertTrue(e.getMessage().contains("did not accept a bearer token"), e.getMessage());
            assertFalse(e.getMessage().contains("tok-other-55"), e.getMessage());
        }
    }

    @Test
    void serverAnswers401WithAChallenge() throws IOException, InterruptedException {
        // given
        try (SchemaRegistryServer server = tlsServer().basicAuth(USER_INFO).start()) {
            final HttpClient raw = HttpClient.newBuilder().sslContext(certificates.clientContext()).build();

            // when
            final HttpResponse<String> answer = raw.send(HttpRequest.newBuilder(URI.create(server.url() + "/subjects"))
                    .build(), HttpResponse.BodyHandlers.ofString());

            // then
            assertEquals(401, answer.statusCode());
            assertTrue(answer.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Basic"),
                    answer.headers().toString());
            assertTrue(answer.body().contains("\"error_code\":401"), answer.body());
        }
    }

    @Test
    void untrustedCertificateIsAClearTlsErrorNamingTheUrl() {
        // given: the client trusts only the JDK's default CAs, not the test CA
        try (SchemaRegistryServer server = tlsServer().start()) {
            final HttpSchemaRegistry client = HttpSchemaRegistry.builder(server.url()).build();

            // when
            final SchemaRegistryException e =
                    assertThrows(SchemaRegistryException.class, () -> client.register("t-value", R));

            // then
            assertTrue(e.getMessage().contains("no TLS connection to " + server.url()), e.getMessage());
            assertTrue(e.getMessage().contains("certificate is not accepted"), e.getMessage());
            assertTrue(e.getMessage().contains("default trust store"), e.getMessage());
        }
    }

    @Test
    void certificateForAnotherHostIsRefusedEvenWhenItsCaIsTrusted() {
        // given: the certificate names localhost and 127.0.0.1, the client asks for 127.0.0.2
        try (SchemaRegistryServer server = tlsServer().bindAddress("0.0.0.0").start()) {
            final HttpSchemaRegistry client = HttpSchemaRegistry.builder("https://127.0.0.2:" + server.port())
                    .trustStore(certificates.truststore(), null, certificates.password()).build();

            // when
            final SchemaRegistryException e =
                    assertThrows(SchemaRegistryException.class, () -> client.getById(1));

            // then
            assertTrue(e.getMessage().contains("no TLS connection to https://127.0.0.2:" + server.port()),
                    e.getMessage());
            assertTrue(e.getMessage().contains(certificates.truststore().toString()), e.getMessage());
        }
    }

    @Test
    void wrongTrustStorePasswordIsRefusedWithoutShowingIt() {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HttpSchemaRegistry.builder("https://127.0.0.1:1")
                        .trustStore(certificates.truststore(), "PKCS12", "not-the-password-42").build());

        assertTrue(e.getMessage().contains(certificates.truststore().toString()), e.getMessage());
        assertTrue(e.getMessage().contains("wrong password"), e.getMessage());
        assertFalse(e.getMessage().contains("not-the-password-42"), e.getMessage());
    }

    @Test
    void basicAuthAndBearerTokenTogetherAreRefused() {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HttpSchemaRegistry.builder("https://127.0.0.1:1").basicAuth(USER_INFO).bearerToken(TOKEN).build());

        assertTrue(e.getMessage().contains("basic auth and a bearer token are both set"), e.getMessage());
        assertFalse(e.getMessage().contains(TOKEN), e.getMessage());
    }

    @Test
    void defaultServerStaysPlainHttpWithoutAuthentication() {
        try (SchemaRegistryServer server = SchemaRegistryServer.start(new InMemorySchemaRegistry())) {
            assertTrue(server.url().startsWith("http://"), server.url());
            assertEquals(1, HttpSchemaRegistry.builder(server.url()).build().register("t-value", R));
        }
    }
}
