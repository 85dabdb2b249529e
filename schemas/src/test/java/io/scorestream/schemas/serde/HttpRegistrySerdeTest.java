package io.scorestream.schemas.serde;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.scorestream.schemas.ScoreResult;
import io.scorestream.schemas.Transaction;
import io.scorestream.schemas.registry.FakeConfluentRegistryServer;
import io.scorestream.schemas.registry.HttpSchemaRegistry;
import io.scorestream.schemas.serde.WireFormatException.Reason;
import java.io.IOException;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HttpRegistrySerdeTest {

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
    void secondSerializeOfTheSameSchemaMakesNoRequest() {
        // given
        final ConfluentAvroSerializer<Transaction> serializer =
                ConfluentAvroSerializer.specific(client(), Transaction.class, false);
        serializer.serialize("transactions", TestRecords.transaction("tx-1"));

        // when
        final byte[] bytes = serializer.serialize("transactions", TestRecords.transaction("tx-2"));

        // then
        assertEquals(1, server.requests().size());
        assertEquals(1, server.count("POST", "/subjects/transactions-value/versions"));
        assertEquals(1, bytes[4]);
    }

    @Test
    void consumerFetchesEachWriterSchemaOnce() {
        // given: a producer and a consumer in different processes, each with its own client
        final ConfluentAvroSerializer<ScoreResult> producer =
                ConfluentAvroSerializer.specific(client(), ScoreResult.class, false);
        final ConfluentAvroDeserializer<ScoreResult> consumer =
                ConfluentAvroDeserializer.specific(client(), ScoreResult.class, false);
        final byte[] first = producer.serialize("scores", TestRecords.scoreResult());
        final byte[] second = producer.serialize("scores", TestRecords.scoreResult());

        // when
        consumer.deserialize("scores", first);
        final ScoreResult read = consumer.deserialize("scores", second);

        // then
        assertEquals(TestRecords.scoreResult(), read);
        assertEquals(1, server.count("GET", "/schemas/ids/1"));
        assertEquals(2, server.requests().size());
    }

    @Test
    void unknownIdFromTheRegistryIsAnUnknownSchemaId() {
        // given
        final ConfluentAvroDeserializer<Transaction> consumer =
                ConfluentAvroDeserializer.specific(client(), Transaction.class, false);

        // when
        final WireFormatException e = assertThrows(WireFormatException.class,
                () -> consumer.deserialize("transactions", new byte[] {0, 0, 0, 1, 0, 2}));

        // then
        assertEquals(Reason.UNKNOWN_SCHEMA_ID, e.reason());
        assertTrue(e.getMessage().startsWith("Cannot deserialize value from topic 'transactions': unknown schema id 256"),
                e.getMessage());
        assertTrue(e.getCause().getMessage().contains("error_code 40403"), e.getCause().getMessage());
    }

    @Test
    void rejectedRegistrationFailsTheSerializeNamingTopicAndSubject() {
        // given
        server.rejectAsIncompatible("transactions-value");
        final ConfluentAvroSerializer<Transaction> serializer =
                ConfluentAvroSerializer.specific(client(), Transaction.class, false);

        // when
        final SerializationException e = assertThrows(SerializationException.class,
                () -> serializer.serialize("transactions", TestRecords.transaction("tx-1")));

        // then
        assertTrue(e.getMessage().startsWith("Cannot serialize value for topic 'transactions': schema "
                + "io.scorestream.schemas.Transaction could not be registered under subject 'transactions-value'"),
                e.getMessage());
        assertTrue(e.getMessage().contains("HTTP 409"), e.getMessage());
    }
}
