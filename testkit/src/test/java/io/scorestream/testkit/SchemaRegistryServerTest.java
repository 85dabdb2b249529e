package io.scorestream.testkit;

import io.scorestream.schemas.registry.HttpSchemaRegistry;
import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import io.scorestream.schemas.registry.RegisteredSchema;
import io.scorestream.schemas.registry.SchemaRegistryException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.scorestream.schemas.serde.ConfluentAvroDeserializer;
import io.scorestream.schemas.serde.ConfluentAvroSerializer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.util.Utf8;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SchemaRegistryServerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Schema R = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"R\",\"fields\":["
            + "{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"s\",\"type\":\"string\"}]}");
    private static final Schema R2 = new Schema.Parser().parse("{\"type\":\"record\",\"name\":\"R\",\"fields\":["
            + "{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"s\",\"type\":\"string\"},"
            + "{\"name\":\"t\",\"type\":\"long\",\"default\":0}]}");

    private final HttpClient raw = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private SchemaRegistryServer server;

    @BeforeEach
    void startServer() {
        server = SchemaRegistryServer.start(new InMemorySchemaRegistry());
    }

    @AfterEach
    void stopServer() {
        server.close();
    }

    /** A new client each time, as if in another JVM: it shares nothing with the others but the server. */
    private HttpSchemaRegistry client() {
        return HttpSchemaRegistry.builder(server.url()).connectTimeout(Duration.ofSeconds(2)).build();
    }

    @Test
    void registeredSchemaIsReadBackByAnotherClient() {
        // given
        final int id = client().register("transactions-value", R);

        // when
        final HttpSchemaRegistry other = client();
        final Schema byId = other.getById(id);
        final RegisteredSchema latest = other.latest("transactions-value");

        // then
        assertEquals(1, id);
        assertEquals(R, byId);
        assertEquals(new RegisteredSchema("transactions-value", 1, id, R), latest);
        assertEquals(id, other.idOf("transactions-value", R));
        assertEquals(id, server.backing().idOf("transactions-value", R));
    }

    @Test
    void sameSchemaUnderAnotherSubjectGetsTheSameId() {
        // given
        final int first = client().register("transactions-value", R);

        // when
        final int second = client().register("scores.v1-value", R);
        final int evolved = client().register("transactions-value", R2);

        // then
        assertEquals(first, second);
        assertNotEquals(first, evolved);
        assertEquals(2, client().latest("transactions-value").version());
        assertEquals(List.of("scores.v1-value", "transactions-value"), server.subjects());
    }

    @Test
    void unknownIdIsSchemaNotFound() {
        // when
        final SchemaRegistryException e = assertThrows(SchemaRegistryException.class, () -> client().getById(42));

        // then
        assertTrue(e.isNotFound());
        assertEquals(404, e.httpStatus());
        assertEquals(SchemaRegistryException.SCHEMA_NOT_FOUND, e.errorCode());
        assertTrue(e.getMessage().contains("Schema 42 not found"), e.getMessage());
    }

    @Test
    void unknownSubjectIsSubjectNotFoundForLatestAndLookup() {
        // when
        final SchemaRegistryException latest =
                assertThrows(SchemaRegistryException.class, () -> client().latest("nobody-value"));
        final SchemaRegistryException lookup =
                assertThrows(SchemaRegistryException.class, () -> client().idOf("nobody-value", R));

        // then
        assertEquals(SchemaRegistryException.SUBJECT_NOT_FOUND, latest.errorCode());
        assertEquals(SchemaRegistryException.SUBJECT_NOT_FOUND, lookup.errorCode());
        assertEquals(404, lookup.httpStatus());
    }

    @Test
    void lookupOfSchemaNotUnderSubjectIsSchemaNotFound() {
        // given
        client().register("transactions-value", R);

        // when
        final SchemaRegistryException e =
                assertThrows(SchemaRegistryException.class, () -> client().idOf("transactions-value", R2));

        // then
        assertTrue(e.isNotFound());
        assertEquals(SchemaRegistryException.SCHEMA_NOT_FOUND, e.errorCode());
    }

    @Test
    void lookupAnswersSubjectIdVersionAndSchema() throws Exception {
        // given
        client().register("transactions-value", R);
        client().register("transactions-value", R2);

        // when: the first version, no longer the latest
        final HttpResponse<String> answer = post("/subjects/transactions-value", schemaBody(R.toString()),
                "application/json");

        // then
        assertEquals(200, answer.statusCode());
        final JsonNode body = JSON.readTree(answer.body());
        assertEquals("transactions-value", body.get("subject").asText());
        assertEquals(1, body.get("id").asInt());
        assertEquals(1, body.get("version").asInt());
        assertEquals(R, new Schema.Parser().parse(body.get("schema").asText()));
    }

    @Test
    void invalidSchemaIsRejectedWith42201() throws Exception {
        // when
        final HttpResponse<String> answer = post("/subjects/transactions-value/versions",
                schemaBody("{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"nope\"}]}"),
                "application/vnd.schemaregistry.v1+json");

        // then
        assertEquals(422, answer.statusCode());
        assertEquals(SchemaRegistryException.INVALID_SCHEMA, JSON.readTree(answer.body()).get("error_code").asInt());
        assertEquals("application/vnd.schemaregistry.v1+json", answer.headers().firstValue("Content-Type").orElse(""));
        assertEquals(List.of(), server.subjects());
    }

    @Test
    void schemaTypeOtherThanAvroIsRejectedWith42201() throws Exception {
        // given
        final String body = JSON.createObjectNode().put("schemaType", "PROTOBUF")
                .put("schema", "syntax = \"proto3\"; message M {}").toString();

        // when
        final HttpResponse<String> answer = post("/subjects/m-value/versions", body, "application/json");

        // then
        assertEquals(422, answer.statusCode());
        assertEquals(SchemaRegistryException.INVALID_SCHEMA, JSON.readTree(answer.body()).get("error_code").asInt());
    }

    @Test
    void explicitAvroSchemaTypeIsAccepted() throws Exception {
        // given
        final String body = JSON.createObjectNode().put("schemaType", "AVRO").put("schema", R.toString()).toString();

        // when
        final HttpResponse<String> answer = post("/subjects/r-value/versions", body, "application/json");

        // then
        assertEquals(200, answer.statusCode());
        assertEquals(1, JSON.readTree(answer.body()).get("id").asInt());
    }

    @Test
    void unsupportedContentTypeIs415() throws Exception {
        // when
        final HttpResponse<String> answer = post("/subjects/r-value/versions", schemaBody(R.toString()), "text/plain");

        // then
        assertEquals(415, answer.statusCode());
    }

    @Test
    void unknownPathIs404AndWrongMethodIs405() throws Exception {
        // when
        final HttpResponse<String> unknown = get("/config/whatever");
        final HttpResponse<String> badId = get("/schemas/ids/abc");
        final HttpResponse<String> wrongMethod = get("/subjects/r-value/versions");

        // then
        assertEquals(404, unknown.statusCode());
        assertEquals(404, JSON.readTree(unknown.body()).get("error_code").asInt());
        assertEquals(404, badId.statusCode());
        assertEquals(405, wrongMethod.statusCode());
        assertEquals("POST", wrongMethod.headers().firstValue("Allow").orElse(""));
    }

    @Test
    void subjectsAreListedAndPercentDecoded() throws Exception {
        // given: the client percent-encodes; the server must decode back to the same subject
        client().register("io.scorestream.Transaction-value", R);
        client().register("a b+c", R2);

        // when
        final HttpResponse<String> answer = get("/subjects");

        // then
        assertEquals(200, answer.statusCode());
        assertEquals("[\"a b+c\",\"io.scorestream.Transaction-value\"]", answer.body());
        assertEquals(R2, server.backing().latest("a b+c").schema());
    }

    @Test
    void subjectsNamedAtStartAreListedWithThoseRegisteredThroughTheServer() throws Exception {
        // given: a backing registry that already holds a subject (as one restored from a file would)
        final InMemorySchemaRegistry restored = new InMemorySchemaRegistry();
        restored.register("transactions-value", R);
        server.close();
        server = SchemaRegistryServer.start(restored, SchemaRegistryServer.DEFAULT_BIND_ADDRESS, 0,
                List.of("transactions-value"));

        // when: another subject is registered over HTTP
        client().register("scores-value", R2);

        // then: both are listed
        final HttpResponse<String> answer = get("/subjects");
        assertEquals(200, answer.statusCode());
        assertEquals("[\"scores-value\",\"transactions-value\"]", answer.body());
        assertEquals(List.of("scores-value", "transactions-value"), server.subjects());
    }

    @Test
    void aSubjectNamedAtStartMustBeInTheBackingRegistry() {
        final IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SchemaRegistryServer
                .start(new InMemorySchemaRegistry(), SchemaRegistryServer.DEFAULT_BIND_ADDRESS, 0, List.of("nobody")));
        assertTrue(e.getMessage().contains("'nobody'"), e.getMessage());
    }

    @Test
    void serdeRoundTripsBetweenTwoClientsSharingTheServer() {
        // given: a producer and a consumer as in two JVMs, each with its own client
        final ConfluentAvroSerializer<GenericRecord> producer = ConfluentAvroSerializer.generic(client(), false);
        final ConfluentAvroDeserializer<GenericRecord> consumer = ConfluentAvroDeserializer.generic(client(), false);
        final GenericRecord record = new GenericData.Record(R);
        record.put("a", 7);
        record.put("s", new Utf8("seven"));

        // when
        final byte[] bytes = producer.serialize("transactions", record);
        final GenericRecord read = consumer.deserialize("transactions", bytes);

        // then
        assertEquals(record, read);
        assertEquals(R, server.backing().latest("transactions-value").schema());
    }

    @Test
    void closeStopsServingPromptlyAndIsIdempotent() {
        // given
        final HttpSchemaRegistry client = client();
        client.register("transactions-value", R);
        final long before = System.nanoTime();

        // when
        server.close();
        server.close();

        // then
        assertTrue(System.nanoTime() - before < Duration.ofSeconds(2).toNanos(), "close took too long");
        final SchemaRegistryException e =
                assertThrows(SchemaRegistryException.class, () -> client.latest("transactions-value"));
        assertInstanceOf(ConnectException.class, e.getCause(), () -> "cause was " + e.getCause());
        assertFalse(e.isNotFound());
    }

    @Test
    void startRejectsBadPortAndReportsTakenPort() {
        assertThrows(IllegalArgumentException.class,
                () -> SchemaRegistryServer.start(new InMemorySchemaRegistry(), "127.0.0.1", 70_000));
        assertThrows(UncheckedIOException.class,
                () -> SchemaRegistryServer.start(new InMemorySchemaRegistry(), "127.0.0.1", server.port()));
        assertEquals("http://127.0.0.1:" + server.port(), server.url());
    }

    private static String schemaBody(final String schema) {
        return JSON.createObjectNode().put("schema", schema).toString();
    }

    private HttpResponse<String> get(final String path) throws IOException, InterruptedException {
        return raw.send(HttpRequest.newBuilder(URI.create(server.url() + path)).GET().build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }

    private HttpResponse<String> post(final String path, final String body, final String contentType)
            throws IOException, InterruptedException {
        return raw.send(HttpRequest.newBuilder(URI.create(server.url() + path))
                        .header("Content-Type", contentType)
                        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8))
                        .build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }
}
