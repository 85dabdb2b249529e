package io.scorestream.schemas.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HttpSchemaRegistryTest {

    private static final Schema R = new Schema.Parser().parse(
            "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}");
    private static final Schema R2 = new Schema.Parser().parse(
            "{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"},"
                    + "{\"name\":\"b\",\"type\":\"long\",\"default\":0}]}");

    private FakeConfluentRegistryServer server;

    @BeforeEach
    void startServer() throws IOException {
        server = FakeConfluentRegistryServer.start();
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    private HttpSchemaRegistry client() {
        return HttpSchemaRegistry.builder(server.url()).build();
    }

    @Test
    void registersWithTheDocumentedRequestAndReturnsTheId() throws IOException {
        // given
        final HttpSchemaRegistry registry = client();

        // when
        final int id = registry.register("transactions-value", R);

        // then
        assertEquals(1, id);
        final FakeConfluentRegistryServer.Request request = server.requests().get(0);
        assertEquals("POST", request.method());
        assertEquals("/subjects/transactions-value/versions", request.path());
        assertEquals("application/vnd.schemaregistry.v1+json", request.contentType());
        assertTrue(request.accept().startsWith("application/vnd.schemaregistry.v1+json"), request.accept());
        final JsonNode body = new ObjectMapper().readTree(request.body());
        assertEquals(R.toString(), body.get("schema").asText());
        assertFalse(body.has("schemaType"), "schemaType is omitted for AVRO");
        assertNull(request.authorization());
    }

    @Test
    void registeringTheSameSchemaAgainMakesNoRequest() {
        // given
        final HttpSchemaRegistry registry = client();
        final int first = registry.register("t-value", R);

        // when
        final int second = registry.register("t-value", new Schema.Parser().parse(R.toString()));

        // then
        assertEquals(first, second);
        assertEquals(1, server.count("POST", "/subjects/t-value/versions"));
    }

    @Test
    void fetchingTheSameIdTwiceMakesOneRequest() {
        // given: a schema registered by someone else
        final int id = server.store().register("t-value", R);
        final HttpSchemaRegistry registry = client();

        // when
        final Schema first = registry.getById(id);
        final Schema second = registry.getById(id);

        // then
        assertEquals(R, first);
        assertSame(first, second);
        assertEquals(1, server.count("GET", "/schemas/ids/" + id));
    }

    @Test
    void schemaRegisteredByThisClientIsReadBackWithoutARequest() {
        // given
        final HttpSchemaRegistry registry = client();
        final int id = registry.register("t-value", R);

        // when
        final Schema schema = registry.getById(id);

        // then
        assertEquals(R, schema);
        assertEquals(0, server.count("GET", "/schemas/ids/" + id));
    }

    @Test
    void unknownIdFailsAsNotFoundNamingPathStatusErrorCodeAndMessage() {
        // given
        final HttpSchemaRegistry registry = client();

        // when
        final SchemaRegistryException e = assertThrows(SchemaRegistryException.class, () -> registry.getById(42));

        // then
        assertTrue(e.isNotFound());
        assertEquals(404, e.httpStatus());
        assertEquals(SchemaRegistryException.SCHEMA_NOT_FOUND, e.errorCode());
        assertTrue(e.getMessage().contains("GET " + server.url() + "/schemas/ids/42"), e.getMessage());
        assertTrue(e.getMessage().contains("HTTP 404"), e.getMessage());
        assertTrue(e.getMessage().contains("error_code 40403"), e.getMessage());
        assertTrue(e.getMessage().contains("Schema 42 not found"), e.getMessage());
    }

    @Test
    void failedFetchIsNotCached() {
        // given
        final HttpSchemaRegistry registry = client();
        assertThrows(SchemaRegistryException.class, () -> registry.getById(1));
        server.store().register("t-value", R);

        // when
        final Schema schema = registry.getById(1);

        // then
        assertEquals(R, schema);
        assertEquals(2, server.count("GET", "/schemas/ids/1"));
    }

    @Test
    void incompatibleSchemaFailsWithStatusAndErrorCode409() {
        // given
        server.rejectAsIncompatible("t-value");
        final HttpSchemaRegistry registry = client();

        // when
        final SchemaRegistryException e =
                assertThrows(SchemaRegistryException.class, () -> registry.register("t-value", R));

        // then
        assertFalse(e.isNotFound());
        assertEquals(409, e.httpStatus());
        assertEquals(SchemaRegistryException.INCOMPATIBLE_SCHEMA, e.errorCode());
        assertTrue(e.getMessage().contains("POST " + server.url() + "/subjects/t-value/versions"), e.getMessage());
        assertTrue(e.getMessage().contains("incompatible with an earlier schema"), e.getMessage());
    }

    @Test
    void nonJsonErrorBodyIsQuotedInTheMessage() {
        // given
        server.failNextAsProxy(1);
        final HttpSchemaRegistry registry = client();

        // when
        final SchemaRegistryException e = assertThrows(SchemaRegistryException.class, () -> registry.getById(7));

        // then
        assertEquals(502, e.httpStatus());
        assertEquals(SchemaRegistryException.NONE, e.errorCode());
        assertFalse(e.isNotFound());
        assertTrue(e.getMessage().contains("HTTP 502: <html><body>502 Bad Gateway</body></html>"), e.getMessage());
    }

    @Test
    void sendsBasicAuthAndNeverShowsTheCredentials() {
        // given
        final String expected = "Basic "
                + Base64.getEncoder().encodeToString("alice:s3cret".getBytes(StandardCharsets.UTF_8));
        server.requireAuthorization(expected);
        final HttpSchemaRegistry registry =
                HttpSchemaRegistry.builder(server.url()).basicAuth("alice:s3cret").build();

        // when
        registry.register("t-value", R);
        final SchemaRegistryException e = assertThrows(SchemaRegistryException.class, () -> registry.getById(99));

        // then
        assertEquals(expected, server.requests().get(0).authorization());
        assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
        assertFalse(registry.toString().contains("s3cret"), registry.toString());
        assertTrue(registry.toString().contains("basic auth"), registry.toString());
    }

    @Test
    void takesBasicAuthFromUserInfoOfTheUrl() {
        // given
        final String expected = "Basic "
                + Base64.getEncoder().encodeToString("bob:pw".getBytes(StandardCharsets.UTF_8));
        server.requireAuthorization(expected);
        final HttpSchemaRegistry registry =
                HttpSchemaRegistry.builder(server.url().replace("http://", "http://bob:pw@")).build();

        // when
        final int id = registry.register("t-value", R);

        // then
        assertEquals(1, id);
        assertFalse(registry.toString().contains("pw@"), registry.toString());
    }

    @Test
    void wrongCredentialsFailWith401() {
        // given
        server.requireAuthorization("Basic nope");
        final HttpSchemaRegistry registry =
                HttpSchemaRegistry.builder(server.url()).basicAuth("alice:wrong").build();

        // when
        final SchemaRegistryException e =
                assertThrows(SchemaRegistryException.class, () -> registry.register("t-value", R));

        // then
        assertEquals(401, e.httpStatus());
        assertTrue(e.getMessage().contains("Unauthorized"), e.getMessage());
    }

    @Test
    void sendsABearerTokenAndNeverShowsIt() {
        // given
        server.requireAuthorization("Bearer tok-5f1e9a");
        final HttpSchemaRegistry registry = HttpSchemaRegistry.builder(server.url()).bearerToken("tok-5f1e9a").build();

        // when
        registry.register("t-value", R);

        // then
        assertEquals("Bearer tok-5f1e9a", server.requests().get(0).authorization());
        assertFalse(registry.toString().contains("tok-5f1e9a"), registry.toString());
        assertTrue(registry.toString().contains("bearer token"), registry.toString());
    }

    @Test
    void forbiddenIsA403NamingTheRegistryAndTheRequestNotTheCredential() {
        // given
        server.forbidEverything();
        final HttpSchemaRegistry registry = HttpSchemaRegistry.builder(server.url()).basicAuth("alice:s3cret").build();

        // when
        final SchemaRegistryException e =
                assertThrows(SchemaRegistryException.class, () -> registry.register("t-value", R));

        // then
        assertEquals(403, e.httpStatus());
        assertTrue(e.getMessage().contains("the registry at " + server.url() + " accepted basic auth but refuses "
                + "this principal POST /subjects/t-value/versions"), e.getMessage());
        assertTrue(e.getMessage().contains("error_code 40301"), e.getMessage());
        assertFalse(e.getMessage().contains("s3cret"), e.getMessage());
        assertFalse(e.getMessage().contains("alice"), e.getMessage());
    }

    @Test
    void aMissingTrustStoreFileIsNamed() {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HttpSchemaRegistry.builder("https://registry:8081")
                        .trustStore(java.nio.file.Path.of("/nonexistent/ca.p12"), "PKCS12", "pw").build());
        assertTrue(e.getMessage().contains("/nonexistent/ca.p12"), e.getMessage());
    }

    @Test
    void keepsThePathPrefixOfTheBaseUrl() throws IOException {
        // given
        try (FakeConfluentRegistryServer proxied = FakeConfluentRegistryServer.startUnder("/registry")) {
            final HttpSchemaRegistry registry = HttpSchemaRegistry.builder(proxied.url() + "/").build();

            // when
            final int id = registry.register("t-value", R);

            // then
            assertEquals(1, id);
            assertEquals(1, proxied.count("POST", "/registry/subjects/t-value/versions"));
        }
    }

    @Test
    void encodesSubjectsInThePath() {
        // given
        final HttpSchemaRegistry registry = client();

        // when
        registry.register("odd topic/é-value", R);

        // then
        assertEquals("/subjects/odd%20topic%2F%C3%A9-value/versions", server.requests().get(0).path());
        assertEquals(1, server.store().latest("odd topic/é-value").id());
    }

    @Test
    void looksUpIdsWithoutRegisteringAndCachesThem() {
        // given
        final HttpSchemaRegistry registry = client();
        final SchemaRegistryException missing =
                assertThrows(SchemaRegistryException.class, () -> registry.idOf("t-value", R));
        server.store().register("t-value", R);

        // when
        final int first = registry.idOf("t-value", R);
        final int second = registry.idOf("t-value", R);

        // then
        assertTrue(missing.isNotFound());
        assertEquals(SchemaRegistryException.SUBJECT_NOT_FOUND, missing.errorCode());
        assertEquals(1, first);
        assertEquals(1, second);
        assertEquals(2, server.count("POST", "/subjects/t-value"));
        assertEquals(0, server.count("POST", "/subjects/t-value/versions"));
    }

    @Test
    void latestAsksEveryTime() {
        // given
        final HttpSchemaRegistry registry = client();
        server.store().register("t-value", R);
        assertEquals(1, registry.latest("t-value").version());
        server.store().register("t-value", R2);

        // when
        final RegisteredSchema latest = registry.latest("t-value");

        // then
        assertEquals(new RegisteredSchema("t-value", 2, 2, R2), latest);
        assertEquals(2, server.count("GET", "/subjects/t-value/versions/latest"));
    }

    @Test
    void unreachableRegistryFailsWithoutClaimingNotFound() throws IOException {
        // given: a port nobody listens on
        final int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        final HttpSchemaRegistry registry = HttpSchemaRegistry.builder("http://127.0.0.1:" + port)
                .connectTimeout(Duration.ofSeconds(1)).requestTimeout(Duration.ofSeconds(1)).build();

        // when
        final SchemaRegistryException e = assertThrows(SchemaRegistryException.class, () -> registry.getById(1));

        // then
        assertFalse(e.isNotFound());
        assertEquals(SchemaRegistryException.NONE, e.httpStatus());
        assertTrue(e.getMessage().contains("GET http://127.0.0.1:" + port + "/schemas/ids/1 failed"), e.getMessage());
    }

    @Test
    void builderRejectsBadSettingsNamingThem() {
        // when / then
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> HttpSchemaRegistry.builder("ftp://host").build()).getMessage().contains("http://"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> HttpSchemaRegistry.builder(" ").build()).getMessage().contains("blank"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> HttpSchemaRegistry.builder("http://host").requestTimeout(Duration.ZERO).build())
                .getMessage().contains("request timeout"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> HttpSchemaRegistry.builder("http://host").basicAuth("justuser").build())
                .getMessage().contains("user:password"));
    }
}
