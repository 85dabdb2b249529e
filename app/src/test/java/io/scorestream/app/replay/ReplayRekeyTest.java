package io.scorestream.app.replay;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.scorestream.schemas.registry.InMemorySchemaRegistry;
import io.scorestream.schemas.serde.ConfluentAvroSerializer;
import io.scorestream.topology.errors.DeadLetters;
import io.scorestream.topology.processor.RepartitionHeaders;
import io.scorestream.topology.serde.FeatureEventSerde;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.internals.BuiltInPartitioner;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/** What the first stage of a repartitioned replay writes for each input record. */
class ReplayRekeyTest {

    private static final String INPUT = "transactions";
    private static final String TARGET = "scorestream-replay-0123456789ab-rekeyed";
    private static final String DLQ = "backtest-dlq";
    private static final Schema EVENT = SchemaBuilder.record("Event").namespace("test").fields()
            .optionalString("account_id").requiredDouble("amount").endRecord();
    private static final Schema OTHER = SchemaBuilder.record("Other").namespace("test").fields()
            .requiredDouble("amount").endRecord();

    private final InMemorySchemaRegistry schemas = new InMemorySchemaRegistry();
    private final ConfluentAvroSerializer<GenericRecord> avro = ConfluentAvroSerializer.generic(schemas, false);
    private final ReplayRekey rekey = new ReplayRekey(java.util.Map.of(), new FeatureEventSerde(schemas),
            "account_id", DLQ, Duration.ofSeconds(5));

    private ConsumerRecord<byte[], byte[]> input(int partition, long offset, String key, byte[] value) {
        final RecordHeaders headers = new RecordHeaders();
        headers.add("trace", "t-1".getBytes(StandardCharsets.UTF_8));
        return new ConsumerRecord<>(INPUT, partition, offset, 1_700_000_000_000L + offset, TimestampType.CREATE_TIME,
                0, 0, key == null ? null : key.getBytes(StandardCharsets.UTF_8), value, headers, Optional.empty());
    }

    private byte[] event(String account) {
        final GenericRecord r = new GenericData.Record(EVENT);
        r.put("account_id", account);
        r.put("amount", 12.5);
        return avro.serialize(INPUT, r);
    }

    private static String text(byte[] bytes) {
        return bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    }

    @Test
    void anEventIsKeyedByItsGroupOnThePartitionLiveRepartitioningGivesItWithItsInputInHeaders() {
        // given: an event of account a-17, keyed by its transaction id, at transactions-2@41
        final byte[] value = event("a-17");

        // when
        final ProducerRecord<byte[], byte[]> out = rekey.rekeyed(input(2, 41, "tx-9", value), TARGET, 3);

        // then: key = the account's UTF-8 text, partition = the producer's default for that key,
        // the value and timestamp unchanged, and the input's key and coordinates in the headers
        final byte[] key = "a-17".getBytes(StandardCharsets.UTF_8);
        assertEquals(TARGET, out.topic());
        assertArrayEquals(key, out.key());
        assertEquals(BuiltInPartitioner.partitionForKey(key, 3), out.partition());
        assertArrayEquals(value, out.value());
        assertEquals(1_700_000_000_041L, out.timestamp());
        assertEquals("tx-9", text(RepartitionHeaders.originalKey(out.headers())));
        assertEquals(INPUT, RepartitionHeaders.topic(out.headers()));
        assertEquals(2, RepartitionHeaders.partition(out.headers()));
        assertEquals(41L, RepartitionHeaders.offset(out.headers()));
        assertEquals("t-1", text(out.headers().lastHeader("trace").value()), "the input's own headers travel too");
    }

    @Test
    void aNullKeyTravelsAsANullKeyHeader() {
        final ProducerRecord<byte[], byte[]> out = rekey.rekeyed(input(0, 3, null, event("a-1")), TARGET, 3);
        assertEquals(TARGET, out.topic());
        assertNull(RepartitionHeaders.originalKey(out.headers()));
    }

    @Test
    void eventsThatCannotBeGroupedAreDeadLetteredWithLiveReasonsAndTheirInputCoordinates() {
        // given: a null group, an event without the field, a tombstone, and bytes not in the wire format
        final GenericRecord other = new GenericData.Record(OTHER);
        other.put("amount", 1.0);
        final byte[] nullGroup = event(null);

        // when / then
        assertDeadLetter(rekey.rekeyed(input(1, 7, "tx-1", nullGroup), TARGET, 3), "aggregate_null_group", 1, 7,
                nullGroup);
        assertDeadLetter(rekey.rekeyed(input(0, 8, "tx-2", avro.serialize(INPUT, other)), TARGET, 3),
                "aggregate_missing_field", 0, 8, null);
        assertDeadLetter(rekey.rekeyed(input(2, 9, "tx-3", null), TARGET, 3), "null_value", 2, 9, null);
        final byte[] garbage = "not avro".getBytes(StandardCharsets.UTF_8);
        final ProducerRecord<byte[], byte[]> bad = rekey.rekeyed(input(2, 10, "tx-4", garbage), TARGET, 3);
        assertEquals(DLQ, bad.topic());
        assertEquals(String.valueOf(10), DeadLetters.text(bad.headers(), DeadLetters.HEADER_OFFSET));
        assertArrayEquals(garbage, bad.value());
    }

    private static void assertDeadLetter(ProducerRecord<byte[], byte[]> r, String reason, int partition, long offset,
                                         byte[] value) {
        assertEquals(DLQ, r.topic(), reason);
        assertEquals(reason, DeadLetters.text(r.headers(), DeadLetters.HEADER_REASON));
        assertEquals(INPUT, DeadLetters.text(r.headers(), DeadLetters.HEADER_TOPIC));
        assertEquals(String.valueOf(partition), DeadLetters.text(r.headers(), DeadLetters.HEADER_PARTITION));
        assertEquals(String.valueOf(offset), DeadLetters.text(r.headers(), DeadLetters.HEADER_OFFSET));
        assertNull(r.headers().lastHeader(RepartitionHeaders.SOURCE_TOPIC), "no repartition headers on a dead letter");
        if (value != null) {
            assertArrayEquals(value, r.value());
        }
    }
}
